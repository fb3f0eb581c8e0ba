package emukit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmgateway/gateway/internal/emukit"
)

func TestRecorder(t *testing.T) {
	var rec emukit.Recorder[string]
	if got := rec.All(); got != nil {
		t.Fatalf("empty recorder: All = %q, want nil", got)
	}
	first := rec.Add("GET /a")
	rec.Add("POST /b")
	rec.Add("GET /c")

	all := rec.All()
	if want := []string{"GET /a", "POST /b", "GET /c"}; !slices.Equal(all, want) {
		t.Fatalf("All = %q, want %q", all, want)
	}
	all[0] = "changed"
	if got := rec.All()[0]; got != "GET /a" {
		t.Errorf("All shares its slice: the record became %q", got)
	}
	if got := rec.Count(nil); got != 3 {
		t.Errorf("Count(nil) = %d, want 3", got)
	}
	if got := rec.Count(func(r string) bool { return strings.HasPrefix(r, "GET") }); got != 2 {
		t.Errorf("Count(GET) = %d, want 2", got)
	}

	rec.Update(first, func(r *string) { *r += " (faulted)" })
	if got := rec.All()[0]; got != "GET /a (faulted)" {
		t.Errorf("after Update the record is %q", got)
	}

	rec.Reset()
	if got := rec.Count(nil); got != 0 {
		t.Errorf("after Reset Count = %d, want 0", got)
	}
	rec.Add("GET /d")
	rec.Update(first, func(r *string) { *r = "stale ticket" })
	if got := rec.All(); !slices.Equal(got, []string{"GET /d"}) {
		t.Errorf("a ticket from before Reset changed a later record: %q", got)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	var rec emukit.Recorder[int]
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { rec.Add(i) })
	}
	wg.Wait()
	if got := rec.Count(nil); got != 50 {
		t.Errorf("Count = %d, want 50", got)
	}
}

type fault struct {
	name string
	path string
}

func TestQueue(t *testing.T) {
	tests := []struct {
		name  string
		add   []fault
		times []int
		paths []string // one Take per path, matching on it
		want  []string // the fault each Take returns ("" = none)
	}{
		{name: "empty", paths: []string{"/a"}, want: []string{""}},
		{name: "times 0 means once", add: []fault{{name: "f"}}, times: []int{0},
			paths: []string{"/a", "/a"}, want: []string{"f", ""}},
		{name: "times counts matching requests only", add: []fault{{name: "f", path: "/b"}}, times: []int{2},
			paths: []string{"/a", "/b", "/a", "/b", "/b"}, want: []string{"", "f", "", "f", ""}},
		{name: "first matching fault in the order added", add: []fault{{name: "b", path: "/b"}, {name: "any"}, {name: "b2", path: "/b"}},
			times: []int{1, 1, 1}, paths: []string{"/a", "/b", "/b", "/b"}, want: []string{"any", "b", "b2", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var q emukit.Queue[fault]
			for i, f := range tc.add {
				q.Add(f, tc.times[i])
			}
			for i, p := range tc.paths {
				f, ok := q.Take(func(f fault) bool { return f.path == "" || f.path == p })
				got := ""
				if ok {
					got = f.name
				}
				if got != tc.want[i] {
					t.Errorf("take %d (%s) = %q, want %q", i, p, got, tc.want[i])
				}
			}
		})
	}
}

func TestQueueNilMatchAndClear(t *testing.T) {
	var q emukit.Queue[string]
	q.Add("one", 1)
	q.Add("two", 3)
	if f, ok := q.Take(nil); !ok || f != "one" {
		t.Errorf("Take(nil) = %q, %v; want the first fault", f, ok)
	}
	q.Clear()
	if f, ok := q.Take(nil); ok {
		t.Errorf("after Clear Take = %q, want none", f)
	}
}

var style = emukit.Style{ContentType: "application/json", Malformed: `{"data": [`}

// serve answers every request with the generic fault g, or 204 when Apply
// leaves the request to the caller.
func serve(t *testing.T, s emukit.Style, g emukit.Generic) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Apply(w, r, g) {
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, ctx context.Context, url string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestApplyMalformed(t *testing.T) {
	srv := serve(t, style, emukit.Generic{Malformed: true})
	resp, body, err := get(t, t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || string(body) != `{"data": [` {
		t.Errorf("got %d %q %q, want 200 application/json with the truncated body",
			resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestApplyNothingToAnswer(t *testing.T) {
	srv := serve(t, style, emukit.Generic{Stall: time.Millisecond})
	resp, _, err := get(t, t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status = %d, want the caller's 204 after a stall the client waited out", resp.StatusCode)
	}
}

func TestApplyReset(t *testing.T) {
	for _, s := range []emukit.Style{style, {Graceful: true}} {
		t.Run("graceful="+map[bool]string{true: "yes", false: "no"}[s.Graceful], func(t *testing.T) {
			srv := serve(t, s, emukit.Generic{Reset: true})
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got %d, want the connection dropped", resp.StatusCode)
			}
		})
	}
}

func TestApplyStallEndsWithTheClient(t *testing.T) {
	started := make(chan struct{})
	done := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		done <- style.Apply(w, r, emukit.Generic{Stall: time.Hour})
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-started
		cancel()
	}()
	if _, _, err := get(t, ctx, srv.URL); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the client's cancellation", err)
	}
	if answered := <-done; !answered {
		t.Error("Apply left a request whose client went away to the caller")
	}
}

func TestSleep(t *testing.T) {
	if !emukit.Sleep(t.Context(), time.Millisecond) {
		t.Error("Sleep with a live context reported it was cut short")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if emukit.Sleep(ctx, time.Hour) {
		t.Error("Sleep with an ended context reported the full time")
	}
}
