package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy/emulator"
)

// The real binary, built once per test run.
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

func gatewayBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "crm-gateway-test")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "crm-gateway")
		if out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput(); err != nil {
			binaryErr = &buildError{err, string(out)}
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// cleanEnv is a minimal environment: nothing of the test runner's own
// configuration reaches the binary.
func cleanEnv(vars ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, vars...)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is the real binary, running.
type process struct {
	cmd               *exec.Cmd
	logs              *logBuffer
	addr, metricsAddr string // what it logged it listens on
	done              chan error
}

var listeningLine = regexp.MustCompile(`"msg":"(metrics listening|listening)","addr":"([^"]+)"`)

// launch starts the binary with a clean environment plus env, listening
// on ports the kernel picks (unless env names them), and waits until it
// has logged where it listens: no port is chosen before the process
// binds it, so parallel tests never collide. It is killed when the test
// ends.
func launch(t *testing.T, env ...string) *process {
	t.Helper()
	p := &process{logs: &logBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(gatewayBinary(t))
	p.cmd.Env = cleanEnv(append([]string{"LISTEN_ADDR=127.0.0.1:0"}, env...)...)
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("gateway %s log:\n%s", p.addr, p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for p.addr == "" {
		for _, m := range listeningLine.FindAllStringSubmatch(p.logs.String(), -1) {
			if m[1] == "listening" {
				p.addr = m[2]
			} else {
				p.metricsAddr = m[2]
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("the gateway exited (%v):\n%s", err, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway never logged its address:\n%s", p.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p
}

// base is the gateway's URL.
func (p *process) base() string { return "http://" + p.addr }

// TestStartUpRefusals: on the real binary, a configuration that would go
// wrong quietly stops the start with exit status 2 and says what to set.
func TestStartUpRefusals(t *testing.T) {
	bin := gatewayBinary(t)
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"a CRM without AUTH_MODE", []string{"SYNERGY_BASE_URL=https://app.syncrm.ru/api/v1", "SYNERGY_TOKEN=t"},
			"AUTH_MODE: required when a CRM is configured"},
		{"a misspelled base URL", []string{"SYNERGY_BASEURL=https://app.syncrm.ru/api/v1"}, "did you mean SYNERGY_BASE_URL?"},
		{"a credential without its base URL", []string{"RKEEPER_SID=abc"}, "RKEEPER_SID: set without RKEEPER_BASE_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Env = cleanEnv(append(tc.env, "LISTEN_ADDR="+freeAddr(t))...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !asExit(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
				t.Fatalf("err %v, output:\n%s", err, out)
			}
			if strings.Contains(string(out), "sandbox mode") || strings.Contains(string(out), "listening") {
				t.Fatalf("fell back to the sandbox:\n%s", out)
			}
		})
	}
}

func asExit(err error, exit **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*exit = e
	return ok
}

// runningGateway is the binary serving in front of one slow SynergyCRM.
type runningGateway struct {
	*process
	cmd  *exec.Cmd
	base string
	emu  *emulator.Emulator
	// probed is what the CRM had received once the gateway was ready.
	probed int
}

func startBinary(t *testing.T, delay time.Duration, env ...string) *runningGateway {
	t.Helper()
	emu := emulator.New(emulator.Options{Token: synergyTestToken, Delay: delay})
	crm := httptest.NewServer(emu)
	t.Cleanup(crm.Close)
	p := launch(t, append([]string{"SYNERGY_BASE_URL=" + crm.URL + "/api/v1",
		"SYNERGY_TOKEN=" + synergyTestToken, "AUTH_MODE=none", "METRICS_ADDR=127.0.0.1:0"}, env...)...)
	g := &runningGateway{process: p, cmd: p.cmd, base: p.base(), emu: emu}
	defer func() { g.probed = emu.Count() }()
	// Done with its start-up probe, so that the CRM's request count from
	// here on is the tests' own (a probe that times out leaves /readyz
	// at 503: the one backend is unreachable).
	for i := 0; !strings.Contains(g.logs.String(), "start-up probe"); i++ {
		if i > 1200 {
			t.Fatalf("the gateway never finished its start-up probe: %s", g.logs.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
	return g
}

// query sends a query that waits on the CRM and delivers its answer.
func (g *runningGateway) query() <-chan string {
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Post(g.base+"/graphql", "application/json", strings.NewReader(`{"query":"{ contacts(first: 2) { nodes { firstName } } }"}`))
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	return answer
}

// waitCRM waits until the CRM has received n requests more than it had
// when the gateway became ready.
func (g *runningGateway) waitCRM(t *testing.T, n int) {
	t.Helper()
	for i := 0; g.emu.Count() < g.probed+n; i++ {
		if i > 400 {
			t.Fatal("the query never reached the CRM")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestShutdownDrains: SIGTERM turns /readyz to 503 at once (/livez stays
// 200) while the gateway keeps serving for SHUTDOWN_DELAY (new requests included), then
// in-flight requests finish and the process exits 0.
func TestShutdownDrains(t *testing.T) {
	g := startBinary(t, 800*time.Millisecond, "SHUTDOWN_DELAY=1s", "SHUTDOWN_TIMEOUT=10s")
	inFlight := g.query()
	g.waitCRM(t, 1)
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for i := 0; status(t, g.base+"/readyz") != http.StatusServiceUnavailable; i++ {
		if i > 100 {
			t.Fatal("/readyz never turned 503 after SIGTERM")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Draining is not dying: the liveness probe must not restart the pod.
	if got := status(t, g.base+"/livez"); got != http.StatusOK {
		t.Fatalf("/livez while draining = %d, want 200", got)
	}
	// Still serving during the delay: a load balancer may not know yet.
	late := g.query()
	if got := <-inFlight; !strings.Contains(got, `"firstName":"`) {
		t.Fatalf("the in-flight query was cut: %s\n%s", got, g.logs.String())
	}
	if got := <-late; !strings.Contains(got, `"firstName":"`) {
		t.Fatalf("a query during the delay was refused: %s\n%s", got, g.logs.String())
	}
	if err := <-g.done; err != nil {
		t.Fatalf("exit: %v\n%s", err, g.logs.String())
	}
	for _, want := range []string{"draining: /readyz answers 503", "shutting down: no new connections", `"msg":"stopped"`} {
		if !strings.Contains(g.logs.String(), want) {
			t.Fatalf("shutdown not logged (%s):\n%s", want, g.logs.String())
		}
	}
}

// TestShutdownPastTimeout: a request that outlives SHUTDOWN_TIMEOUT is
// still answered (its upstream call cancelled, with an error that says
// so) and the process exits 0.
func TestShutdownPastTimeout(t *testing.T) {
	g := startBinary(t, 30*time.Second, "SHUTDOWN_DELAY=0s", "SHUTDOWN_TIMEOUT=300ms", "SYNERGY_TIMEOUT=3s")
	inFlight := g.query()
	g.waitCRM(t, 1)
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-inFlight:
		if !strings.Contains(got, `"errors"`) || !strings.Contains(got, `"UPSTREAM_TIMEOUT"`) {
			t.Fatalf("the cut request's answer: %s\n%s", got, g.logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the in-flight request was never answered:\n%s", g.logs.String())
	}
	if err := <-g.done; err != nil {
		t.Fatalf("exit: %v\n%s", err, g.logs.String())
	}
}
