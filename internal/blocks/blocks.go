// Package blocks owns bump allocation: many small slices cut from a few
// large blocks, which pools keep between requests.
//
// A block's used part is its length; the rest of its capacity is always
// zero, so a block cleared where it was used (Recycle) is as good as new.
package blocks

import "unsafe"

// MaxKept bounds the blocks Recycle keeps, in bytes: a larger one (from
// an unusually long page) goes to the collector.
const MaxKept = 256 << 10

// Reserve gives b with room for n more elements, in a new block when its
// own is too small. A new block's capacity is a power of two, so that a
// kept block serves the next requests of about the same size.
func Reserve[T any](b []T, n int) []T {
	if cap(b)-len(b) >= n {
		return b
	}
	return make([]T, 0, roundUp(n))
}

// Cut gives the next n elements of *b, zero, as a slice whose capacity
// ends at n, so that appending to it later copies it out of the block. A
// block without room for them is replaced by one with room for at least
// least more, and at least twice its size: a block kept and grown so
// comes to fit what a request cuts from it.
func Cut[T any](b *[]T, n, least int) []T {
	if cap(*b)-len(*b) < n {
		*b = make([]T, 0, roundUp(max(n, least, 2*cap(*b))))
	}
	lo := len(*b)
	*b = (*b)[:lo+n]
	return (*b)[lo : lo+n : lo+n]
}

// Recycle clears the used part of b and empties it for reuse, or drops
// it when it is larger than MaxKept.
func Recycle[T any](b []T) []T {
	if cap(b)*int(unsafe.Sizeof(*new(T))) > MaxKept {
		return nil
	}
	clear(b)
	return b[:0]
}

func roundUp(n int) int {
	c := 16
	for c < n {
		c *= 2
	}
	return c
}
