// Command soak holds the gateway under a steady load for a long time
// while its CRMs misbehave, and reports what an operator would want to
// know: how many answers were 5xx (the gateway's own failures), and the
// gateway's memory and goroutines at the start, at the peak and at the
// end. It builds the real binary, starts the three emulators in process
// behind a fault injector (a share of upstream calls answered 503, reset,
// stalled past the deadline or malformed), and sends an open-loop mix of
// GraphQL and REST requests at a fixed rate.
//
//	go run ./tests/soak -duration 10m -rate 500 -faults 0.1
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	rkemulator "github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	solosemu "github.com/crmgateway/gateway/adapters/solos/emulator"
	synergyemu "github.com/crmgateway/gateway/adapters/synergy/emulator"
)

func main() {
	duration := flag.Duration("duration", 10*time.Minute, "how long to hold the load")
	rate := flag.Int("rate", 500, "requests per second (open loop)")
	faults := flag.Float64("faults", 0.10, "share of upstream calls that fail")
	sample := flag.Duration("sample", 5*time.Second, "how often RSS and goroutines are read")
	flag.Parse()
	if err := run(*duration, *rate, *faults, *sample); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// faulty wraps an emulator: a share of requests fail the way real CRMs
// do, the rest reach it.
type faulty struct {
	next  http.Handler
	share float64
	n     [5]atomic.Int64 // ok, 503, reset, stall, malformed
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rand.Float64() >= f.share {
		f.n[0].Add(1)
		f.next.ServeHTTP(w, r)
		return
	}
	switch k := rand.IntN(4); k {
	case 0:
		f.n[1].Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"errors":[{"status":"503","title":"unavailable"}]}`)
	case 1:
		f.n[2].Add(1)
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				c.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
	case 2:
		f.n[3].Add(1)
		select { // past the gateway's upstream deadline (SOAK sets 2s)
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	default:
		f.n[4].Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data": [{"id": "1", "attri`)
	}
}

type sampleRow struct {
	at         time.Duration
	rss        int64 // bytes
	goroutines int
}

func run(duration time.Duration, rate int, share float64, every time.Duration) error {
	tmp, err := os.MkdirTemp("", "crm-soak")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "crm-gateway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}

	syn := synergyemu.New(synergyemu.Options{Token: "soak-token"})
	sol := solosemu.New(solosemu.Options{Token: "soak-solos", Secret: "soak-secret"})
	rk := rkemulator.New()
	wrapped := []*faulty{{next: syn, share: share}, {next: sol, share: share}, {next: rk, share: share}}
	var urls []string
	for _, f := range wrapped {
		s := httptest.NewServer(f)
		defer s.Close()
		urls = append(urls, s.URL)
	}
	addr, maddr := freeAddr(), freeAddr()
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"LISTEN_ADDR=" + addr, "METRICS_ADDR=" + maddr, "AUTH_MODE=none", "LOG_LEVEL=error",
		"SYNERGY_BASE_URL=" + urls[0] + "/api/v1", "SYNERGY_TOKEN=soak-token",
		"SOLOS_BASE_URL=" + urls[1] + solosemu.BasePath, "SOLOS_TOKEN=soak-solos", "SOLOS_SECRET=soak-secret",
		"RKEEPER_BASE_URL=" + urls[2] + rkemulator.BasePath, "RKEEPER_SID=" + rk.SID, "RKEEPER_OBJECT_ID=" + rk.ObjectID,
		"SYNERGY_TIMEOUT=2s", "SOLOS_TIMEOUT=2s", "RKEEPER_TIMEOUT=2s", "SHUTDOWN_DELAY=0s"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := "http://" + addr
	if err := waitUp(base + "/healthz"); err != nil {
		return fmt.Errorf("%v\n%s", err, stderr.String())
	}

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 1024}}
	reqs := requests()
	var statuses sync.Map // int → *atomic.Int64
	// A REST answer's status follows its error code: 502/503/504 carrying
	// an UPSTREAM_* code report a CRM's failure, as documented; any other
	// 5xx is the gateway's own.
	var sent, transportErrs, upstream5xx, gateway5xx atomic.Int64
	count := func(code int) {
		v, _ := statuses.LoadOrStore(code, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	var samples []sampleRow
	start := time.Now()
	sampleNow := func() {
		samples = append(samples, sampleRow{at: time.Since(start).Round(time.Second), rss: rss(cmd.Process.Pid), goroutines: goroutines("http://" + maddr + "/metrics")})
	}
	sampleNow()

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				sampleNow()
			}
		}
	}()
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	fmt.Fprintf(os.Stderr, "soak: %d rps for %s, %.0f %% upstream faults\n", rate, duration, share*100)
	// Each request has its due time: a late loop catches up instead of
	// dropping requests, so the rate holds on average.
	loadStart := time.Now()
loop:
	for i := 0; ; i++ {
		if d := time.Until(loadStart.Add(time.Duration(i) * interval)); d > 0 {
			select {
			case <-ctx.Done():
				break loop
			case <-time.After(d):
			}
		} else if ctx.Err() != nil {
			break loop
		}
		r := reqs[i%len(reqs)]
		sent.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
			if r.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := client.Do(req)
			if err != nil {
				transportErrs.Add(1)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			count(resp.StatusCode)
			if resp.StatusCode >= 500 {
				if bytes.Contains(body, []byte(`"code":"UPSTREAM_`)) {
					upstream5xx.Add(1)
				} else {
					gateway5xx.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // let the gateway settle before the last sample
	sampleNow()

	fmt.Printf("## Soak: %s at %d rps, %.0f %% upstream faults\n\n", duration, rate, share*100)
	fmt.Printf("| figure | value |\n|---|---|\n")
	fmt.Printf("| requests sent (achieved rate) | %d (%.0f/s) |\n", sent.Load(), float64(sent.Load())/duration.Seconds())
	var codes []int
	statuses.Range(func(k, _ any) bool { codes = append(codes, k.(int)); return true })
	sort.Ints(codes)
	for _, c := range codes {
		v, _ := statuses.Load(c)
		fmt.Printf("| HTTP %d | %d |\n", c, v.(*atomic.Int64).Load())
	}
	fives := gateway5xx.Load()
	fmt.Printf("| REST 502/503/504 reporting a CRM failure (UPSTREAM_* code) | %d |\n", upstream5xx.Load())
	fmt.Printf("| gateway 5xx (its own failures) | %d |\n", fives)
	fmt.Printf("| client transport errors | %d |\n", transportErrs.Load())
	var up [5]int64
	for _, f := range wrapped {
		for i := range up {
			up[i] += f.n[i].Load()
		}
	}
	fmt.Printf("| upstream calls: served / 503 / reset / stalled / malformed | %d / %d / %d / %d / %d |\n", up[0], up[1], up[2], up[3], up[4])
	peak := samples[0]
	peakG := samples[0]
	for _, s := range samples {
		if s.rss > peak.rss {
			peak = s
		}
		if s.goroutines > peakG.goroutines {
			peakG = s
		}
	}
	first, last := samples[0], samples[len(samples)-1]
	fmt.Printf("| RSS MB: start / peak (at) / end | %.1f / %.1f (%s) / %.1f |\n", mb(first.rss), mb(peak.rss), peak.at, mb(last.rss))
	fmt.Printf("| goroutines: start / peak (at) / end | %d / %d (%s) / %d |\n", first.goroutines, peakG.goroutines, peakG.at, last.goroutines)
	if fives > 0 {
		return fmt.Errorf("%d answers were 5xx", fives)
	}
	return nil
}

type request struct{ method, path, body string }

// requests is the mix: GraphQL across the three CRMs, relationships,
// reference data, REST reads and a write now and then.
func requests() []request {
	gql := func(q string) request {
		b, _ := jsonString(q)
		return request{"POST", "/graphql", `{"query":` + b + `}`}
	}
	return []request{
		gql(`{ deals(first: 20) { nodes { name company { name } stage { name } contact { firstName } } } }`),
		gql(`{ contacts(first: 10) { nodes { firstName lastName companies { name } } } }`),
		gql(`{ projects(first: 5) { nodes { name payments(first: 3) { nodes { sum } } } } }`),
		gql(`{ countries { name cities { name } } addressTypes { name } }`),
		gql(`{ contacts(first: 2) { nodes { id } } projects(first: 2) { nodes { id } } countries { name } }`),
		{"GET", "/rest/v1/deals?first=10", ""},
		{"GET", "/rest/v1/countries", ""},
		gql(`{ __typename }`),
		gql(`mutation { createContact(input: {firstName: "Нагрузка", lastName: "Тестовая"}) { contact { id } } }`),
		gql(`{ deal(id: "not-an-id") { name } }`),
	}
}

func jsonString(s string) (string, error) {
	return strconv.Quote(s), nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(url string) error {
	for i := 0; i < 400; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the gateway did not come up at %s", url)
}

// rss reads the process's resident set from /proc.
func rss(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

var goroutinesLine = regexp.MustCompile(`(?m)^go_goroutines (\d+)`)

// goroutines reads go_goroutines from the gateway's /metrics.
func goroutines(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := goroutinesLine.FindSubmatch(b)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
