package upstream

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/metrics"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// gate is an upstream that holds every GET until the test opens it and
// answers each with its own path and query; writes answer at once.
type gate struct {
	srv  *httptest.Server
	open chan struct{}
	once sync.Once

	mu   sync.Mutex
	gets map[string]int // GETs received by path
	hang map[string]bool
	free int // GETs of each path answered without holding
}

func newGate(t *testing.T) *gate {
	t.Helper()
	g := &gate{open: make(chan struct{}), gets: map[string]int{}, hang: map[string]bool{}}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		g.mu.Lock()
		g.gets[r.URL.Path]++
		hang, held := g.hang[r.URL.Path], g.gets[r.URL.Path] > g.free
		g.mu.Unlock()
		if held {
			select {
			case <-g.open:
			case <-r.Context().Done():
				return
			}
		}
		if hang {
			panic(http.ErrAbortHandler) // the connection drops: no answer
		}
		_, _ = w.Write([]byte("answer " + r.URL.RequestURI()))
	}))
	t.Cleanup(func() { g.release(); g.srv.Close() })
	return g
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// releaseAndCollect opens the gate and expects n answers on out.
func (g *gate) releaseAndCollect(t *testing.T, out <-chan result, n int) {
	t.Helper()
	g.release()
	for range n {
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		r.resp.Release()
	}
}

func (g *gate) count(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gets[path]
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// followers is how many calls wait on the flight of path.
func (c *Client) followersOf(path string) int {
	c.flights.mu.Lock()
	defer c.flights.mu.Unlock()
	for key, f := range c.flights.m {
		if strings.Contains(key, path) {
			return f.followers
		}
	}
	return -1
}

type result struct {
	resp *Response
	err  error
}

func newCoalescing(t *testing.T, g *gate, coalesce bool, tune ...func(*Options)) (*Client, *metrics.Metrics, *Budget) {
	t.Helper()
	m := metrics.New()
	budget := NewBudget(1 << 20)
	o := Options{Name: "synergy", BaseURL: g.srv.URL, MaxRetries: -1, Coalesce: coalesce, Metrics: m, Budget: budget,
		Transport: g.srv.Client().Transport}
	for _, f := range tune {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, m, budget
}

func get(ctx context.Context, c *Client, path string, out chan<- result) {
	resp, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: path, Query: map[string][]string{"page[size]": {"50"}}})
	out <- result{resp, err}
}

// TestCoalescedGETsShareOneCall: identical GETs that start while one is in
// flight send nothing; each takes the same answer, records it on its own
// request, and the answer's buffer and budget come back once every holder
// released it.
func TestCoalescedGETsShareOneCall(t *testing.T) {
	g := newGate(t)
	c, m, budget := newCoalescing(t, g, true)
	out := make(chan result, 5)
	go get(context.Background(), c, "/deals", out)
	waitFor(t, "the leader's call", func() bool { return g.count("/deals") == 1 })
	recs := make([]*reqinfo.Record, 4)
	for i := range recs {
		recs[i] = reqinfo.New("")
		go get(reqinfo.With(context.Background(), recs[i]), c, "/deals", out)
	}
	waitFor(t, "four followers", func() bool { return c.followersOf("/deals") == 4 })
	g.release()
	var got []*Response
	for range 5 {
		r := <-out
		if r.err != nil {
			t.Fatalf("call failed: %v", r.err)
		}
		if body := string(r.resp.Body); r.resp.Status != http.StatusOK || body != "answer /deals?page%5Bsize%5D=50" {
			t.Fatalf("answer %d %q", r.resp.Status, body)
		}
		got = append(got, r.resp)
	}
	if n := g.count("/deals"); n != 1 {
		t.Errorf("the upstream got %d GETs, want 1", n)
	}
	if n := testutil.ToFloat64(m.UpstreamCoalesced.WithLabelValues("synergy")); n != 4 {
		t.Errorf("coalesced counter %v, want 4", n)
	}
	for _, rec := range recs {
		if s := rec.Snapshot(); s.SharedCalls != 1 || len(s.Upstream) != 0 {
			t.Errorf("a follower's record: shared %d, upstream calls %v; want 1 shared, none sent", s.SharedCalls, s.Upstream)
		}
	}
	for i, r := range got {
		if budget.Held() == 0 {
			t.Fatalf("the budget was given back before holder %d released", i)
		}
		r.Release()
		r.Release() // idempotent
	}
	if h := budget.Held(); h != 0 {
		t.Errorf("budget holds %d bytes after every holder released", h)
	}
	// The flight is over: the next GET is sent.
	g2 := make(chan result, 1)
	get(context.Background(), c, "/deals", g2)
	if r := <-g2; r.err != nil || g.count("/deals") != 2 {
		t.Errorf("a GET after the flight: err %v, upstream GETs %d, want 2", r.err, g.count("/deals"))
	} else {
		r.resp.Release()
	}
}

// TestCoalesceKeepsCallsApart: different URLs, a client without
// Coalesce, and a read that starts after a write started each send their
// own call.
func TestCoalesceKeepsCallsApart(t *testing.T) {
	t.Run("different URLs", func(t *testing.T) {
		g := newGate(t)
		c, _, _ := newCoalescing(t, g, true)
		out := make(chan result, 2)
		go get(context.Background(), c, "/deals", out)
		go get(context.Background(), c, "/companies", out)
		waitFor(t, "both calls", func() bool { return g.count("/deals") == 1 && g.count("/companies") == 1 })
		g.releaseAndCollect(t, out, 2)
	})
	t.Run("coalescing off", func(t *testing.T) {
		g := newGate(t)
		c, _, _ := newCoalescing(t, g, false)
		out := make(chan result, 3)
		for range 3 {
			go get(context.Background(), c, "/deals", out)
		}
		waitFor(t, "three calls", func() bool { return g.count("/deals") == 3 })
		g.releaseAndCollect(t, out, 3)
	})
	t.Run("a write in between", func(t *testing.T) {
		g := newGate(t)
		c, _, _ := newCoalescing(t, g, true)
		out := make(chan result, 2)
		go get(context.Background(), c, "/deals", out)
		waitFor(t, "the first read", func() bool { return g.count("/deals") == 1 })
		resp, err := c.Do(context.Background(), &Request{Method: http.MethodPatch, Path: "/deals/1", Body: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		resp.Release()
		go get(context.Background(), c, "/deals", out)
		waitFor(t, "a second read of its own", func() bool { return g.count("/deals") == 2 })
		g.releaseAndCollect(t, out, 2)
	})
}

// TestCoalescedCallersEndOnTheirOwn: a follower whose request ends stops
// waiting at once; a leader whose request ends hands nothing on, and its
// followers call again under their own deadlines.
func TestCoalescedCallersEndOnTheirOwn(t *testing.T) {
	t.Run("follower", func(t *testing.T) {
		g := newGate(t)
		c, _, budget := newCoalescing(t, g, true)
		out := make(chan result, 1)
		go get(context.Background(), c, "/deals", out)
		waitFor(t, "the leader's call", func() bool { return g.count("/deals") == 1 })
		ctx, cancel := context.WithCancel(context.Background())
		mine := make(chan result, 1)
		go get(ctx, c, "/deals", mine)
		waitFor(t, "the follower", func() bool { return c.followersOf("/deals") == 1 })
		cancel()
		if r := <-mine; r.err == nil {
			t.Fatal("a cancelled follower got an answer")
		}
		if n := c.followersOf("/deals"); n != 0 {
			t.Errorf("%d followers left on the flight, want 0", n)
		}
		g.release()
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		r.resp.Release()
		if h := budget.Held(); h != 0 {
			t.Errorf("budget holds %d bytes", h)
		}
	})
	t.Run("leader", func(t *testing.T) { leaderEnds(t, false) })
	// A leader whose ending is covered by the last good answer hands on
	// neither that answer nor anything else: it is not the CRM's.
	t.Run("leader served stale", func(t *testing.T) { leaderEnds(t, true) })
}

func leaderEnds(t *testing.T, stale bool) {
	g := newGate(t)
	c, _, _ := newCoalescing(t, g, true, func(o *Options) {
		if stale {
			o.StaleFor = time.Hour
		}
	})
	before := 0
	if stale {
		g.mu.Lock()
		g.free = 1
		g.mu.Unlock()
		primed := make(chan result, 1)
		get(context.Background(), c, "/deals", primed)
		r := <-primed
		if r.err != nil {
			t.Fatal(r.err)
		}
		r.resp.Release()
		before = 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	lead := make(chan result, 1)
	go get(ctx, c, "/deals", lead)
	waitFor(t, "the leader's call", func() bool { return g.count("/deals") == before+1 })
	out := make(chan result, 1)
	go get(context.Background(), c, "/deals", out)
	waitFor(t, "the follower", func() bool { return c.followersOf("/deals") == 1 })
	cancel()
	switch r := <-lead; {
	case stale && (r.err != nil || r.resp.Stale == 0):
		t.Fatalf("a cancelled leader with a last good answer got %v, stale %v", r.err, r.resp != nil && r.resp.Stale > 0)
	case stale:
		r.resp.Release()
	case r.err == nil:
		t.Fatal("a cancelled leader got an answer")
	}
	waitFor(t, "the follower's own call", func() bool { return g.count("/deals") == before+2 })
	g.release()
	r := <-out
	if r.err != nil {
		t.Fatalf("the follower failed with its leader: %v", r.err)
	}
	if r.resp.Stale != 0 {
		t.Error("the follower got the leader's stale answer")
	}
	r.resp.Release()
}

// TestCoalescedFailureIsEachCallersOwn: followers of a call that got no
// answer fail with the same error, each with its own copy.
func TestCoalescedFailureIsEachCallersOwn(t *testing.T) {
	g := newGate(t)
	g.hang["/deals"] = true
	c, _, _ := newCoalescing(t, g, true)
	out := make(chan result, 3)
	go get(context.Background(), c, "/deals", out)
	waitFor(t, "the leader's call", func() bool { return g.count("/deals") == 1 })
	go get(context.Background(), c, "/deals", out)
	go get(context.Background(), c, "/deals", out)
	waitFor(t, "two followers", func() bool { return c.followersOf("/deals") == 2 })
	g.release()
	var errs []*apierr.Error
	for range 3 {
		r := <-out
		var e *apierr.Error
		if !errors.As(r.err, &e) {
			t.Fatalf("error %v, want *apierr.Error", r.err)
		}
		errs = append(errs, e)
	}
	if errs[0] == errs[1] || errs[1] == errs[2] || errs[0] == errs[2] {
		t.Error("callers share one error value")
	}
	for _, e := range errs[1:] {
		if e.Code != errs[0].Code || e.Message != errs[0].Message {
			t.Errorf("errors differ: %v / %v", e, errs[0])
		}
	}
	if n := g.count("/deals"); n != 1 {
		t.Errorf("the upstream got %d GETs, want 1", n)
	}
}

// TestCoalescedFlightIsBounded: a flight takes at most maxFollowers; the
// next identical call leads a flight of its own, which later calls join.
func TestCoalescedFlightIsBounded(t *testing.T) {
	g := newGate(t)
	c, m, _ := newCoalescing(t, g, true)
	out := make(chan result, maxFollowers+3)
	go get(context.Background(), c, "/deals", out)
	waitFor(t, "the first call", func() bool { return g.count("/deals") == 1 })
	for range maxFollowers {
		go get(context.Background(), c, "/deals", out)
	}
	waitFor(t, "a full flight", func() bool { return c.followersOf("/deals") == maxFollowers })
	go get(context.Background(), c, "/deals", out)
	waitFor(t, "a second call", func() bool { return g.count("/deals") == 2 })
	go get(context.Background(), c, "/deals", out)
	waitFor(t, "a follower of the second call", func() bool { return c.followersOf("/deals") == 1 })
	g.release()
	for range maxFollowers + 3 {
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		r.resp.Release()
	}
	if n := g.count("/deals"); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	if n := testutil.ToFloat64(m.UpstreamCoalesced.WithLabelValues("synergy")); n != maxFollowers+1 {
		t.Errorf("coalesced %v, want %d", n, maxFollowers+1)
	}
}
