package emulator

import (
	"fmt"
	"net/http"
)

// list serves GET /{type}.
func (e *Emulator) list(t *table, r *http.Request) *reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.listOf(t, e.store.records(t.res.Type), r)
}

// listOf filters, pages and renders recs (all of type t) as a list document.
func (e *Emulator) listOf(t *table, recs []*record, r *http.Request) *reply {
	q := r.URL.Query()
	opts, rep := e.parseReadOpts([]string{t.res.Type}, q)
	if rep != nil {
		return rep
	}
	number, size, rep := parsePage(q)
	if rep != nil {
		return rep
	}
	preds, rep := e.parseFilters(t, q)
	if rep != nil {
		return rep
	}
	matched := recs[:0:0]
next:
	for _, rec := range recs {
		for _, p := range preds {
			if !p(rec) {
				continue next
			}
		}
		matched = append(matched, rec)
	}
	total := len(matched)
	pages := (total + size - 1) / size
	var page []*record
	if from := (number - 1) * size; from < total {
		page = matched[from:min(from+size, total)]
	}
	rd := newRenderer(e.store, opts, page)
	data := make(arr, len(page))
	for i, rec := range page {
		data[i] = rd.resource(rec)
	}
	doc := rd.finish(obj{{"data", data}})
	doc = append(doc,
		field{"meta", obj{{"record-count", total}, {"page-count", pages}}},
		field{"links", pageLinks(r.URL, number, size, pages)})
	return &reply{status: http.StatusOK, body: encode(doc)}
}

// get serves GET /{type}/{id}.
func (e *Emulator) get(t *table, id int, r *http.Request) *reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rec := t.recs[id]
	if rec == nil {
		return notFound(fmt.Sprintf("%s %d does not exist", t.res.Type, id))
	}
	opts, rep := e.parseReadOpts([]string{t.res.Type}, r.URL.Query())
	if rep != nil {
		return rep
	}
	return &reply{status: http.StatusOK, body: encode(e.single(rec, opts))}
}

// single renders a one-resource document.
func (e *Emulator) single(rec *record, opts readOpts) obj {
	rd := newRenderer(e.store, opts, []*record{rec})
	doc := rd.finish(obj{{"data", rd.resource(rec)}})
	return append(doc, field{"links", obj{{"self", selfLink(rec.ref())}}})
}

// related serves GET /{type}/{id}/{rel}: the related resources themselves, a
// resource object or null for a to-one relationship, a paged list (with
// filters, like the target type's own list) for a to-many one.
func (e *Emulator) related(t *table, id int, relName string, r *http.Request) *reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rec := t.recs[id]
	if rec == nil {
		return notFound(fmt.Sprintf("%s %d does not exist", t.res.Type, id))
	}
	rel, ok := t.res.Rel(relName)
	if !ok {
		return notFound(fmt.Sprintf("%s has no relationship %q", t.res.Type, relName))
	}
	var targets []*record
	for _, x := range rec.rels[relName] {
		if tr := e.store.get(x); tr != nil {
			targets = append(targets, tr)
		}
	}
	if rel.Many {
		return e.listOf(e.store.tables[rel.Targets[0]], targets, r)
	}
	opts, rep := e.parseReadOpts(rel.Targets, r.URL.Query())
	if rep != nil {
		return rep
	}
	rd := newRenderer(e.store, opts, targets)
	var data any
	if len(targets) > 0 {
		data = rd.resource(targets[0])
	}
	doc := rd.finish(obj{{"data", data}})
	doc = append(doc, field{"links", obj{{"self", selfLink(rec.ref()) + "/" + relName}}})
	return &reply{status: http.StatusOK, body: encode(doc)}
}

// linkage serves GET /{type}/{id}/relationships/{rel}: resource identifiers
// only (all of them, unpaged), plus included resources when asked for.
func (e *Emulator) linkage(t *table, id int, relName string, r *http.Request) *reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rec := t.recs[id]
	if rec == nil {
		return notFound(fmt.Sprintf("%s %d does not exist", t.res.Type, id))
	}
	rel, ok := t.res.Rel(relName)
	if !ok {
		return notFound(fmt.Sprintf("%s has no relationship %q", t.res.Type, relName))
	}
	opts, rep := e.parseReadOpts(rel.Targets, r.URL.Query())
	if rep != nil {
		return rep
	}
	refs := rec.rels[relName]
	rd := newRenderer(e.store, opts, nil)
	rd.walkRefs(refs)
	self := selfLink(rec.ref())
	doc := obj{
		{"links", obj{{"self", self + "/relationships/" + relName}, {"related", self + "/" + relName}}},
		{"data", linkageData(rel.Many, refs)},
	}
	return &reply{status: http.StatusOK, body: encode(rd.finish(doc))}
}
