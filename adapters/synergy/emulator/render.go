package emulator

import (
	"net/url"
	"strconv"
)

// BasePath is the path prefix of every link the emulator writes, as in the
// docs ("/api/v1/contacts/2/relationships/responsible").
const BasePath = "/api/v1"

func selfLink(r ref) string {
	return BasePath + "/" + r.typ + "/" + strconv.Itoa(r.id)
}

func identifier(r ref) obj {
	return obj{{"type", r.typ}, {"id", strconv.Itoa(r.id)}}
}

// renderer builds one document: it follows the include tree from the
// primary resources, remembers which relationships lie on an include path
// (those carry linkage `data`) and collects the included resources once each.
type renderer struct {
	s        *store
	opts     readOpts
	linkage  map[ref]map[string]bool
	seen     map[ref]bool
	included []ref
	visited  map[visit]bool
}

type visit struct {
	r ref
	n *incNode
}

func newRenderer(s *store, opts readOpts, primary []*record) *renderer {
	rd := &renderer{s: s, opts: opts, linkage: map[ref]map[string]bool{}, seen: map[ref]bool{}, visited: map[visit]bool{}}
	for _, p := range primary {
		rd.seen[p.ref()] = true
	}
	if opts.include != nil {
		for _, p := range primary {
			rd.walk(p, opts.include)
		}
	}
	return rd
}

// walkRefs follows the include tree from resources given by identifier (the
// relationship endpoints, whose primary data are identifiers).
func (rd *renderer) walkRefs(refs []ref) {
	if rd.opts.include == nil {
		return
	}
	for _, r := range refs {
		if rec := rd.s.get(r); rec != nil {
			if !rd.seen[r] {
				rd.seen[r] = true
				rd.included = append(rd.included, r)
			}
			rd.walk(rec, rd.opts.include)
		}
	}
}

func (rd *renderer) walk(rec *record, node *incNode) {
	v := visit{rec.ref(), node}
	if rd.visited[v] {
		return
	}
	rd.visited[v] = true
	for _, rel := range node.order {
		if _, ok := relSpec(rec.typ, rel); !ok {
			continue // a polymorphic path segment for the other target type
		}
		m := rd.linkage[rec.ref()]
		if m == nil {
			m = map[string]bool{}
			rd.linkage[rec.ref()] = m
		}
		m[rel] = true
		for _, target := range rec.rels[rel] {
			trec := rd.s.get(target)
			if trec == nil {
				continue
			}
			if !rd.seen[target] {
				rd.seen[target] = true
				rd.included = append(rd.included, target)
			}
			rd.walk(trec, node.children[rel])
		}
	}
}

// resource renders one resource object: every attribute of the type (null
// when empty), every relationship with links, linkage data for those on an
// include path, restricted by fields[type] when given.
func (rd *renderer) resource(rec *record) obj {
	t := rd.s.tables[rec.typ]
	allowed, sparse := rd.opts.fields[rec.typ]
	r := rec.ref()
	attrs := make(obj, 0, len(t.attrs))
	for _, a := range t.attrs {
		if !sparse || allowed[a] {
			attrs = append(attrs, field{a, rec.attrs[a]})
		}
	}
	out := obj{{"type", rec.typ}, {"id", strconv.Itoa(rec.id)}}
	if len(attrs) > 0 {
		out = append(out, field{"attributes", attrs})
	}
	var rels obj
	self := selfLink(r)
	for _, sp := range t.res.Rels {
		if sparse && !allowed[sp.Key] {
			continue
		}
		ro := obj{{"links", obj{
			{"self", self + "/relationships/" + sp.Key},
			{"related", self + "/" + sp.Key},
		}}}
		if rd.linkage[r][sp.Key] {
			ro = append(ro, field{"data", linkageData(sp.Many, rec.rels[sp.Key])})
		}
		rels = append(rels, field{sp.Key, ro})
	}
	if len(rels) > 0 {
		out = append(out, field{"relationships", rels})
	}
	return append(out, field{"links", obj{{"self", self}}})
}

func linkageData(many bool, refs []ref) any {
	if many {
		list := make(arr, len(refs))
		for i, r := range refs {
			list[i] = identifier(r)
		}
		return list
	}
	if len(refs) == 0 {
		return nil
	}
	return identifier(refs[0])
}

// finish appends `included` (when include was asked for) to a document.
func (rd *renderer) finish(doc obj) obj {
	if !rd.opts.includeSent {
		return doc
	}
	list := make(arr, 0, len(rd.included))
	for _, r := range rd.included {
		if rec := rd.s.get(r); rec != nil {
			list = append(list, rd.resource(rec))
		}
	}
	return append(doc, field{"included", list})
}

// pageLinks are the JSON:API pagination links of a list response; a link
// to a page that does not exist is null.
func pageLinks(u *url.URL, number, size, pages int) obj {
	link := func(n int) any {
		q := u.Query()
		q.Set("page[number]", strconv.Itoa(n))
		q.Set("page[size]", strconv.Itoa(size))
		return u.Path + "?" + q.Encode()
	}
	last := max(pages, 1)
	var prev, next any
	if number > 1 {
		prev = link(min(number-1, last))
	}
	if number < pages {
		next = link(number + 1)
	}
	self := u.Path
	if u.RawQuery != "" {
		self += "?" + u.RawQuery
	}
	return obj{{"self", self}, {"first", link(1)}, {"prev", prev}, {"next", next}, {"last", link(last)}}
}
