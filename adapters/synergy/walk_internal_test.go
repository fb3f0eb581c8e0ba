package synergy

import (
	"encoding/binary"
	"testing"
)

// TestSpecial checks the eight-bytes-at-a-time test against the byte table
// for every byte value at every position, next to every other kind.
func TestSpecial(t *testing.T) {
	for pos := range 8 {
		for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, 0x20, '!', '#', '[', ']'} {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				want := false
				for _, x := range b {
					want = want || !plain[x] && x < 0x80
				}
				if got := special(binary.LittleEndian.Uint64(b[:])); got != want {
					t.Fatalf("special(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}
