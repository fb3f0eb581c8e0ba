package graph

import (
	"testing"

	"github.com/crmgateway/gateway/internal/apierr"
)

// The merged order: the n-th record of every source before the (n+1)-th
// of any; pred steps back through it.
func TestCrossKeyOrder(t *testing.T) {
	keys := []crossKey{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {2, 0}}
	for i := 1; i < len(keys); i++ {
		if !keys[i-1].less(keys[i]) || keys[i].less(keys[i-1]) {
			t.Errorf("%v must come before %v", keys[i-1], keys[i])
		}
		if p := keys[i].pred(3); p != keys[i-1] {
			t.Errorf("pred(%v) = %v, want %v", keys[i], p, keys[i-1])
		}
	}
}

func TestCrossCursor(t *testing.T) {
	read := readID("opportunities", map[string]string{"title": "x"})
	c := encodeCrossCursor(read, crossKey{7, 2})
	if k, err := decodeCrossCursor("after", read, c, 3); err != nil || k != (crossKey{7, 2}) {
		t.Fatalf("round trip: %v %v", k, err)
	}
	for name, bad := range map[string]struct {
		read, cursor string
		n            int
	}{
		"another filter":     {readID("opportunities", map[string]string{"title": "y"}), c, 3},
		"another field":      {readID("people", map[string]string{"title": "x"}), c, 3},
		"a source too many":  {read, c, 2},
		"not base64":         {read, "!!!", 3},
		"another list's":     {read, encodeCursor(4), 3},
		"negative source":    {read, encodeCrossCursor(read, crossKey{1, -1}), 3},
		"an index before -1": {read, encodeCrossCursor(read, crossKey{-2, 0}), 3},
	} {
		_, err := decodeCrossCursor("after", bad.read, bad.cursor, bad.n)
		if e, ok := apierr.As(err); !ok || e.Code != apierr.BadUserInput || e.Field != "after" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCrossArgs(t *testing.T) {
	one, hundred, over := 1, 100, 101
	s := "c"
	for _, tc := range []struct {
		name        string
		first, last *int
		after, bef  *string
		n           int
		back, fails bool
	}{
		{name: "default", n: crossDefaultFirst},
		{name: "first", first: &hundred, n: 100},
		{name: "first over", first: &over, fails: true},
		{name: "last with before", last: &one, bef: &s, n: 1, back: true},
		{name: "last alone", last: &one, fails: true},
		{name: "first and last", first: &one, last: &one, bef: &s, fails: true},
		{name: "after and before", after: &s, bef: &s, fails: true},
		{name: "first with before", first: &one, bef: &s, fails: true},
	} {
		n, back, err := crossArgs(tc.first, tc.after, tc.last, tc.bef)
		if (err != nil) != tc.fails || err == nil && (n != tc.n || back != tc.back) {
			t.Errorf("%s: %d %v %v", tc.name, n, back, err)
		}
	}
}

// FuzzCrossCursor: any cursor text is decoded without panicking, and what
// decodes encodes back to a cursor of the same key.
func FuzzCrossCursor(f *testing.F) {
	read := readID("people", nil)
	f.Add(encodeCrossCursor(read, crossKey{3, 1}))
	f.Add("eDE6cGVvcGxlOjA6MA")
	f.Add("")
	f.Fuzz(func(t *testing.T, c string) {
		k, err := decodeCrossCursor("before", read, c, 2)
		if err != nil {
			return
		}
		if k2, err := decodeCrossCursor("before", read, encodeCrossCursor(read, k), 2); err != nil || k2 != k {
			t.Fatalf("%q decodes to %v, which does not round-trip: %v %v", c, k, k2, err)
		}
	})
}
