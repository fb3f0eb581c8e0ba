package emulator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
)

func TestFaultStatuses(t *testing.T) {
	e := newEnv(t)
	for _, status := range []int{500, 503, 429, 401, 403, 404, 422, 502} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := emulator.Fault{Status: status}
			if status == 429 || status == 503 {
				f.RetryAfter = "7"
			}
			e.emu.Inject(f)
			r := e.get("/api/v1/deals").expect(t, status)
			er := r.firstError(t)
			if er["status"] != strconv.Itoa(status) || er["code"] == "" || er["title"] != http.StatusText(status) {
				t.Errorf("error %v", er)
			}
			if got := r.header.Get("Retry-After"); got != f.RetryAfter {
				t.Errorf("Retry-After %q, want %q", got, f.RetryAfter)
			}
			if r.header.Get("Content-Type") != emulator.MediaType {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			e.get("/api/v1/deals").expect(t, http.StatusOK) // one use only
		})
	}
}

func TestFaultTimesAndMatch(t *testing.T) {
	e := newEnv(t)
	e.emu.Reset()
	e.emu.Inject(emulator.Fault{Status: 429, RetryAfter: "1", Times: 2})
	e.get("/api/v1/deals").expect(t, 429)
	e.get("/api/v1/deals").expect(t, 429)
	e.get("/api/v1/deals").expect(t, 200)
	if e.emu.Count() != 3 {
		t.Errorf("count %d, faulted requests are counted too", e.emu.Count())
	}

	t.Run("match writes only", func(t *testing.T) {
		e.emu.Inject(emulator.Fault{Status: 500, Match: func(r *http.Request) bool { return r.Method == http.MethodPost }})
		before := e.emu.IDs("contacts")
		e.get("/api/v1/contacts").expect(t, 200)
		e.do(http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":{"first-name":"А","last-name":"Б"}}}`).expect(t, 500)
		if !slices.Equal(before, e.emu.IDs("contacts")) {
			t.Error("a faulted write was applied")
		}
		e.do(http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":{"first-name":"А","last-name":"Б"}}}`).expect(t, 201)
	})
	t.Run("match sees the body", func(t *testing.T) {
		e.emu.Inject(emulator.Fault{Status: 500, Match: func(r *http.Request) bool {
			b, _ := io.ReadAll(r.Body)
			return strings.Contains(string(b), "никогда")
		}})
		e.emu.Inject(emulator.Fault{Status: 422, Match: func(r *http.Request) bool {
			b, _ := io.ReadAll(r.Body)
			return strings.Contains(string(b), "Ошибка")
		}})
		e.do(http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":{"first-name":"А","last-name":"Б"}}}`).expect(t, 201)
		e.do(http.MethodPost, "/api/v1/contacts", `{"data":{"type":"contacts","attributes":{"first-name":"Ошибка","last-name":"Б"}}}`).expect(t, 422)
		e.emu.ClearFaults()
	})
	t.Run("faults come before auth", func(t *testing.T) {
		e.emu.Inject(emulator.Fault{Status: 503})
		e.do(http.MethodGet, "/api/v1/deals", "", "Authorization", "").expect(t, 503)
	})
	t.Run("clear", func(t *testing.T) {
		e.emu.Inject(emulator.Fault{Status: 500, Times: 5})
		e.emu.ClearFaults()
		e.get("/api/v1/deals").expect(t, 200)
	})
}

func TestFaultMalformed(t *testing.T) {
	e := newEnv(t)
	e.emu.Inject(emulator.Fault{Malformed: true})
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/deals", nil)
	req.Header.Set("Authorization", "Bearer test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Valid(body) || len(body) == 0 {
		t.Errorf("status %d body %q", resp.StatusCode, body)
	}
	e.get("/api/v1/deals").expect(t, 200)
}

func TestFaultReset(t *testing.T) {
	e := newEnv(t)
	e.emu.Inject(emulator.Fault{Reset: true})
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/deals", nil)
	req.Header.Set("Authorization", "Bearer test-token")
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want a transport error", resp.StatusCode)
	}
	e.get("/api/v1/deals").expect(t, 200)
	if e.emu.Count() != 2 {
		t.Errorf("count %d", e.emu.Count())
	}
}

func TestFaultStall(t *testing.T) {
	emu := emulator.New(emulator.Options{Token: "test-token"})
	srv := httptest.NewServer(emu)
	emu.Inject(emulator.Fault{Stall: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/deals", nil)
	req.Header.Set("Authorization", "Bearer test-token")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for emu.Count() == 0 { // wait until the stalled request is in
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a stalled request answered")
	}
	// Close waits for running handlers: it returns only if the stall
	// stopped when the client went away.
	srv.Close()

	t.Run("stall then answer", func(t *testing.T) {
		e := newEnv(t)
		e.emu.Inject(emulator.Fault{Stall: 5 * time.Millisecond})
		r := e.get("/api/v1/deals?page[size]=1").expect(t, 200)
		if len(r.list()) != 1 {
			t.Errorf("body %s", r.raw)
		}
	})
	t.Run("stall then status", func(t *testing.T) {
		e := newEnv(t)
		e.emu.Inject(emulator.Fault{Stall: 5 * time.Millisecond, Status: 503, RetryAfter: "2"})
		if r := e.get("/api/v1/deals").expect(t, 503); r.header.Get("Retry-After") != "2" {
			t.Error("no Retry-After")
		}
	})
	t.Run("delay option", func(t *testing.T) {
		emu := emulator.New(emulator.Options{Token: "t", Delay: 2 * time.Millisecond})
		srv := httptest.NewServer(emu)
		defer srv.Close()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/deals", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

func TestRecording(t *testing.T) {
	e := newEnv(t)
	e.get("/api/v1/deals")
	e.emu.Reset()
	if e.emu.Count() != 0 || len(e.emu.Requests()) != 0 {
		t.Fatal("Reset kept requests")
	}
	contacts := len(e.emu.IDs("contacts"))
	e.get("/synergy/api/v1/contacts?filter%5Bwork_phone%5D=%2B79876543211&include=companies")
	body := `{"data":{"type":"contacts","attributes":{"first-name":"А","last-name":"Б"}}}`
	e.do(http.MethodPost, "/api/v1/contacts", body)
	e.do(http.MethodGet, "/api/v1/nope", "", "Authorization", "")
	if len(e.emu.IDs("contacts")) != contacts+1 {
		t.Fatal("Reset lost data")
	}
	reqs := e.emu.Requests()
	if e.emu.Count() != 3 || len(reqs) != 3 {
		t.Fatalf("count %d, %d recorded", e.emu.Count(), len(reqs))
	}
	if reqs[0].Method != http.MethodGet || reqs[0].Path != "/synergy/api/v1/contacts" ||
		reqs[0].Query.Get("filter[work_phone]") != "+79876543211" || reqs[0].Query.Get("include") != "companies" ||
		reqs[0].Header.Get("Authorization") != "Bearer test-token" || len(reqs[0].Body) != 0 {
		t.Errorf("first %+v", reqs[0])
	}
	if reqs[1].Method != http.MethodPost || string(reqs[1].Body) != body || reqs[1].Header.Get("Content-Type") != emulator.MediaType {
		t.Errorf("second %+v", reqs[1])
	}
	if reqs[2].Path != "/api/v1/nope" || reqs[2].Header.Get("Authorization") != "" {
		t.Errorf("third %+v", reqs[2])
	}
	reqs[1].Body[0] = 'X'
	reqs[0].Query.Set("include", "changed")
	reqs[0].Header.Set("Authorization", "changed")
	again := e.emu.Requests()
	if again[1].Body[0] != '{' || again[0].Query.Get("include") != "companies" || again[0].Header.Get("Authorization") != "Bearer test-token" {
		t.Error("Requests returned shared memory")
	}
}

// TestConcurrency runs reads and writes in parallel; run with -race.
func TestConcurrency(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{}
			send := func(method, path, body string) int {
				var rd io.Reader
				if body != "" {
					rd = strings.NewReader(body)
				}
				req, _ := http.NewRequest(method, e.srv.URL+path, rd)
				req.Header.Set("Authorization", "Bearer test-token")
				req.Header.Set("Content-Type", emulator.MediaType)
				resp, err := client.Do(req)
				if err != nil {
					errs <- err.Error()
					return 0
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			for i := range 10 {
				if s := send(http.MethodGet, "/api/v1/deals?include=company.contacts,orders&page[size]=20", ""); s != 200 {
					errs <- "list " + strconv.Itoa(s)
				}
				body := `{"data":{"type":"deals","attributes":{"name":"Параллельная ` + strconv.Itoa(g*10+i) + `"},
					"relationships":{"company":{"data":{"type":"companies","id":"2001"}}}}}`
				if s := send(http.MethodPost, "/api/v1/deals", body); s != 201 {
					errs <- "create " + strconv.Itoa(s)
				}
				_ = e.emu.IDs("deals")
				_ = e.emu.Linkage("companies", "2001", "deals")
				_, _ = e.emu.Attr("deals", "9971", "amount")
				_ = e.emu.Count()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Error(s)
	}
	if n := len(e.emu.IDs("deals")); n != 80+80 {
		t.Errorf("%d deals after 80 parallel creates", n)
	}
	if n := len(e.emu.Linkage("companies", "2001", "deals")); n < 80 {
		t.Errorf("company lists %d deals", n)
	}
}
