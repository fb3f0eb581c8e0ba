package domain

import (
	"sync"

	"github.com/crmgateway/gateway/internal/blocks"
)

// SynergySlab hands out the entities a document decodes to, the strings
// and string pointers of their attributes, their linkage and the
// document's lists of entities, from a few blocks: a page of resources
// then costs a handful of allocations instead of several per resource.
//
// Whatever a slab hands out shares its blocks, so one entity kept keeps
// its document's blocks alive. A slab comes from a pool (NewSynergySlab)
// and goes back to it when its document is released (Release), its
// blocks cleared for the next document: only the owner of every entity
// the document holds, the request that read it, may release it, once
// nothing it ran can read them any more.
type SynergySlab struct {
	synergyBlocks
	strs  []string
	links []SynergyLink
	refs  []SynergyRef
	ents  []SynergyEntity
}

// slabs keeps released slabs with their blocks.
var slabs = sync.Pool{New: func() any { return new(SynergySlab) }}

// NewSynergySlab gives an empty slab, with the blocks of a released one
// when there is one.
func NewSynergySlab() *SynergySlab { return slabs.Get().(*SynergySlab) }

// Release clears everything s handed out and returns s to the pool. No
// entity, string pointer, linkage or list it handed out may be used after.
func (s *SynergySlab) Release() {
	s.synergyBlocks.reset()
	s.strs = blocks.Recycle(s.strs)
	s.links = blocks.Recycle(s.links)
	s.refs = blocks.Recycle(s.refs)
	s.ents = blocks.Recycle(s.ents)
	slabs.Put(s)
}

// take gives a pointer to a new zero element of *b; a block that was not
// reserved for it is replaced by a small one. Elements never move.
func take[T any](b *[]T) *T {
	if len(*b) == cap(*b) {
		*b = make([]T, 0, 4)
	}
	*b = (*b)[:len(*b)+1]
	return &(*b)[len(*b)-1]
}

// strings gives n strings for *string fields to point at.
func (s *SynergySlab) strings(n int) []string {
	if s == nil {
		return make([]string, n)
	}
	return blocks.Cut(&s.strs, n, 64)
}

// ReserveLinks makes room for n more links (Links).
func (s *SynergySlab) ReserveLinks(n int) { s.links = blocks.Reserve(s.links, n) }

// Links gives an empty slice with room for n links.
func (s *SynergySlab) Links(n int) SynergyLinks { return blocks.Cut(&s.links, n, 64)[:0] }

// ReserveRefs makes room for n more single references (Ref).
func (s *SynergySlab) ReserveRefs(n int) { s.refs = blocks.Reserve(s.refs, n) }

// Ref gives a linkage's one reference as a slice.
func (s *SynergySlab) Ref(r SynergyRef) []SynergyRef {
	out := blocks.Cut(&s.refs, 1, 64)
	out[0] = r
	return out
}

// Entities gives an empty list with room for n entities.
func (s *SynergySlab) Entities(n int) []SynergyEntity { return blocks.Cut(&s.ents, n, 16)[:0] }
