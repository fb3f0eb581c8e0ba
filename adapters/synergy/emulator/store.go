package emulator

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/crmgateway/gateway/internal/synergyspec"
)

// ref points at one stored resource.
type ref struct {
	typ string
	id  int
}

func (r ref) less(o ref) bool {
	if r.typ != o.typ {
		return r.typ < o.typ
	}
	return r.id < o.id
}

// record is one stored resource. attrs hold values exactly as they are
// JSON-encoded (nil, string, bool, json.Number, map[string]any); rels hold
// linkage, a to-one relationship having at most one element.
type record struct {
	typ   string
	id    int
	attrs map[string]any
	rels  map[string][]ref
	// discardedAt is when a contract was moved to the trash. The docs
	// filter on discarded-at but list no such attribute, so it is kept
	// off the wire.
	discardedAt time.Time
}

func (r *record) ref() ref { return ref{r.typ, r.id} }

// table holds every resource of one type.
type table struct {
	res   *synergyspec.Resource
	attrs []string // attribute names in wire order
	recs  map[int]*record
	ids   []int // ascending
	next  int
}

// store is the emulator's data. It is not safe for concurrent use; the
// Emulator guards it with its RWMutex.
type store struct {
	tables map[string]*table
}

// opaqueAttrs names the attributes the emulator gives the types the docs
// reference but never describe.
var opaqueAttrs = map[string][]string{
	"users":             {"name", "email", "phone", "position", "created-at"},
	"sources":           {"name", "created-at"},
	"products":          {"name", "sku", "price", "unit", "created-at"},
	"entity-products":   {"name", "quantity", "price", "discount", "amount"},
	"diary-tasks":       {"name", "description", "deadline", "done", "created-at"},
	"competitors":       {"name", "website"},
	"areas":             {"name"},
	"estate-properties": {"name", "address", "area", "cadastral-number"},
}

// idBase is the first id of each type. Every type has its own range so that
// an id mixed up between types never finds a record, and deals cross 9999 →
// 10000 so that ordering by id text instead of number shows.
var idBase = map[string]int{
	"users": 11, "sources": 21, "products": 101, "entity-products": 201, "diary-tasks": 301,
	"competitors": 401, "areas": 451, "estate-properties": 501,
	"contact-statuses": 601, "contact-types": 611, "company-statuses": 621, "company-types": 631,
	"deal-stage-categories": 641, "deal-stages": 651, "deal-statuses": 701, "deal-loss-reasons": 711,
	"order-stages": 721, "order-statuses": 731, "order-loss-reasons": 741,
	"contacts": 1001, "companies": 2001, "company-bank-details": 3001, "contracts": 5001,
	"orders": 7001, "diary-events": 8001, "deals": 9971,
}

// inverse names the relationship on the other side of a pair the emulator
// keeps symmetric.
type relKey struct{ typ, rel string }

var inverses = func() map[relKey]relKey {
	pairs := [][2]relKey{
		{{"contacts", "companies"}, {"companies", "contacts"}},
		{{"contacts", "deals"}, {"deals", "contact"}},
		{{"contacts", "orders"}, {"orders", "contact"}},
		{{"companies", "deals"}, {"deals", "company"}},
		{{"companies", "bank-details"}, {"company-bank-details", "company"}},
		{{"companies", "events"}, {"diary-events", "company"}},
		{{"deals", "orders"}, {"orders", "deals"}},
		{{"deals", "deals"}, {"deals", "deals"}},
	}
	m := make(map[relKey]relKey, 2*len(pairs))
	for _, p := range pairs {
		m[p[0]] = p[1]
		m[p[1]] = p[0]
	}
	return m
}()

func newStore() *store {
	s := &store{tables: make(map[string]*table, len(synergyspec.Resources))}
	for i := range synergyspec.Resources {
		res := &synergyspec.Resources[i]
		t := &table{res: res, recs: map[int]*record{}, next: idBase[res.Type]}
		if t.next == 0 {
			t.next = 1
		}
		if res.Opaque {
			t.attrs = opaqueAttrs[res.Type]
		} else {
			for _, a := range res.Attrs {
				t.attrs = append(t.attrs, a.Name)
			}
		}
		s.tables[res.Type] = t
	}
	return s
}

func (s *store) get(r ref) *record {
	t := s.tables[r.typ]
	if t == nil {
		return nil
	}
	return t.recs[r.id]
}

// create stores a new empty record with the type's next id.
func (s *store) create(typ string) *record {
	t := s.tables[typ]
	rec := &record{typ: typ, id: t.next, attrs: make(map[string]any, len(t.attrs)), rels: map[string][]ref{}}
	for _, a := range t.attrs {
		rec.attrs[a] = nil
	}
	t.next++
	t.recs[rec.id] = rec
	t.ids = append(t.ids, rec.id) // ids only grow, so the slice stays sorted
	return rec
}

// remove hard-deletes a record and every linkage pointing at it.
func (s *store) remove(r ref) {
	t := s.tables[r.typ]
	delete(t.recs, r.id)
	if i, ok := slices.BinarySearch(t.ids, r.id); ok {
		t.ids = slices.Delete(t.ids, i, i+1)
	}
	for _, ot := range s.tables {
		for _, rec := range ot.recs {
			for rel, refs := range rec.rels {
				if slices.Contains(refs, r) {
					rec.rels[rel] = slices.DeleteFunc(slices.Clone(refs), func(x ref) bool { return x == r })
				}
			}
		}
	}
}

// records returns the records of a type in id order.
func (s *store) records(typ string) []*record {
	t := s.tables[typ]
	out := make([]*record, 0, len(t.ids))
	for _, id := range t.ids {
		out = append(out, t.recs[id])
	}
	return out
}

func relSpec(typ, rel string) (synergyspec.Rel, bool) {
	res := synergyspec.ByType(typ)
	if res == nil {
		return synergyspec.Rel{}, false
	}
	return res.Rel(rel)
}

func sortRefs(refs []ref) {
	sort.Slice(refs, func(i, j int) bool { return refs[i].less(refs[j]) })
}

// setLinks replaces a relationship's linkage and keeps its inverse (if the
// pair is one the emulator keeps symmetric) in step. To-many linkage is kept
// de-duplicated and ordered by type and id.
func (s *store) setLinks(rec *record, rel string, refs []ref) {
	refs = slices.Clone(refs)
	if sp, ok := relSpec(rec.typ, rel); ok && sp.Many {
		sortRefs(refs)
		refs = slices.Compact(refs)
	}
	old := rec.rels[rel]
	rec.rels[rel] = refs
	inv, ok := inverses[relKey{rec.typ, rel}]
	if !ok {
		return
	}
	self := rec.ref()
	for _, o := range old {
		if !slices.Contains(refs, o) {
			if t := s.get(o); t != nil {
				s.unlink(t, inv.rel, self)
			}
		}
	}
	for _, n := range refs {
		if !slices.Contains(old, n) {
			if t := s.get(n); t != nil {
				s.link(t, inv.rel, self)
			}
		}
	}
}

// link adds r to t's relationship rel; a to-one relationship drops its
// previous target, which loses t on its side of the pair.
func (s *store) link(t *record, rel string, r ref) {
	sp, _ := relSpec(t.typ, rel)
	cur := t.rels[rel]
	if sp.Many {
		if !slices.Contains(cur, r) {
			cur = append(slices.Clone(cur), r)
			sortRefs(cur)
			t.rels[rel] = cur
		}
		return
	}
	inv := inverses[relKey{t.typ, rel}]
	for _, prev := range cur {
		if prev != r {
			if p := s.get(prev); p != nil {
				s.unlink(p, inv.rel, t.ref())
			}
		}
	}
	t.rels[rel] = []ref{r}
}

func (s *store) unlink(t *record, rel string, r ref) {
	cur := t.rels[rel]
	if slices.Contains(cur, r) {
		t.rels[rel] = slices.DeleteFunc(slices.Clone(cur), func(x ref) bool { return x == r })
	}
}

// copyValue deep-copies a stored attribute value.
func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyValue(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

// canonicalAttr resolves an attribute name or one of its documented aliases.
func canonicalAttr(t *table, name string) (string, bool) {
	if slices.Contains(t.attrs, name) {
		return name, true
	}
	if t.res.Opaque {
		return "", false
	}
	for _, a := range t.res.Attrs {
		if slices.Contains(a.Aliases, name) {
			return a.Name, true
		}
	}
	return "", false
}

func parseID(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// stringAttr returns an attribute as text ("" when null): strings as they
// are, numbers in their stored decimal text.
func stringAttr(rec *record, name string) string {
	switch v := rec.attrs[name].(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	}
	return ""
}
