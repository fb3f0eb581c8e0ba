package blocks

import "testing"

// TestCutRecycle: cut slices are zero, do not overlap and end where they
// end; a recycled block is zero again and is grown until what a request
// cuts from it fits; a block beyond MaxKept is dropped.
func TestCutRecycle(t *testing.T) {
	var b []int
	for round := 0; round < 3; round++ {
		var cuts [][]int
		for _, n := range []int{3, 50, 87, 1} {
			c := Cut(&b, n, 8)
			if len(c) != n || cap(c) != n {
				t.Fatalf("round %d: cut of %d has len %d cap %d", round, n, len(c), cap(c))
			}
			for i := range c {
				if c[i] != 0 {
					t.Fatalf("round %d: cut of %d holds %d at %d", round, n, c[i], i)
				}
				c[i] = n
			}
			cuts = append(cuts, c)
		}
		for _, c := range cuts {
			for _, v := range c {
				if v != len(c) {
					t.Fatalf("round %d: cuts overlap: %v", round, c)
				}
			}
		}
		before := cap(b)
		b = Recycle(b)
		if len(b) != 0 || cap(b) != before {
			t.Fatalf("round %d: recycled block len %d cap %d, want 0 %d", round, len(b), cap(b), before)
		}
		if round > 0 && before < 141 {
			t.Fatalf("round %d: a kept block of %d does not hold a request's 141", round, before)
		}
	}
	if Recycle(make([]byte, 0, MaxKept+1)) != nil {
		t.Fatal("a block beyond MaxKept was kept")
	}
	if r := Reserve(make([]int, 2, 40), 38); cap(r) != 40 || len(r) != 2 {
		t.Fatalf("Reserve replaced a block with room: len %d cap %d", len(r), cap(r))
	}
	if r := Reserve(make([]int, 2, 40), 39); cap(r) != 64 || len(r) != 0 {
		t.Fatalf("Reserve of 39 more in a block with 38: len %d cap %d, want a new 64", len(r), cap(r))
	}
}
