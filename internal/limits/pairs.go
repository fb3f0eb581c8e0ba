package limits

import "github.com/vektah/gqlparser/v2/ast"

// FieldPairs counts the pairs of fields validation's "overlapping fields
// can be merged" rule compares: fields answering under the same response
// key at the same place of the response (fragments expanded) are compared
// two by two, so 250 copies of one field cost 31,125 comparisons, and as
// many errors when their arguments differ. Every operation and every
// fragment definition is counted, as validation checks each.
//
// The walk expands fragments, so it is bounded by steps: past that many
// selections it stops and reports ok false. Callers run it after
// Measures.Selections is known to be within steps, which only a fragment
// cycle (refused by validation) can then exceed.
func FieldPairs(doc *ast.QueryDocument, steps int64) (pairs int64, ok bool) {
	p := pairCounter{frags: map[string]*ast.FragmentDefinition{}, active: map[string]bool{}, steps: steps}
	for _, f := range doc.Fragments {
		if _, dup := p.frags[f.Name]; !dup {
			p.frags[f.Name] = f
		}
	}
	for _, op := range doc.Operations {
		p.set(op.SelectionSet, &keyNode{})
	}
	for _, f := range doc.Fragments {
		p.set(f.SelectionSet, &keyNode{})
	}
	return p.pairs, p.steps >= 0
}

// keyNode is one place of the response: how many fields answer there, and
// the places below it by response key.
type keyNode struct {
	fields int64
	below  map[string]*keyNode
}

type pairCounter struct {
	frags  map[string]*ast.FragmentDefinition
	active map[string]bool
	steps  int64
	pairs  int64
}

func (p *pairCounter) set(set ast.SelectionSet, at *keyNode) {
	for _, sel := range set {
		if p.steps--; p.steps < 0 {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			if at.below == nil {
				at.below = map[string]*keyNode{}
			}
			n := at.below[key]
			if n == nil {
				n = &keyNode{}
				at.below[key] = n
			}
			p.pairs = sat(p.pairs, n.fields) // the new field meets each one already there
			n.fields++
			p.set(s.SelectionSet, n)
		case *ast.InlineFragment:
			p.set(s.SelectionSet, at)
		case *ast.FragmentSpread:
			f := p.frags[s.Name]
			if f == nil || p.active[s.Name] {
				continue
			}
			p.active[s.Name] = true
			p.set(f.SelectionSet, at)
			delete(p.active, s.Name)
		}
	}
}
