package synergy

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/jsonscan"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// Decode turns a JSON:API document into domain entities. Unknown types are
// skipped; a malformed document is an UPSTREAM_ERROR.
//
// The document is read in one pass (see walk.go): the members the gateway
// uses are picked out while the whole body is checked, and each known
// resource's attributes object is then decoded into its typed entity
// straight from the body. The entities' Attributes are sub-slices of body,
// so the caller must not change body afterwards (the upstream client gives
// every response its own buffer).
//
// Decode answers exactly as a decoding with encoding/json of the whole
// document, then of data, then of each resource's attributes and linkage
// would: the same entities, and the same error for the same fault (a fault
// anywhere outside data first, then in data, then resource by resource).
func Decode(body []byte) (*domain.SynergyDocument, error) { return decode(body, nil) }

// decode is Decode for a read that asked for sparse fieldsets: the
// resources of a type asked with one keep no raw record and no attributes
// object (Raw and Attributes are nil). The operation selects neither on
// such a type — an operation that selects provenance's raw record or extra
// asks for its type whole — so the page's bytes need not outlive it.
func decode(body []byte, asked domain.SynergyFields) (*domain.SynergyDocument, error) {
	w := walkers.Get().(*walker)
	defer w.release()
	*w = walker{Cursor: jsonscan.Cursor{B: body}, data: w.data[:0], included: w.included[:0], rels: w.rels[:0]}
	if err := w.document(); err != nil {
		return nil, malformed("the document is not valid JSON:API", err)
	}
	if w.docErr != nil {
		return nil, malformed("the document is not valid JSON:API", w.docErr)
	}
	switch w.dataKind {
	case '[':
		if w.dataErr != nil {
			return nil, malformed("data is not an array of resources", w.dataErr)
		}
	case '{':
		if w.dataErr != nil {
			return nil, malformed("data is not a resource", w.dataErr)
		}
	case 's':
		return nil, malformed("data is neither a resource nor an array", nil)
	}
	w.prepare(asked)
	out := &domain.SynergyDocument{RecordCount: w.recordCount, PageCount: w.pageCount, Slab: w.slab}
	var err error
	if out.Data, err = w.entities(w.data); err == nil {
		out.Included, err = w.entities(w.included[:w.nIncluded])
	}
	if err != nil {
		out.Release() // nothing read it
		return nil, err
	}
	return out, nil
}

// walkers keeps walkers between documents for their scratch slices (the
// resources and relationship members as read), which are the larger part
// of what a page would otherwise allocate.
var walkers = sync.Pool{New: func() any { return new(walker) }}

// maxKeptResources bounds the scratch a pooled walker keeps.
const maxKeptResources = 4096

// release returns w to the pool, dropping every reference into the body.
func (w *walker) release() {
	if cap(w.data)+cap(w.included) > maxKeptResources || cap(w.rels) > 4*maxKeptResources {
		return
	}
	clear(w.data[:cap(w.data)])
	clear(w.included[:cap(w.included)])
	clear(w.rels[:cap(w.rels)])
	*w = walker{data: w.data[:0], included: w.included[:0], rels: w.rels[:0]}
	walkers.Put(w)
}

// prepare sizes what the document's entities are cut from. Nothing
// decoded may alias body (the upstream client reuses its buffer once the
// adapter is done): the records kept whole are copied into one arena, and
// the attributes objects into one string that their strings are cut from;
// the entities come from one block per type.
func (w *walker) prepare(asked domain.SynergyFields) {
	var counts [16]struct {
		typ string
		n   int
	}
	types, arena, size := 0, 0, 0
	for _, rs := range [][]wireResource{w.data, w.included[:w.nIncluded]} {
		for i := range rs {
			r := &rs[i]
			typ := w.name(r.typ)
			r.name, r.whole = typ, asked == nil || asked[typ] == nil
			if r.whole {
				arena += len(r.raw)
				if !r.attrsInRaw() {
					arena += len(r.attrs)
				}
			}
			r.textAt = size
			size += len(r.attrs)
			k := 0
			for k < types && counts[k].typ != typ {
				k++
			}
			if k == types {
				if types == len(counts) {
					continue // a block per type beyond: entities get small ones
				}
				counts[k].typ, types = typ, types+1
			}
			counts[k].n++
		}
	}
	w.slab = domain.NewSynergySlab()
	for _, c := range counts[:types] {
		w.slab.Reserve(c.typ, c.n)
	}
	// No resource has more links, nor to-one linkage, than relationship
	// members.
	w.slab.ReserveLinks(len(w.rels))
	w.slab.ReserveRefs(len(w.rels))
	if arena > 0 {
		w.arena = make([]byte, 0, arena)
	}
	// Room for the ids too, at a guess of 8 bytes each.
	w.sb.Grow(size + 8*(len(w.data)+w.nIncluded+len(w.rels)))
	for _, rs := range [][]wireResource{w.data, w.included[:w.nIncluded]} {
		for i := range rs {
			w.sb.Write(rs[i].attrs)
		}
	}
	w.text = w.sb.String()
}

func (w *walker) entities(rs []wireResource) ([]domain.SynergyEntity, error) {
	var out []domain.SynergyEntity
	for i := range rs {
		e, err := w.entity(&rs[i])
		if err != nil {
			return nil, err
		}
		if e != nil {
			if out == nil {
				out = w.slab.Entities(len(rs) - i)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func (w *walker) entity(r *wireResource) (domain.SynergyEntity, error) {
	if len(r.id.S) == 0 || len(r.typ.S) == 0 {
		return nil, malformed("a resource lacks its type or id", nil)
	}
	typ := r.name
	e := w.slab.New(typ)
	if e == nil {
		return nil, nil
	}
	id := w.str(r.id)
	if err := w.slab.DecodeAttributes(e, r.attrs, w.text[r.textAt:r.textAt+len(r.attrs)]); err != nil {
		return nil, malformed(fmt.Sprintf("%s %s has an attribute of the wrong type", typ, id), err)
	}
	rec := e.Record()
	rec.SourceID = id
	// The resource object is kept whole (its provenance's raw record);
	// the attributes are a slice of that copy.
	start := len(w.arena)
	if r.whole {
		w.arena = append(w.arena, r.raw...)
		rec.Raw = w.arena[start:len(w.arena):len(w.arena)]
	}
	switch {
	case len(r.attrs) == 0 || !r.whole:
	case r.attrsInRaw():
		a := start + r.attrsAt - r.rawAt
		rec.Attributes = w.arena[a : a+len(r.attrs) : a+len(r.attrs)]
	default:
		// The attributes of an earlier occurrence of the same element
		// (a repeated member), outside this object.
		a := len(w.arena)
		w.arena = append(w.arena, r.attrs...)
		rec.Attributes = w.arena[a:len(w.arena):len(w.arena)]
	}
	rels := w.rels[r.relLo:r.relHi]
	// As with a map, the last member of a key wins: kept[i] says whether
	// rels[i] is the last of its key and carries linkage.
	var small [32]bool
	kept := small[:0]
	if len(rels) > len(small) {
		kept = make([]bool, 0, len(rels))
		last := make(map[string]int, len(rels))
		for i := range rels {
			last[text(rels[i].key)] = i
		}
		for i := range rels {
			kept = append(kept, rels[i].data != nil && last[text(rels[i].key)] == i)
		}
	} else {
		for i := range rels {
			kept = append(kept, rels[i].data != nil && !superseded(rels, i))
		}
	}
	n := 0
	for _, k := range kept {
		if k {
			n++
		}
	}
	if n == 0 {
		return e, nil
	}
	links := w.slab.Links(n)
	for i := range rels {
		if !kept[i] {
			continue // links only: linkage unknown
		}
		key := w.name(rels[i].key)
		l, err := w.linkage(&rels[i])
		if err != nil {
			return nil, malformed(fmt.Sprintf("%s %s: relationship %s has bad linkage", typ, id, key), err)
		}
		links = append(links, domain.SynergyLink{Key: key, SynergyLinkage: l})
	}
	rec.Links = links
	return e, nil
}

// superseded tells whether a later member of the same relationships object
// has the same key.
func superseded(rels []wireRel, i int) bool {
	for j := i + 1; j < len(rels); j++ {
		if sameText(rels[j].key, rels[i].key) {
			return true
		}
	}
	return false
}

// linkage reads a relationship's data member (already checked to be JSON).
func (w *walker) linkage(rel *wireRel) (domain.SynergyLinkage, error) {
	if rel.plain {
		return domain.SynergyLinkage{Refs: w.slab.Ref(w.ref(rel.typ, rel.id))}, nil
	}
	d := rel.data
	s := walker{Cursor: jsonscan.Cursor{B: d}}
	switch d[0] {
	case 'n':
		return domain.SynergyLinkage{}, nil
	case '[':
		l := domain.SynergyLinkage{Many: true}
		var bad error
		err := s.Array(func() error {
			var typ, id wireText
			switch s.Peek() {
			case 'n':
				if err := s.Lit("null"); err != nil {
					return err
				}
			case '{':
				if err := s.identifier(&typ, &id, &bad); err != nil {
					return err
				}
			default:
				if err := s.Value(); err != nil {
					return err
				}
				bad = cmp.Or(bad, errNotIdentifier)
			}
			l.Refs = append(l.Refs, w.ref(typ, id))
			return nil
		})
		return l, cmp.Or(err, bad)
	case '{':
		var typ, id wireText
		var bad error
		if err := s.identifier(&typ, &id, &bad); err != nil {
			return domain.SynergyLinkage{}, err
		}
		if bad != nil {
			return domain.SynergyLinkage{}, bad
		}
		return domain.SynergyLinkage{Refs: w.slab.Ref(w.ref(typ, id))}, nil
	}
	return domain.SynergyLinkage{}, errNotIdentifier
}

// ref is the resource identifier whose members are typ and id.
func (w *walker) ref(typ, id wireText) domain.SynergyRef {
	return domain.SynergyRef{Type: w.name(typ), ID: w.str(id)}
}

// plainIdentifier reads the common resource identifier at the start of
// d, exactly {"type":"…","id":"…"} or {"id":"…","type":"…"} without white
// space, its strings printable ASCII without escapes, and gives its length:
// read so, it means what the general reading (identifier) would make of
// it. ok is false for anything else, which identifier then reads.
func plainIdentifier(d []byte) (typ, id wireText, n int, ok bool) {
	rest, ok := bytes.CutPrefix(d, []byte(`{"`))
	if !ok {
		return typ, id, 0, false
	}
	var first, second *wireText
	want := `,"id":`
	switch {
	case bytes.HasPrefix(rest, []byte(`type":`)):
		first, second, rest = &typ, &id, rest[len(`type":`):]
	case bytes.HasPrefix(rest, []byte(`id":`)):
		first, second, rest, want = &id, &typ, rest[len(`id":`):], `,"type":`
	default:
		return typ, id, 0, false
	}
	var v []byte
	if v, rest, ok = plainASCIIString(rest); !ok {
		return typ, id, 0, false
	}
	*first = wireText{S: v}
	if rest, ok = bytes.CutPrefix(rest, []byte(want)); !ok {
		return typ, id, 0, false
	}
	if v, rest, ok = plainASCIIString(rest); !ok || len(rest) == 0 || rest[0] != '}' {
		return typ, id, 0, false
	}
	*second = wireText{S: v}
	if len(typ.S) == 0 || len(id.S) == 0 {
		return typ, id, 0, false
	}
	return typ, id, len(d) - len(rest) + 1, true
}

// plainASCIIString reads the JSON string at the start of b when it holds
// only ASCII and no escape: its contents and what follows it.
func plainASCIIString(b []byte) (s, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	end, escaped, wide, err := jsonscan.StringEnd(b, 0)
	if err != nil || escaped || wide {
		return nil, nil, false
	}
	return b[1 : end-1], b[end:], true
}

func malformed(msg string, cause error) error {
	return &apierr.Error{Code: apierr.UpstreamError, Upstream: Name,
		Message: "SynergyCRM answered with a malformed document: " + msg, Err: cause}
}

// errorDocument is a JSON:API error document.
type errorDocument struct {
	Errors []struct {
		Status string `json:"status"`
		Code   string `json:"code"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Source struct {
			Pointer   string `json:"pointer"`
			Parameter string `json:"parameter"`
		} `json:"source"`
	} `json:"errors"`
}

// Field maps a JSON:API source pointer or parameter to the GraphQL input
// field it came from: /data/attributes/first-name → input.firstName,
// /data/relationships/company → input.companyId (companies →
// input.companyIds), filter[last-name] → filter.lastName, page[…] →
// first. Only names the resource documents are translated; any other
// pointer names the whole input ("input", "filter"), so an upstream cannot
// put text of its choosing (an echoed credential) into extensions.field.
func Field(typ, pointer, parameter string) string {
	r := spec.ByType(typ)
	switch {
	case strings.HasPrefix(pointer, "/data/attributes/"):
		key := strings.SplitN(strings.TrimPrefix(pointer, "/data/attributes/"), "/", 2)[0]
		if r != nil {
			for _, a := range r.Attrs {
				if a.Name == key || slices.Contains(a.Aliases, key) {
					return "input." + camel(a.Name)
				}
			}
		}
		return "input"
	case strings.HasPrefix(pointer, "/data/relationships/"):
		key := strings.SplitN(strings.TrimPrefix(pointer, "/data/relationships/"), "/", 2)[0]
		if r != nil {
			if rel, ok := r.Rel(key); ok {
				return "input." + rel.InputField()
			}
		}
		return "input"
	case strings.HasPrefix(parameter, "filter[") && strings.HasSuffix(parameter, "]"):
		key := parameter[len("filter[") : len(parameter)-1]
		if r != nil {
			for _, f := range r.Filters {
				if f.Key == key || f.Param == key {
					return "filter." + camel(f.Key)
				}
			}
		}
		return "filter"
	case strings.HasPrefix(parameter, "page["):
		return "first"
	}
	return ""
}

func camel(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}
