// Package realserver starts the real servers the tests run against
// (redis-server, Prometheus, a trace backend): it finds the binary or
// installs its Debian package, picks a free loopback port, waits until the
// server answers, and stops it by pid when the test ends.
package realserver

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

var installMu sync.Mutex

// Binary returns the path of program, installing Debian's pkg with apt-get
// when it is missing and the tests run as root (as `make test` does on a
// fresh machine). Without it the test fails, naming what to install.
func Binary(t testing.TB, program, pkg string) string {
	t.Helper()
	installMu.Lock()
	defer installMu.Unlock()
	if p, err := exec.LookPath(program); err == nil {
		return p
	}
	if os.Geteuid() == 0 {
		for _, args := range [][]string{{"update"}, {"install", "-y", pkg}} {
			cmd := exec.Command("apt-get", args...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("apt-get %v: %v\n%s", args, err, out)
			}
		}
		if p, err := exec.LookPath(program); err == nil {
			return p
		}
	}
	t.Fatalf("%s is not installed: apt-get install -y %s (make test installs it)", program, pkg)
	return ""
}

// FreePort returns a loopback port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Process is a started server.
type Process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	done   chan struct{}
	name   string
	argv   []string
	dir    string
	ready  func() bool
	t      testing.TB
	mu     sync.Mutex
	exited bool
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil // keep the start of the log only
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs argv in dir and waits until ready reports true (up to 60 s).
// The process is stopped (SIGTERM, then SIGKILL) when the test ends.
func Start(t testing.TB, name, dir string, ready func() bool, argv ...string) *Process {
	t.Helper()
	p := &Process{name: name, argv: argv, dir: dir, ready: ready, t: t}
	p.start()
	t.Cleanup(p.Stop)
	return p
}

func (p *Process) start() {
	p.t.Helper()
	p.out = &syncBuffer{}
	p.done = make(chan struct{})
	p.cmd = exec.Command(p.argv[0], p.argv[1:]...)
	p.cmd.Dir = p.dir
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.mu.Lock()
	p.exited = false
	p.mu.Unlock()
	go func() {
		_ = p.cmd.Wait()
		p.mu.Lock()
		p.exited = true
		p.mu.Unlock()
		close(p.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !p.ready() {
		select {
		case <-p.done:
			p.t.Fatalf("%s exited before it was ready:\n%s", p.name, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			p.Stop()
			p.t.Fatalf("%s was not ready within 60 s:\n%s", p.name, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Log is what the process printed so far.
func (p *Process) Log() string { return p.out.String() }

// Stop ends the process group: SIGTERM, then SIGKILL after 5 s.
func (p *Process) Stop() {
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	if exited || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Kill ends the process at once (SIGKILL), as a crash would.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Restart starts the process again with the same arguments.
func (p *Process) Restart() {
	p.t.Helper()
	p.Stop()
	p.start()
}

// Dial reports whether addr accepts TCP connections.
func Dial(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Redis is a redis-server on a loopback port, without persistence.
type Redis struct {
	*Process
	Addr string
}

// URL is the REDIS_URL of the server.
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

// StartRedis starts Debian's redis-server on a free port.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin := Binary(t, "redis-server", "redis-server")
	port := FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	dir := t.TempDir()
	p := Start(t, "redis-server", dir, func() bool { return ping(addr) }, bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--protected-mode", "yes", "--dir", dir)
	return &Redis{Process: p, Addr: addr}
}

// ping speaks just enough RESP to know the server answers.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 16)
	n, _ := c.Read(buf)
	return bytes.HasPrefix(buf[:n], []byte("+PONG"))
}

// WaitContext is a helper for polling with a deadline.
func WaitContext(t testing.TB, d time.Duration, ok func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("condition not met within %s", d)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// JaegerVersion is the trace backend the tracing test runs against,
// pinned in tests/jaeger/go.mod.
const JaegerVersion = "v1.75.0"

// Jaeger is a Jaeger all-in-one (in-memory storage) on loopback ports.
type Jaeger struct {
	*Process
	OTLPHTTP string // host:port of the OTLP/HTTP receiver
	Query    string // base URL of the query API (/api/traces)
}

// JaegerBinary returns the all-in-one binary, building it from the
// pinned module (tests/jaeger) into ~/.cache/crm-gateway the first time:
// a large build, done once per machine.
func JaegerBinary(t testing.TB, repoRoot string) string {
	t.Helper()
	installMu.Lock()
	defer installMu.Unlock()
	if p := os.Getenv("JAEGER_BIN"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	bin := cache + "/crm-gateway/jaeger-all-in-one-" + JaegerVersion
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, "github.com/jaegertracing/jaeger/cmd/all-in-one")
	cmd.Dir = repoRoot + "/tests/jaeger"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building Jaeger %s (make jaeger): %v\n%s", JaegerVersion, err, out)
	}
	return bin
}

// StartJaeger starts Jaeger all-in-one with every listener on a free
// loopback port.
func StartJaeger(t testing.TB, repoRoot string) *Jaeger {
	t.Helper()
	bin := JaegerBinary(t, repoRoot)
	port := func() string { return "127.0.0.1:" + strconv.Itoa(FreePort(t)) }
	otlpHTTP, query, admin := port(), port(), port()
	p := Start(t, "jaeger", t.TempDir(), func() bool { return httpOK("http://" + admin + "/") }, bin,
		"--collector.otlp.http.host-port", otlpHTTP, "--collector.otlp.grpc.host-port", port(),
		"--collector.http-server.host-port", port(), "--collector.grpc-server.host-port", port(),
		"--query.http-server.host-port", query, "--query.grpc-server.host-port", port(),
		"--admin.http.host-port", admin)
	return &Jaeger{Process: p, OTLPHTTP: otlpHTTP, Query: "http://" + query}
}

// httpOK reports whether a GET of url answers 2xx.
func httpOK(url string) bool {
	c := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 300
}
