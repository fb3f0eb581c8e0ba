package emulator

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/synergyspec"
)

// incNode is one level of an include tree: the relationships to follow from
// the resources at this level, in the order first requested.
type incNode struct {
	order    []string
	children map[string]*incNode
}

func (n *incNode) child(rel string) *incNode {
	if c, ok := n.children[rel]; ok {
		return c
	}
	if n.children == nil {
		n.children = map[string]*incNode{}
	}
	c := &incNode{}
	n.children[rel] = c
	n.order = append(n.order, rel)
	return c
}

// readOpts are the query parameters that shape a document: include and
// sparse fieldsets.
type readOpts struct {
	include     *incNode // nil = no include parameter
	fields      map[string]map[string]bool
	includeSent bool
}

// single reports the one value of a query key, or a 400 naming it when the
// key is repeated.
func single(q url.Values, key string) (string, *reply) {
	vs := q[key]
	if len(vs) > 1 {
		return "", paramError(key, fmt.Sprintf("%s is given %d times; give it once", key, len(vs)))
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

// bracket splits "family[name]" into its name; ok is false for other keys.
func bracket(key, family string) (string, bool) {
	if !strings.HasPrefix(key, family+"[") || !strings.HasSuffix(key, "]") {
		return "", false
	}
	return key[len(family)+1 : len(key)-1], true
}

// parseReadOpts validates include, fields[...] and sort for a document whose
// primary data are of the given types (two for a contract's party).
func (e *Emulator) parseReadOpts(types []string, q url.Values) (readOpts, *reply) {
	var o readOpts
	if _, ok := q["sort"]; ok {
		return o, paramError("sort", "sorting is not supported; lists are ordered by id ascending")
	}
	if _, ok := q["include"]; ok {
		raw, rep := single(q, "include")
		if rep != nil {
			return o, rep
		}
		o.includeSent = true
		o.include = &incNode{}
		if raw != "" {
			for _, path := range strings.Split(raw, ",") {
				if e.opts.FlatIncludeOnly && strings.Contains(path, ".") {
					return o, paramError("include", fmt.Sprintf("nested include paths are not supported (%q)", path))
				}
				if rep := e.addIncludePath(o.include, types, path); rep != nil {
					return o, rep
				}
			}
		}
	}
	for key := range q {
		name, ok := bracket(key, "fields")
		if !ok {
			continue
		}
		if e.opts.NoSparseFieldsets {
			return o, paramError(key, "sparse fieldsets are not supported")
		}
		t := e.store.tables[name]
		if t == nil {
			return o, paramError(key, fmt.Sprintf("unknown type %q", name))
		}
		raw, rep := single(q, key)
		if rep != nil {
			return o, rep
		}
		set := map[string]bool{}
		if raw != "" {
			for _, f := range strings.Split(raw, ",") {
				if a, ok := canonicalAttr(t, f); ok {
					set[a] = true
					continue
				}
				if _, ok := t.res.Rel(f); ok {
					set[f] = true
					continue
				}
				return o, paramError(key, fmt.Sprintf("%s has no attribute or relationship %q", name, f))
			}
		}
		if o.fields == nil {
			o.fields = map[string]map[string]bool{}
		}
		o.fields[name] = set
	}
	return o, nil
}

// addIncludePath adds one dotted relationship path. A segment after a
// polymorphic relationship is valid when any of its target types has it.
func (e *Emulator) addIncludePath(root *incNode, types []string, path string) *reply {
	node := root
	for _, seg := range strings.Split(path, ".") {
		if seg == "" {
			return paramError("include", fmt.Sprintf("empty relationship name in include path %q", path))
		}
		var next []string
		found := false
		for _, t := range types {
			if rel, ok := e.store.tables[t].res.Rel(seg); ok {
				found = true
				for _, target := range rel.Targets {
					if !slices.Contains(next, target) {
						next = append(next, target)
					}
				}
			}
		}
		if !found {
			return paramError("include", fmt.Sprintf("%s has no relationship %q (include path %q)",
				strings.Join(types, " or "), seg, path))
		}
		node = node.child(seg)
		types = next
	}
	return nil
}

// parsePage reads page[number] (1-based, default 1) and page[size]
// (default 50, 1..100); anything else is a 400 naming the parameter.
func parsePage(q url.Values) (number, size int, rep *reply) {
	number, size = 1, synergyspec.DefaultPageSize
	for key := range q {
		name, ok := bracket(key, "page")
		if !ok {
			continue
		}
		raw, rep := single(q, key)
		if rep != nil {
			return 0, 0, rep
		}
		n, err := strconv.Atoi(raw)
		switch name {
		case "number":
			if err != nil || n < 1 {
				return 0, 0, paramError(key, fmt.Sprintf("page[number] must be a whole number of at least 1, got %q", raw))
			}
			number = n
		case "size":
			if err != nil || n < 1 || n > synergyspec.MaxPageSize {
				return 0, 0, paramError(key, fmt.Sprintf("page[size] must be a whole number from 1 to %d, got %q",
					synergyspec.MaxPageSize, raw))
			}
			size = n
		default:
			return 0, 0, paramError(key, "unknown paging parameter; use page[number] and page[size]")
		}
	}
	return number, size, nil
}

// predicate selects records in a list.
type predicate func(*record) bool

// phoneAttrs are the fields any-phone searches: the "phone fields" of the
// docs. Fax is a separate field and is not searched.
var phoneAttrs = []string{"general-phone", "mobile-phone", "work-phone", "other-phone"}

// tableStates are the saved table filters filter[table-state-id] refers to.
// The docs do not describe them; the emulator seeds four.
var tableStates = map[int]predicate{
	1: func(*record) bool { return true },
	2: isActual,
	3: isArchived,
	4: isDiscarded,
}

func isArchived(r *record) bool  { return r.attrs["archived-at"] != nil }
func isDiscarded(r *record) bool { return !r.discardedAt.IsZero() }
func isActual(r *record) bool    { return !isArchived(r) && !isDiscarded(r) }

// parseFilters turns every filter[...] parameter into a predicate. Keys are
// matched after turning underscores into hyphens, so both spellings the docs
// use work.
func (e *Emulator) parseFilters(t *table, q url.Values) ([]predicate, *reply) {
	var preds []predicate
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		name, ok := bracket(key, "filter")
		if !ok {
			continue
		}
		norm := strings.ReplaceAll(name, "_", "-")
		var spec *synergyspec.Filter
		for i := range t.res.Filters {
			if t.res.Filters[i].Key == norm {
				spec = &t.res.Filters[i]
			}
		}
		if spec == nil {
			return nil, paramError(key, fmt.Sprintf("%s cannot be filtered by %q", t.res.Type, name))
		}
		val, rep := single(q, key)
		if rep != nil {
			return nil, rep
		}
		p, rep := buildFilter(key, norm, spec.Kind, val)
		if rep != nil {
			return nil, rep
		}
		preds = append(preds, p)
	}
	return preds, nil
}

func buildFilter(param, key string, kind synergyspec.Kind, val string) (predicate, *reply) {
	switch {
	case strings.HasSuffix(key, "phone"):
		want := digits(val)
		if want == "" {
			return nil, paramError(param, fmt.Sprintf("%q holds no digits of a phone number", val))
		}
		attrs := []string{key}
		if key == "any-phone" {
			attrs = phoneAttrs
		}
		return func(r *record) bool {
			for _, a := range attrs {
				if digits(stringAttr(r, a)) == want {
					return true
				}
			}
			return false
		}, nil
	case kind == synergyspec.DateTime:
		bound, err := time.ParseInLocation(synergyspec.FilterTimeLayout, val, synergyspec.FilterZone)
		if err != nil {
			return nil, paramError(param, fmt.Sprintf("%q is not a time in the form YYYY.MM.DD HH:MM", val))
		}
		base, lte := strings.CutSuffix(key, "-lte")
		if !lte {
			base = strings.TrimSuffix(key, "-gte")
		}
		return func(r *record) bool {
			at, ok := recordTime(r, base)
			if !ok {
				return false
			}
			if lte {
				return at.Before(bound.Add(time.Minute))
			}
			return !at.Before(bound)
		}, nil
	case key == "q":
		needle := strings.ToLower(val)
		return func(r *record) bool {
			for _, a := range []string{"name", "number", "custom-number"} {
				if strings.Contains(strings.ToLower(stringAttr(r, a)), needle) {
					return true
				}
			}
			return false
		}, nil
	case kind == synergyspec.Int:
		n, err := strconv.Atoi(val)
		if err != nil {
			return nil, paramError(param, fmt.Sprintf("%q is not a whole number", val))
		}
		return intFilter(param, key, n)
	default:
		return func(r *record) bool { return strings.EqualFold(stringAttr(r, key), val) }, nil
	}
}

// intFilter handles the integer filters of contracts. archived, discarded
// and actual take 0 (no restriction), 1 (records NOT in that state) or 2
// (only records in that state, the docs' example value).
func intFilter(param, key string, n int) (predicate, *reply) {
	state := map[string]predicate{"archived": isArchived, "discarded": isDiscarded, "actual": isActual}
	switch key {
	case "number":
		want := strconv.Itoa(n)
		return func(r *record) bool { return stringAttr(r, "number") == want }, nil
	case "table-state-id":
		p, ok := tableStates[n]
		if !ok {
			return nil, paramError(param, fmt.Sprintf("no saved table filter has id %d", n))
		}
		return p, nil
	}
	in := state[key]
	switch n {
	case 0:
		return func(*record) bool { return true }, nil
	case 1:
		return func(r *record) bool { return !in(r) }, nil
	case 2:
		return in, nil
	}
	return nil, paramError(param, fmt.Sprintf("%s takes 0 (all), 1 (without) or 2 (only), got %d", key, n))
}

func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// recordTime reads a datetime attribute (or the hidden discarded-at).
func recordTime(r *record, name string) (time.Time, bool) {
	if name == "discarded-at" {
		return r.discardedAt, !r.discardedAt.IsZero()
	}
	s, ok := r.attrs[name].(string)
	if !ok {
		return time.Time{}, false
	}
	return parseDateTime(s)
}

// dateTimeLayouts are the datetime forms the docs show: ISO 8601 with or
// without milliseconds, a bare date (contracts' date, orders' archived-at)
// and diary events' "2022-02-22 12:00 +0300".
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04 -0700", "2006-01-02"}

func parseDateTime(s string) (time.Time, bool) {
	for _, l := range dateTimeLayouts {
		loc := synergyspec.FilterZone
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
