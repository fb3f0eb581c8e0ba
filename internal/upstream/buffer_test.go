package upstream_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/upstream"
)

// hostile answers total bytes in 32 KiB writes, with or without a
// Content-Length, and counts what the client accepted before it hung up.
func hostile(t *testing.T, total int, declare bool) (*httptest.Server, *atomic.Int64, chan struct{}) {
	t.Helper()
	var written atomic.Int64
	done := make(chan struct{}, 1)
	chunk := []byte(strings.Repeat("x", 32<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		if declare {
			w.Header().Set("Content-Length", strconv.Itoa(total))
		}
		w.WriteHeader(http.StatusOK)
		for sent := 0; sent < total; sent += len(chunk) {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &written, done
}

// TestOversizedAnswerIsRefusedUnread: an answer longer than the cap is a
// clean UPSTREAM_ERROR, and the gateway stops reading at the cap (or at
// once when the length is declared) instead of reading 256 MiB.
func TestOversizedAnswerIsRefusedUnread(t *testing.T) {
	const total, limit = 256 << 20, 1 << 20
	for _, declare := range []bool{true, false} {
		t.Run("Content-Length "+strconv.FormatBool(declare), func(t *testing.T) {
			srv, written, done := hostile(t, total, declare)
			budget := upstream.NewBudget(8 << 20)
			c, _ := newClient(t, srv.URL, func(o *upstream.Options) { o.MaxResponseBytes = limit; o.Budget = budget; o.MaxRetries = 0 })
			resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/big"})
			if resp != nil {
				t.Fatal("an oversized answer was returned")
			}
			e := mustAPIErr(t, err, apierr.UpstreamError, http.MethodGet, "")
			if !strings.Contains(e.Message, "too large") {
				t.Errorf("message = %q", e.Message)
			}
			<-done // the server's writes fail once the client hangs up
			// Loopback socket buffers hold a few MiB the client never read.
			if w := written.Load(); w > total/8 {
				t.Errorf("the server wrote %d of %d bytes: the answer was read on past the cap", w, total)
			}
			if h := budget.Held(); h != 0 {
				t.Errorf("the budget still holds %d bytes", h)
			}
		})
	}
}

// TestBudgetBoundsWhatIsBuffered: answers held by callers count against the
// process's budget; a call that finds no room before its deadline is a
// clean UPSTREAM_TIMEOUT, and room comes back with Release.
func TestBudgetBoundsWhatIsBuffered(t *testing.T) {
	const size = 600 << 10
	s := newStub(t, step{status: 200, body: strings.Repeat("a", size)})
	budget := upstream.NewBudget(1 << 20)
	client := func(timeout time.Duration) *upstream.Client {
		c, _ := newClient(t, s.srv.URL, func(o *upstream.Options) {
			o.Budget = budget
			o.MaxRetries = 0
			o.Timeout = timeout
		})
		return c
	}
	// The first call has all the time it needs, however busy the machine;
	// the second, sharing the budget, waits for room only briefly.
	c := client(300 * time.Millisecond)
	first, err := client(30*time.Second).Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/a"})
	if err != nil {
		t.Fatal(err)
	}
	if h := budget.Held(); h < size {
		t.Fatalf("the budget holds %d bytes for a %d-byte answer", h, size)
	}
	_, err = c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/b"})
	e := mustAPIErr(t, err, apierr.UpstreamTimeout, http.MethodGet, "")
	if !strings.Contains(e.Message, "too many upstream answers") {
		t.Errorf("message = %q", e.Message)
	}
	first.Release()
	first.Release() // idempotent
	if h := budget.Held(); h != 0 {
		t.Fatalf("after Release the budget holds %d bytes", h)
	}
	third, err := client(30*time.Second).Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/c"})
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	if len(third.Body) != size {
		t.Fatalf("body is %d bytes", len(third.Body))
	}
	third.Release()
}

// TestBuffersAreReused: answers read one after another reuse the pooled
// buffers once released (the race detector drops some pooled items on
// purpose, hence the margin).
func TestBuffersAreReused(t *testing.T) {
	s := newStub(t, step{status: 200, body: strings.Repeat("b", 256<<10)})
	c, _ := newClient(t, s.srv.URL, nil)
	before := upstream.PooledReuses()
	const calls = 100
	for range calls {
		resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/p"})
		if err != nil {
			t.Fatal(err)
		}
		resp.Release()
	}
	if n := upstream.PooledReuses() - before; n < calls/3 {
		t.Fatalf("%d of %d answers reused a buffer", n, calls)
	}
}

// BenchmarkDoPooled reads a 512 KiB answer per call: with pooled buffers
// the bytes allocated per call stay far below the answer's size.
func BenchmarkDoPooled(b *testing.B) {
	body := []byte(strings.Repeat("c", 512<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := upstream.New(upstream.Options{Name: "synergy", BaseURL: srv.URL, Transport: srv.Client().Transport})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		resp, err := c.Do(context.Background(), &upstream.Request{Method: http.MethodGet, Path: "/"})
		if err != nil {
			b.Fatal(err)
		}
		resp.Release()
	}
}
