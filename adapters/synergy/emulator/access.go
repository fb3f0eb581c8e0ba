package emulator

import "strconv"

// Ref identifies a linked resource. Linkage returns Refs rather than bare
// ids because a contract's parties may be companies or contacts.
type Ref struct {
	Type, ID string
}

// IDs returns the ids of a type in list order (numeric ascending); nil for
// an unknown type. Tests use it to assert against the seeded data.
func (e *Emulator) IDs(typ string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t := e.store.tables[typ]
	if t == nil {
		return nil
	}
	out := make([]string, len(t.ids))
	for i, id := range t.ids {
		out[i] = strconv.Itoa(id)
	}
	return out
}

// Attr returns a copy of a stored attribute value as it is JSON-encoded:
// nil, string, bool, json.Number (integers and, except for orders, decimals),
// or map[string]any (customs). Orders' decimals are strings, as the docs
// show. Aliases ("custom", "custom_number") are accepted. ok is false for an
// unknown type, id or attribute.
func (e *Emulator) Attr(typ, id, attr string) (any, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rec, t := e.lookup(typ, id)
	if rec == nil {
		return nil, false
	}
	name, ok := canonicalAttr(t, attr)
	if !ok {
		return nil, false
	}
	return copyValue(rec.attrs[name]), true
}

// Linkage returns the targets of a relationship in linkage order (to-many
// ordered by type, then numeric id); nil when empty or unknown.
func (e *Emulator) Linkage(typ, id, rel string) []Ref {
	e.mu.RLock()
	defer e.mu.RUnlock()
	rec, _ := e.lookup(typ, id)
	if rec == nil {
		return nil
	}
	var out []Ref
	for _, r := range rec.rels[rel] {
		out = append(out, Ref{Type: r.typ, ID: strconv.Itoa(r.id)})
	}
	return out
}

func (e *Emulator) lookup(typ, id string) (*record, *table) {
	t := e.store.tables[typ]
	if t == nil {
		return nil, nil
	}
	n, ok := parseID(id)
	if !ok {
		return nil, nil
	}
	return t.recs[n], t
}
