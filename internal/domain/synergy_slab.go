package domain

import "sync"

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
	s.strs = recycle(s.strs)
	s.links = recycle(s.links)
	s.refs = recycle(s.refs)
	s.ents = recycle(s.ents)
	slabs.Put(s)
}

// maxKeptBlock bounds the blocks a released slab keeps, in elements: a
// larger one (an unusually long page) goes to the collector.
const maxKeptBlock = 512

// recycle clears the used part of a block and empties it, or drops it.
func recycle[T any](b []T) []T {
	if cap(b) > maxKeptBlock {
		return nil
	}
	clear(b)
	return b[:0]
}

// reserve gives b with room for n more elements, in a new block when
// its own is too small; a new block is rounded up, so that a released
// slab's block serves the next pages of about the same size.
func reserve[T any](b []T, n int) []T {
	if cap(b)-len(b) >= n {
		return b
	}
	c := 16
	for c < n {
		c *= 2
	}
	return make([]T, 0, c)
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

// cut gives the next n elements of *b (zero) as a slice whose capacity
// ends at n, so that appending to it later copies it out of the block;
// a block without room for them is replaced by one with room for at
// least more.
func cut[T any](b *[]T, n, least int) []T {
	if cap(*b)-len(*b) < n {
		*b = reserve((*b)[:0:0], max(n, least))
	}
	lo := len(*b)
	*b = (*b)[:lo+n]
	return (*b)[lo : lo+n : lo+n]
}

// strings gives n strings for *string fields to point at.
func (s *SynergySlab) strings(n int) []string {
	if s == nil {
		return make([]string, n)
	}
	return cut(&s.strs, n, 64)
}

// ReserveLinks makes room for n more links (Links).
func (s *SynergySlab) ReserveLinks(n int) { s.links = reserve(s.links, n) }

// Links gives an empty slice with room for n links.
func (s *SynergySlab) Links(n int) SynergyLinks { return cut(&s.links, n, 64)[:0] }

// ReserveRefs makes room for n more single references (Ref).
func (s *SynergySlab) ReserveRefs(n int) { s.refs = reserve(s.refs, n) }

// Ref gives a linkage's one reference as a slice.
func (s *SynergySlab) Ref(r SynergyRef) []SynergyRef {
	out := cut(&s.refs, 1, 64)
	out[0] = r
	return out
}

// Entities gives an empty list with room for n entities.
func (s *SynergySlab) Entities(n int) []SynergyEntity { return cut(&s.ents, n, 16)[:0] }
