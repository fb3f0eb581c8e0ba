package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// gatewayBin is the gateway binary built from this repository: GATEWAY_BIN
// when set (`make test-deploy` passes bin/crm-gateway), else built by
// TestMain.
var gatewayBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		gatewayBin = os.Getenv("GATEWAY_BIN")
		if gatewayBin == "" {
			dir, err := os.MkdirTemp("", "crm-gateway-deploy-test")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			gatewayBin = filepath.Join(dir, "crm-gateway")
			build := exec.Command("go", "build", "-o", gatewayBin, ".")
			build.Dir = repoRoot
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "building the gateway: %v\n%s", err, out)
				return 1
			}
		}
		return m.Run()
	}())
}

// sentinel is a variable with a gateway prefix that no gateway knows: with
// it, the gateway always refuses its configuration and exits at once,
// listing every other problem too.
const sentinel = "SYNERGY_DEPLOY_TEST_SENTINEL"

// malformed is a value no variable of the gateway or the Go runtime accepts.
const malformed = "%%malformed%%"

// envList is env as exec wants it, sorted. The process gets nothing else:
// no variable of the shell running the tests leaks into it.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func with(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env)+len(kv)/2)
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// refused runs the gateway with env, which must make it refuse to start,
// and returns what it printed.
func refused(t *testing.T, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatewayBin)
	cmd.Env = envList(env)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("the gateway did not refuse the configuration (exit status 2): %v\n%s", err, out)
	}
	return string(out)
}

// otelVariables are the OpenTelemetry SDK's standard variables, which the
// gateway leaves to the SDK.
var otelVariables = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range strings.Fields(`OTEL_SDK_DISABLED OTEL_SERVICE_NAME OTEL_RESOURCE_ATTRIBUTES OTEL_LOG_LEVEL
		OTEL_PROPAGATORS OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG OTEL_TRACES_EXPORTER OTEL_METRICS_EXPORTER
		OTEL_LOGS_EXPORTER OTEL_BSP_SCHEDULE_DELAY OTEL_BSP_EXPORT_TIMEOUT OTEL_BSP_MAX_QUEUE_SIZE
		OTEL_BSP_MAX_EXPORT_BATCH_SIZE OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT OTEL_ATTRIBUTE_COUNT_LIMIT
		OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT OTEL_SPAN_EVENT_COUNT_LIMIT
		OTEL_SPAN_LINK_COUNT_LIMIT`) {
		m[v] = true
	}
	for _, signal := range []string{"", "TRACES_"} {
		for _, opt := range []string{"ENDPOINT", "PROTOCOL", "HEADERS", "TIMEOUT", "COMPRESSION", "INSECURE",
			"CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE"} {
			m["OTEL_EXPORTER_OTLP_"+signal+opt] = true
		}
	}
	return m
}()

// checkVariablesKnown proves that every variable of env is read by the
// gateway or by the Go runtime, with the real binary:
//   - a variable with one of the gateway's prefixes is known when its typo
//     (NAME + "X") is refused with "did you mean NAME?";
//   - any other variable is known when a malformed value of it stops the
//     process with its name (LOG_LEVEL, REDIS_URL, GOMEMLIMIT, …);
//   - OTEL_* variables must be standard OpenTelemetry ones.
//
// env must be a configuration the gateway accepts.
func checkVariablesKnown(t *testing.T, env map[string]string) {
	t.Helper()
	if problems := configProblems(refused(t, with(env, sentinel, "1"))); len(problems) != 1 || !strings.HasPrefix(problems[0], sentinel+":") {
		t.Fatalf("the gateway refuses this configuration: %q", problems)
	}
	typos := with(env, sentinel, "1")
	for name := range env {
		typos[name+"X"] = "1"
	}
	out := refused(t, typos)
	if !strings.Contains(out, sentinel+": not a variable of this gateway") {
		t.Fatalf("the gateway did not refuse the unknown %s:\n%s", sentinel, out)
	}
	for _, name := range sortedKeys(env) {
		if strings.Contains(out, name+"X: not a variable of this gateway; did you mean "+name+"?") {
			continue
		}
		if strings.HasPrefix(name, "OTEL_") {
			if !otelVariables[name] {
				t.Errorf("%s: not a standard OpenTelemetry variable", name)
			}
			continue
		}
		out := refused(t, with(env, name, malformed, sentinel, "1"))
		named := strings.Contains(out, "malformed "+name) // the Go runtime's words
		for _, p := range configProblems(out) {
			named = named || strings.HasPrefix(p, name+": ") && !strings.Contains(p, "not a variable of this gateway")
		}
		if !named {
			t.Errorf("%s: the gateway neither guards its prefix nor refuses a malformed value of it; is it a variable of this gateway?\n%s", name, out)
		}
	}
}

// configProblems are the lines of the gateway's "invalid configuration"
// report, one problem each.
func configProblems(out string) []string {
	var problems []string
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok {
			problems = append(problems, p)
		}
	}
	return problems
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is a running gateway.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
}

// start runs the gateway with exactly env until the test ends.
func start(t *testing.T, env map[string]string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(gatewayBin), logs: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = envList(env)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("gateway log:\n%s", p.logs.String())
		}
	})
	return p
}

// waitLog waits for the log line whose msg is msg and returns it.
func (p *process) waitLog(t *testing.T, msg string) map[string]any {
	t.Helper()
	for i := 0; ; i++ {
		sc := bufio.NewScanner(strings.NewReader(p.logs.String()))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == msg {
				return line
			}
		}
		select {
		case <-p.done:
			t.Fatalf("the gateway exited before logging %q:\n%s", msg, p.logs.String())
		default:
		}
		if i > 3000 {
			t.Fatalf("the gateway never logged %q:\n%s", msg, p.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var client = &http.Client{Timeout: 10 * time.Second}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// externalURL matches the URLs the manifests point the gateway at.
var externalURL = regexp.MustCompile(`\b(https?|rediss?)://[^/\s"'<>]+`)

// inPod lays out the gateway container's environment on this machine: the
// mounted files under root at their pod paths, every path into a mount
// rewritten to match, and every URL pointed at local, which stands in for
// each CRM, the JWKS, Redis and the collector: nothing leaves the machine.
func inPod(t *testing.T, env environment, root, local string) map[string]string {
	t.Helper()
	mounts := append([]string{}, env.mounts...)
	// Longest first, so that nested mounts rewrite correctly.
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	rewrite := func(s string) string {
		for _, m := range mounts {
			s = strings.ReplaceAll(s, m, filepath.Join(root, m))
		}
		return externalURL.ReplaceAllString(s, "${1}://"+local)
	}
	for p, content := range env.files {
		dst := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, []byte(rewrite(string(content))), 0o440); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{}
	for k, v := range env.vars {
		vars[k] = rewrite(v)
	}
	// What Kubernetes itself adds to every container, service links off.
	for k, v := range map[string]string{
		"HOSTNAME": "crm-gateway-5d8f7c9b6d-x2x7q", "KUBERNETES_SERVICE_HOST": "kubernetes.default.svc",
		"KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_SERVICE_PORT_HTTPS": "443",
		"KUBERNETES_PORT": "tcp://kubernetes.default.svc:443",
	} {
		vars[k] = v
	}
	return vars
}

// stubUpstream answers every request 503, standing in for whatever the
// manifests point the gateway at.
func stubUpstream(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "stand-in", http.StatusServiceUnavailable)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// TestManifestVariablesAreTheGateways: every variable the manifests give
// the gateway container (ConfigMap, Secrets, literal env) is one the
// gateway or the Go runtime reads; a misspelled one would otherwise be
// ignored or stop every pod.
func TestManifestVariablesAreTheGateways(t *testing.T) {
	_, env, err := gatewayEnvironment(load(t))
	if err != nil {
		t.Fatal(err)
	}
	vars := inPod(t, env, t.TempDir(), stubUpstream(t))
	for k := range vars {
		if strings.HasPrefix(k, "KUBERNETES_") || k == "HOSTNAME" {
			delete(vars, k)
		}
	}
	checkVariablesKnown(t, vars)
}

// loopbackPorts are the listeners the tests give the gateway in place of
// the pod's :8080 and :9090: free loopback ports the kernel picks, spelled
// differently because the gateway refuses METRICS_ADDR equal to
// LISTEN_ADDR.
func loopbackPorts() (listen, metrics string) { return "127.0.0.1:0", "localhost:0" }

// httpProbes returns the gateway container's probes by kind: the path and
// the name of the container port each one GETs.
func httpProbes(t *testing.T, p pod) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	c := p.container
	for kind, probe := range map[string]*corev1.Probe{"startupProbe": c.StartupProbe, "livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
		if probe == nil || probe.HTTPGet == nil {
			t.Fatalf("%s is not an HTTP GET", kind)
		}
		cp, ok := p.port(probe.HTTPGet.Port.StrVal, probe.HTTPGet.Port.IntVal)
		if !ok {
			t.Fatalf("%s: no container port %s", kind, probe.HTTPGet.Port.String())
		}
		out[kind] = [2]string{probe.HTTPGet.Path, cp.Name}
	}
	return out
}

// TestGatewayRunsWithTheManifests starts the real gateway with exactly the
// environment and files the manifests give its container (secrets from the
// examples, URLs pointed at a local stand-in, listeners on free loopback
// ports in place of :8080 and :9090) and checks what Kubernetes and
// Prometheus will ask of it: it starts in production mode with the
// manifests' CRMs, authentication and tenants; the startup and liveness
// probes answer 200 on the port they name; the readiness probe answers
// (200, or 503 when no CRM can be reached, as here); /metrics answers on
// the port the scrape annotations name and not on the public port; and an
// anonymous caller is refused.
func TestGatewayRunsWithTheManifests(t *testing.T) {
	m := load(t)
	p, env, err := gatewayEnvironment(m)
	if err != nil {
		t.Fatal(err)
	}
	vars := inPod(t, env, t.TempDir(), stubUpstream(t))
	vars["LISTEN_ADDR"], vars["METRICS_ADDR"] = loopbackPorts()
	g := start(t, vars)
	configured := g.waitLog(t, "gateway configured")
	addrs := map[string]string{
		"http":    g.waitLog(t, "listening")["addr"].(string),
		"metrics": g.waitLog(t, "metrics listening")["addr"].(string),
	}

	if configured["mode"] != "production" || configured["auth"] != env.vars["AUTH_MODE"] {
		t.Errorf("configured as %v, want production with AUTH_MODE %q", configured, env.vars["AUTH_MODE"])
	}
	backends, _ := configured["backends"].(map[string]any)
	for _, b := range []string{"synergy", "solos", "rkeeper"} {
		if _, on := backends[b]; on != (env.vars[strings.ToUpper(b)+"_BASE_URL"] != "") {
			t.Errorf("backend %s: enabled=%v, but its base URL is %q", b, on, env.vars[strings.ToUpper(b)+"_BASE_URL"])
		}
	}
	if path, ok := env.vars["TENANTS_FILE"]; ok {
		var tenants map[string]any
		if err := json.Unmarshal(env.files[path], &tenants); err != nil {
			t.Fatalf("TENANTS_FILE: %v", err)
		}
		if configured["tenants"] != float64(len(tenants)) {
			t.Errorf("the gateway loaded %v tenants, the example has %d", configured["tenants"], len(tenants))
		}
	}

	for kind, probe := range httpProbes(t, p) {
		status, body := get(t, "http://"+addrs[probe[1]]+probe[0])
		want := status == http.StatusOK || kind == "readinessProbe" && status == http.StatusServiceUnavailable
		if !want || !json.Valid([]byte(body)) {
			t.Errorf("%s GET %s on port %s: %d %s", kind, probe[0], probe[1], status, body)
		}
	}
	ann := p.deployment.Spec.Template.Annotations
	if status, body := get(t, "http://"+addrs["metrics"]+ann["prometheus.io/path"]); status != http.StatusOK || !strings.Contains(body, "crm_gateway_") {
		t.Errorf("scraping %s on the metrics port: %d %.200s", ann["prometheus.io/path"], status, body)
	}
	if status, _ := get(t, "http://"+addrs["http"]+"/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics on the public port: %d, want 404", status)
	}
	if env.vars["AUTH_MODE"] != "none" {
		resp, err := client.Post("http://"+addrs["http"]+"/graphql", "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("an anonymous query: %d, want 401", resp.StatusCode)
		}
	}
}

// TestProbesThroughADrain runs the gateway in sandbox mode (its emulators
// are healthy CRMs) with the manifests' shutdown settings and probes: every
// probe answers 200; after SIGTERM the readiness probe answers 503 while
// the liveness and startup probes still answer 200, so Kubernetes takes
// the pod out of its Service without restarting it.
func TestProbesThroughADrain(t *testing.T) {
	m := load(t)
	p, env, err := gatewayEnvironment(m)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	vars["LISTEN_ADDR"], vars["METRICS_ADDR"] = loopbackPorts()
	for _, k := range []string{"SHUTDOWN_DELAY", "SHUTDOWN_TIMEOUT", "GOMEMLIMIT"} {
		vars[k] = env.vars[k]
	}
	g := start(t, vars)
	g.waitLog(t, "gateway configured")
	addrs := map[string]string{
		"http":    g.waitLog(t, "listening")["addr"].(string),
		"metrics": g.waitLog(t, "metrics listening")["addr"].(string),
	}
	probes := httpProbes(t, p)
	url := func(kind string) string { return "http://" + addrs[probes[kind][1]] + probes[kind][0] }
	for _, kind := range sortedKeys(probes) {
		if status, body := get(t, url(kind)); status != http.StatusOK {
			t.Errorf("%s GET %s: %d %s", kind, probes[kind][0], status, body)
		}
	}
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if status, _ := get(t, url("readinessProbe")); status == http.StatusServiceUnavailable {
			break
		}
		if i > 1000 {
			t.Fatalf("the readiness probe never answered 503 after SIGTERM")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, kind := range []string{"livenessProbe", "startupProbe"} {
		if status, body := get(t, url(kind)); status != http.StatusOK {
			t.Errorf("%s while draining: %d %s; the kubelet would restart a pod that is finishing its requests", kind, status, body)
		}
	}
}
