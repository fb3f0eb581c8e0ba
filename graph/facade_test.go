package graph

import (
	"path"
	"testing"
)

// ReferenceTypes name r_keeper types of the schema, so the REST facade's
// Cache-Control follows the reference cache and nothing else.
func TestReferenceTypesAreRKeepers(t *testing.T) {
	s := (&Resolver{}).Schema().Schema()
	for _, name := range ReferenceTypes {
		def := s.Types[name]
		if def == nil || def.Position == nil || path.Base(def.Position.Src.Name) != "rkeeper.graphqls" {
			t.Errorf("%s is not an r_keeper type of the schema", name)
		}
	}
}
