package loaders

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestGetIsPerRequest(t *testing.T) {
	created := 0
	mk := func() *int { created++; v := created; return &v }
	a := With(context.Background())
	first, second := Get(a, "k", mk), Get(a, "k", mk)
	if first != second {
		t.Fatal("same request got two values")
	}
	b := With(context.Background())
	if Get(a, "k", mk) == Get(b, "k", mk) {
		t.Fatal("two requests share a value")
	}
}

func TestFanOutDeduplicatesAndKeepsErrorsApart(t *testing.T) {
	var calls atomic.Int32
	res := FanOut(context.Background(), []string{"a", "b", "a", "bad"}, 2,
		func(_ context.Context, k string) (string, error) {
			calls.Add(1)
			if k == "bad" {
				return "", errors.New("boom")
			}
			return k + "!", nil
		})
	if calls.Load() != 3 {
		t.Fatalf("calls = %d, want 3 (one per distinct key)", calls.Load())
	}
	if res[0].Data != "a!" || res[2].Data != "a!" || res[1].Data != "b!" || res[3].Error == nil {
		t.Fatalf("results = %+v %+v %+v %+v", res[0], res[1], res[2], res[3])
	}
}

// held is a per-request value that says when it is released.
type held struct {
	running  atomic.Bool // the handler has not returned
	released chan bool   // receives running at each release
}

func (h *held) Release() { h.released <- h.running.Load() }

// TestMiddlewareReleasesWhenTheHandlerHasReturned: a request's Releasers
// are released once, after its handler returned, and a handler that
// panics releases nothing.
func TestMiddlewareReleasesWhenTheHandlerHasReturned(t *testing.T) {
	h := &held{released: make(chan bool, 4)}
	srv := httptest.NewServer(Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.running.Store(true)
		defer h.running.Store(false)
		Get(r.Context(), "store", func() *held { return h })
		Get(r.Context(), "plain", func() int { return 1 }) // not a Releaser
		if r.URL.Path == "/panic" {
			panic(http.ErrAbortHandler)
		}
		_, _ = io.WriteString(w, "ok")
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("answer %q", body)
	}
	select {
	case running := <-h.released:
		if running {
			t.Fatal("released while the handler ran")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not released")
	}
	if _, err := http.Get(srv.URL + "/panic"); err == nil {
		t.Fatal("the panicking handler answered")
	}
	select {
	case <-h.released:
		t.Fatal("a panicking handler's value was released")
	case <-time.After(100 * time.Millisecond):
	}
	if len(h.released) != 0 {
		t.Fatal("released more than once")
	}
}
