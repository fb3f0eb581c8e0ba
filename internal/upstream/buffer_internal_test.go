package upstream

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestLargeBuffersAreNotPooled: a buffer grown past maxPooled goes back to
// the runtime on Release; a small one is kept for the next answer.
func TestLargeBuffersAreNotPooled(t *testing.T) {
	for _, c := range []struct {
		size   int
		pooled bool
	}{{64 << 10, true}, {maxPooled * 2, false}} {
		h, err := readBody(context.Background(), strings.NewReader(strings.Repeat("z", c.size)), -1, 16<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := &Response{}
		r.attach(h)
		buf := h.buf
		r.Release()
		// Drain the pool: the buffer must be in it exactly when pooled.
		found := false
		for range 64 {
			if b := bufPool.Get().(*bytes.Buffer); b == buf {
				found = true
			}
		}
		if c.pooled && !found && !raceEnabled {
			t.Errorf("%d-byte buffer was not pooled", c.size)
		}
		if !c.pooled && found {
			t.Errorf("%d-byte buffer was pooled", c.size)
		}
	}
}
