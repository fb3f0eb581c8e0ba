package graph

import "testing"

// TestPageWindowCoversEveryWindow checks every (offset, n) a client can ask
// for: the chosen pages hold exactly the window, page[size] never exceeds
// 100, and at most two upstream pages are needed.
func TestPageWindowCoversEveryWindow(t *testing.T) {
	for n := 1; n <= 100; n++ {
		for offset := 0; offset < 450; offset++ {
			size, pages := pageWindow(offset, n)
			if size < 1 || size > 100 || len(pages) == 0 || len(pages) > 2 {
				t.Fatalf("offset %d n %d: size %d pages %v", offset, n, size, pages)
			}
			first := (pages[0] - 1) * size
			last := (pages[len(pages)-1]) * size
			if first > offset || last < offset+n {
				t.Fatalf("offset %d n %d: pages %v of %d cover [%d,%d)", offset, n, pages, size, first, last)
			}
			if len(pages) == 2 && pages[1] != pages[0]+1 {
				t.Fatalf("pages not adjacent: %v", pages)
			}
		}
	}
	if size, pages := pageWindow(20, 10); size != 10 || pages[0] != 3 {
		t.Fatalf("aligned window should use page size n: %d %v", size, pages)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, o := range []int{0, 1, 99, 123456} {
		got, err := decodeCursor(encodeCursor(o))
		if err != nil || got != o {
			t.Fatalf("%d → %d %v", o, got, err)
		}
	}
	for _, bad := range []string{"", "xyz", encodeCursor(1)[:3], "c3luZXJneTotMQ"} {
		if _, err := decodeCursor(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}
