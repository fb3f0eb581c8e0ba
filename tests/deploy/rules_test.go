package deploy

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// cancellationGrace is how long the gateway waits, after SHUTDOWN_TIMEOUT,
// for the requests it cancelled to be answered (App.Serve in server.go).
const cancellationGrace = 5 * time.Second

// report collects a rule's findings; a rule with none passes.
type report struct{ problems []string }

func (r *report) errorf(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// rule is one of our own rules over the rendered manifests.
type rule func(m *manifests, r *report)

// rules are every rule, by name; each has its Test below, and
// TestRulesCatchMistakes breaks the manifests to see each one fail.
var rules = map[string]rule{
	"locked down":       lockedDown,
	"grace period":      gracePeriod,
	"memory":            memory,
	"listeners":         listeners,
	"services":          services,
	"scaling":           scaling,
	"redis reachable":   redisReachable,
	"secret references": secretReferences,
}

// check runs one rule on the real manifests.
func check(t *testing.T, name string) {
	t.Helper()
	var r report
	rules[name](load(t), &r)
	for _, p := range r.problems {
		t.Error(p)
	}
}

// forEachContainer calls f for every container of every rendered
// Deployment, init containers included.
func forEachContainer(m *manifests, f func(p pod)) {
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		spec := &d.Spec.Template.Spec
		for i := range spec.InitContainers {
			f(pod{deployment: d, spec: spec, container: &spec.InitContainers[i]})
		}
		for i := range spec.Containers {
			f(pod{deployment: d, spec: spec, container: &spec.Containers[i]})
		}
	}
}

// TestPodsAreLockedDown: every pod runs as a numeric non-root user with the
// runtime's default seccomp profile, no API token and no service links;
// every container has a read-only root filesystem, no capability, no way to
// gain privileges, all three probes on ports it has, CPU and memory
// requests and limits, and a pinned image. Pod Security "restricted" and
// more.
func TestPodsAreLockedDown(t *testing.T) { check(t, "locked down") }

func lockedDown(m *manifests, r *report) {
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		spec := d.Spec.Template.Spec
		errf := func(format string, args ...any) { r.errorf("Deployment %s: "+format, append([]any{name}, args...)...) }
		if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			errf("its selector %v does not select its own pods (%v)", d.Spec.Selector, d.Spec.Template.Labels)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			errf("automountServiceAccountToken must be false: nothing here talks to the Kubernetes API")
		}
		if spec.EnableServiceLinks == nil || *spec.EnableServiceLinks {
			errf("enableServiceLinks must be false: service links add variables such as REDIS_PORT to the environment")
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			errf("shares a host namespace")
		}
		if spec.TerminationGracePeriodSeconds == nil {
			errf("terminationGracePeriodSeconds is not set")
		}
		psc := spec.SecurityContext
		if psc == nil {
			psc = &corev1.PodSecurityContext{}
		}
		forEachContainer(&manifests{deployments: map[string]*appsv1.Deployment{name: d}}, func(p pod) {
			c := p.container
			errf := func(format string, args ...any) {
				r.errorf("Deployment %s, container %s: "+format, append([]any{name, c.Name}, args...)...)
			}
			sc := c.SecurityContext
			if sc == nil {
				sc = &corev1.SecurityContext{}
			}
			if !isTrue(sc.RunAsNonRoot) && !isTrue(psc.RunAsNonRoot) {
				errf("runAsNonRoot is not true")
			}
			for _, uid := range []*int64{sc.RunAsUser, psc.RunAsUser} {
				if uid != nil && *uid == 0 {
					errf("runs as uid 0")
				}
			}
			if sc.RunAsUser == nil && psc.RunAsUser == nil {
				errf("no numeric runAsUser: runAsNonRoot then depends on the image's USER")
			}
			seccomp := sc.SeccompProfile
			if seccomp == nil {
				seccomp = psc.SeccompProfile
			}
			if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost {
				errf("seccompProfile must be RuntimeDefault (or Localhost)")
			}
			if !isTrue(sc.ReadOnlyRootFilesystem) {
				errf("readOnlyRootFilesystem is not true")
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				errf("allowPrivilegeEscalation is not false")
			}
			if isTrue(sc.Privileged) {
				errf("is privileged")
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				errf("capabilities must drop ALL and add none")
			}
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, hasReq := c.Resources.Requests[res]
				lim, hasLim := c.Resources.Limits[res]
				switch {
				case !hasReq || req.IsZero():
					errf("no %s request", res)
				case !hasLim || lim.IsZero():
					errf("no %s limit", res)
				case req.Cmp(lim) > 0:
					errf("%s request %s exceeds its limit %s", res, req.String(), lim.String())
				}
			}
			if !pinned(c.Image) {
				errf("image %q is not pinned to a tag or digest (and not :latest)", c.Image)
			}
			for _, kind := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
				probe := map[string]*corev1.Probe{"startupProbe": c.StartupProbe, "livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe}[kind]
				if probe == nil {
					errf("no %s", kind)
					continue
				}
				if probe.TimeoutSeconds == 0 || probe.PeriodSeconds == 0 || probe.TimeoutSeconds >= probe.PeriodSeconds {
					errf("%s: timeoutSeconds (%d) must be set and shorter than periodSeconds (%d)", kind, probe.TimeoutSeconds, probe.PeriodSeconds)
				}
				var port *intstr.IntOrString
				switch h := probe.ProbeHandler; {
				case h.HTTPGet != nil:
					port = &h.HTTPGet.Port
					if !strings.HasPrefix(h.HTTPGet.Path, "/") {
						errf("%s: path %q", kind, h.HTTPGet.Path)
					}
				case h.TCPSocket != nil:
					port = &h.TCPSocket.Port
				case h.Exec != nil:
					if len(h.Exec.Command) == 0 {
						errf("%s: empty exec command", kind)
					}
				default:
					errf("%s: no handler", kind)
				}
				if port != nil {
					if _, ok := p.port(port.StrVal, port.IntVal); !ok {
						errf("%s: port %s is none of the container's ports", kind, port.String())
					}
				}
			}
			for _, cp := range c.Ports {
				if cp.Name == "" || len(validation.IsValidPortName(cp.Name)) > 0 {
					errf("port %d needs a valid name: probes and Services refer to ports by name", cp.ContainerPort)
				}
			}
			for _, e := range c.Env {
				if msgs := validation.IsEnvVarName(e.Name); len(msgs) > 0 {
					errf("env %q: %v", e.Name, msgs)
				}
			}
		})
	}
}

// pinned reports whether an image reference names a digest or a tag other
// than latest.
func pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	return colon > slash && image[colon+1:] != "latest"
}

// duration reads a Go duration the gateway will parse; ok is false (and
// the problem reported) when it is missing or malformed.
func duration(r *report, env environment, name string) (time.Duration, bool) {
	v, ok := env.vars[name]
	if !ok {
		r.errorf("%s is not set explicitly: the termination grace period is computed from it", name)
		return 0, false
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.errorf("%s=%q: %v", name, v, err)
		return 0, false
	}
	return d, true
}

// gateway resolves the gateway's pod and environment, reporting why not.
func gateway(m *manifests, r *report) (pod, environment, bool) {
	p, env, err := gatewayEnvironment(m)
	if err != nil {
		r.errorf("%v", err)
		return p, env, false
	}
	return p, env, true
}

// TestGracePeriodCoversTheDrain: after SIGTERM the gateway serves for
// SHUTDOWN_DELAY with /readyz at 503, then gives in-flight requests
// SHUTDOWN_TIMEOUT, then cancels what is left and waits a few seconds more
// for those answers. A request admitted at the very end of the delay may
// wait on its CRM for the longest upstream timeout. The kubelet's SIGKILL
// must come after all of that.
func TestGracePeriodCoversTheDrain(t *testing.T) { check(t, "grace period") }

func gracePeriod(m *manifests, r *report) {
	p, env, ok := gateway(m, r)
	if !ok {
		return
	}
	delay, ok1 := duration(r, env, "SHUTDOWN_DELAY")
	timeout, ok2 := duration(r, env, "SHUTDOWN_TIMEOUT")
	if delay <= 0 && ok1 {
		r.errorf("SHUTDOWN_DELAY=%s: load balancers would still send requests to a pod that refuses them", delay)
	}
	var upstream time.Duration
	enabled := 0
	for _, b := range []string{"SYNERGY", "SOLOS", "RKEEPER"} {
		if env.vars[b+"_BASE_URL"] == "" {
			continue
		}
		enabled++
		d, ok := duration(r, env, b+"_TIMEOUT")
		ok2 = ok2 && ok
		upstream = max(upstream, d)
	}
	if enabled == 0 {
		r.errorf("no CRM base URL in the gateway's environment")
	}
	if !ok1 || !ok2 {
		return
	}
	if timeout < upstream {
		r.errorf("SHUTDOWN_TIMEOUT=%s is shorter than the longest upstream timeout %s: requests in flight at the end of the delay would be cut", timeout, upstream)
	}
	if p.spec.TerminationGracePeriodSeconds == nil {
		r.errorf("terminationGracePeriodSeconds is not set (default 30s)")
		return
	}
	grace := time.Duration(*p.spec.TerminationGracePeriodSeconds) * time.Second
	need := delay + timeout + max(upstream, cancellationGrace)
	if grace <= need {
		r.errorf("terminationGracePeriodSeconds=%s must exceed SHUTDOWN_DELAY (%s) + SHUTDOWN_TIMEOUT (%s) + max(upstream timeout %s, cancellation grace %s) = %s",
			grace, delay, timeout, upstream, cancellationGrace, need)
	}
	if p.container.Lifecycle != nil && p.container.Lifecycle.PreStop != nil {
		r.errorf("a preStop hook delays SIGTERM and adds to the drain the gateway already does itself")
	}
}

// goMemLimit parses GOMEMLIMIT as the Go runtime does: bytes, or a number
// with B, KiB, MiB, GiB or TiB.
func goMemLimit(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("not a size such as 460MiB")
	}
	return n * mult, nil
}

// redisBytes parses a Redis memory size: 1k = 1000, 1kb = 1024, and so on.
func redisBytes(s string) (int64, error) {
	m := regexp.MustCompile(`^(\d+)(k|kb|m|mb|g|gb)?$`).FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a Redis memory size", s)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	mult := map[string]int64{"": 1, "k": 1e3, "kb": 1 << 10, "m": 1e6, "mb": 1 << 20, "g": 1e9, "gb": 1 << 30}[m[2]]
	return n * mult, nil
}

// TestMemoryLimitsAndRuntimes: the gateway's GOMEMLIMIT lies between 75%
// and 95% of its memory limit (the Go runtime collects harder as the heap
// nears it, before the kernel kills the container) and its memory request
// is its limit; Redis' maxmemory is below its container's limit.
func TestMemoryLimitsAndRuntimes(t *testing.T) { check(t, "memory") }

func memory(m *manifests, r *report) {
	p, env, ok := gateway(m, r)
	if !ok {
		return
	}
	limit := p.container.Resources.Limits[corev1.ResourceMemory]
	if v, ok := env.vars["GOMEMLIMIT"]; !ok {
		r.errorf("GOMEMLIMIT is not set: the Go runtime would let the heap grow into the %s limit", limit.String())
	} else if soft, err := goMemLimit(v); err != nil {
		r.errorf("GOMEMLIMIT=%q: %v", v, err)
	} else if hard := limit.Value(); float64(soft) < 0.75*float64(hard) || float64(soft) > 0.95*float64(hard) {
		r.errorf("GOMEMLIMIT=%s (%d bytes) is not within 75%%..95%% of limits.memory %s (%d bytes)", v, soft, limit.String(), hard)
	}
	if req := p.container.Resources.Requests[corev1.ResourceMemory]; req.Cmp(limit) != 0 {
		r.errorf("the gateway's memory request %s differs from its limit %s: a node may overcommit memory the pod is allowed to use", req.String(), limit.String())
	}

	checked := 0
	forEachContainer(m, func(p pod) {
		args := append(append([]string{}, p.container.Command...), p.container.Args...)
		i := slices.Index(args, "--maxmemory")
		if i < 0 || i+1 >= len(args) {
			return
		}
		checked++
		n, err := redisBytes(args[i+1])
		if err != nil {
			r.errorf("%v", err)
			return
		}
		lim := p.container.Resources.Limits[corev1.ResourceMemory]
		if n >= lim.Value() {
			r.errorf("container %s: --maxmemory %s is not below its memory limit %s", p.container.Name, args[i+1], lim.String())
		}
	})
	if checked == 0 {
		r.errorf("no container sets Redis' --maxmemory: a cache without a bound is killed at its memory limit")
	}
}

// listenPort checks an address the gateway listens on inside the pod: it
// must accept connections from outside the pod (no loopback host) and be
// the container port of the given name.
func listenPort(r *report, p pod, env environment, variable, portName string) int32 {
	addr, ok := env.vars[variable]
	if !ok {
		r.errorf("%s is not set explicitly: the container port %q must match it", variable, portName)
		return 0
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		r.errorf("%s=%q: %v", variable, addr, err)
		return 0
	}
	if host != "" && host != "0.0.0.0" && host != "::" {
		r.errorf("%s=%q: the kubelet's probes and Prometheus reach the pod on its own IP, not %s", variable, addr, host)
	}
	n, _ := strconv.Atoi(port)
	cp, ok := p.port(portName, 0)
	if !ok {
		r.errorf("no container port named %q", portName)
		return 0
	}
	if int(cp.ContainerPort) != n {
		r.errorf("%s=%q but the container port %q is %d", variable, addr, portName, cp.ContainerPort)
	}
	return cp.ContainerPort
}

// TestGatewayListeners: the public and metrics listeners are the container
// ports "http" and "metrics", reachable from outside the pod; the scrape
// annotations name the metrics port; the probes use the public port, and
// liveness is not readiness.
func TestGatewayListeners(t *testing.T) { check(t, "listeners") }

func listeners(m *manifests, r *report) {
	p, env, ok := gateway(m, r)
	if !ok {
		return
	}
	listenPort(r, p, env, "LISTEN_ADDR", "http")
	metrics := listenPort(r, p, env, "METRICS_ADDR", "metrics")
	ann := p.deployment.Spec.Template.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != strconv.Itoa(int(metrics)) || ann["prometheus.io/path"] != "/metrics" {
		r.errorf("scrape annotations %v do not point at /metrics on port %d", ann, metrics)
	}
	for _, kind := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
		probe := map[string]*corev1.Probe{"startupProbe": p.container.StartupProbe, "livenessProbe": p.container.LivenessProbe, "readinessProbe": p.container.ReadinessProbe}[kind]
		if probe == nil || probe.HTTPGet == nil {
			r.errorf("%s: the gateway's probes are HTTP GETs", kind)
			continue
		}
		if cp, _ := p.port(probe.HTTPGet.Port.StrVal, probe.HTTPGet.Port.IntVal); cp.Name != "http" {
			r.errorf("%s: on port %s, not the public listener", kind, probe.HTTPGet.Port.String())
		}
	}
	if lp := p.container.LivenessProbe; lp != nil && lp.HTTPGet != nil && rp(p) != nil && lp.HTTPGet.Path == rp(p).HTTPGet.Path {
		r.errorf("livenessProbe on the readiness path %s: a drain or a CRM outage would get the pod restarted", lp.HTTPGet.Path)
	}
}

func rp(p pod) *corev1.Probe {
	if p.container.ReadinessProbe == nil || p.container.ReadinessProbe.HTTPGet == nil {
		return nil
	}
	return p.container.ReadinessProbe
}

// selected returns the Deployments whose pods sel selects.
func selected(m *manifests, sel labels.Selector) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		if !sel.Empty() && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	return out
}

// TestServicesSelectPods: every Service selects the pods of exactly one
// Deployment, every target port is a port of that Deployment's containers,
// and no Service carries the API and the metrics together.
func TestServicesSelectPods(t *testing.T) { check(t, "services") }

func services(m *manifests, r *report) {
	for _, name := range sortedKeys(m.services) {
		s := m.services[name]
		ds := selected(m, labels.SelectorFromSet(s.Spec.Selector))
		if len(ds) != 1 {
			r.errorf("Service %s selects %d Deployments' pods, want 1", name, len(ds))
			continue
		}
		spec := ds[0].Spec.Template.Spec
		var names []string
		for _, sp := range s.Spec.Ports {
			found := false
			for i := range spec.Containers {
				p := pod{deployment: ds[0], spec: &spec, container: &spec.Containers[i]}
				if cp, ok := p.port(sp.TargetPort.StrVal, sp.TargetPort.IntVal); ok && cp.Protocol == sp.Protocol {
					found = true
					names = append(names, cp.Name)
				}
			}
			if !found {
				r.errorf("Service %s port %s: target port %s (%s) is no container port of Deployment %s", name, sp.Name, sp.TargetPort.String(), sp.Protocol, ds[0].Name)
			}
		}
		if slices.Contains(names, "metrics") && slices.Contains(names, "http") {
			r.errorf("Service %s exposes the API and /metrics together: whatever routes to it can read the metrics", name)
		}
	}
}

// TestAutoscalerAndDisruptionBudget: the HPA targets the gateway's
// Deployment (which leaves the replica count to it), scales on a resource
// every container requests, and keeps at least two replicas; every
// PodDisruptionBudget selects the pods of exactly one Deployment and
// allows one of them to be evicted.
func TestAutoscalerAndDisruptionBudget(t *testing.T) { check(t, "scaling") }

func scaling(m *manifests, r *report) {
	scaled := map[string]int32{}
	for _, h := range m.hpas {
		ref := h.Spec.ScaleTargetRef
		d := m.deployments[ref.Name]
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || d == nil {
			r.errorf("HPA %s targets %s %s %s, which is not a rendered Deployment", h.Name, ref.APIVersion, ref.Kind, ref.Name)
			continue
		}
		if d.Spec.Replicas != nil {
			r.errorf("Deployment %s sets replicas: every apply would reset what HPA %s chose", d.Name, h.Name)
		}
		minimum := int32(1)
		if h.Spec.MinReplicas != nil {
			minimum = *h.Spec.MinReplicas
		}
		if minimum < 2 || h.Spec.MaxReplicas < minimum {
			r.errorf("HPA %s: replicas %d..%d; at least two keep one serving while another drains", h.Name, minimum, h.Spec.MaxReplicas)
		}
		scaled[d.Name] = minimum
		if len(h.Spec.Metrics) == 0 {
			r.errorf("HPA %s has no metric", h.Name)
		}
		for _, metric := range h.Spec.Metrics {
			if metric.Resource == nil {
				continue
			}
			for _, c := range d.Spec.Template.Spec.Containers {
				if q, ok := c.Resources.Requests[metric.Resource.Name]; !ok || q.IsZero() {
					r.errorf("HPA %s scales on %s utilization but container %s requests none", h.Name, metric.Resource.Name, c.Name)
				}
			}
		}
	}
	if _, ok := scaled[gatewayDeployment]; !ok {
		r.errorf("no HorizontalPodAutoscaler targets Deployment %s", gatewayDeployment)
	}

	budgeted := map[string]bool{}
	for _, pdb := range m.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil {
			r.errorf("PDB %s: %v", pdb.Name, err)
			continue
		}
		ds := selected(m, sel)
		if len(ds) != 1 {
			r.errorf("PDB %s selects %d Deployments' pods, want 1", pdb.Name, len(ds))
			continue
		}
		budgeted[ds[0].Name] = true
		replicas, ok := scaled[ds[0].Name]
		if !ok {
			replicas = 1
			if ds[0].Spec.Replicas != nil {
				replicas = *ds[0].Spec.Replicas
			}
		}
		// Allowing no eviction at all blocks node drains forever.
		allowed := int32(0)
		switch {
		case pdb.Spec.MaxUnavailable != nil:
			if v, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, int(replicas), true); err == nil {
				allowed = int32(v)
			}
		case pdb.Spec.MinAvailable != nil:
			if v, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, int(replicas), true); err == nil {
				allowed = replicas - int32(v)
			}
		}
		if allowed < 1 {
			r.errorf("PDB %s allows no eviction at %d replicas: node drains would block", pdb.Name, replicas)
		}
	}
	if !budgeted[gatewayDeployment] {
		r.errorf("no PodDisruptionBudget selects the gateway's pods")
	}
}

// TestRedisIsReachable: REDIS_URL names a rendered Service on one of its
// ports, that Service selects a Deployment's pods, and a NetworkPolicy
// guards those pods and admits the gateway's pods on that port.
func TestRedisIsReachable(t *testing.T) { check(t, "redis reachable") }

func redisReachable(m *manifests, r *report) {
	gw, env, ok := gateway(m, r)
	if !ok {
		return
	}
	raw, ok := env.vars["REDIS_URL"]
	if !ok {
		r.errorf("REDIS_URL is not set: replicas would not share rate limits and caches")
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		r.errorf("REDIS_URL: %v", err)
		return
	}
	ns := gw.deployment.Namespace
	name := strings.TrimSuffix(strings.TrimSuffix(u.Hostname(), ".svc.cluster.local"), "."+ns+".svc")
	name = strings.TrimSuffix(name, "."+ns)
	s := m.services[name]
	if s == nil || s.Namespace != ns {
		r.errorf("REDIS_URL host %q is no Service rendered in namespace %q", u.Hostname(), ns)
		return
	}
	port, _ := strconv.Atoi(u.Port())
	var sp *corev1.ServicePort
	for i := range s.Spec.Ports {
		if int(s.Spec.Ports[i].Port) == port {
			sp = &s.Spec.Ports[i]
		}
	}
	if sp == nil {
		r.errorf("REDIS_URL port %d is not a port of Service %s", port, name)
		return
	}
	ds := selected(m, labels.SelectorFromSet(s.Spec.Selector))
	if len(ds) != 1 {
		r.errorf("Service %s selects %d Deployments", name, len(ds))
		return
	}
	redis := ds[0]
	var container corev1.ContainerPort
	for i := range redis.Spec.Template.Spec.Containers {
		p := pod{deployment: redis, spec: &redis.Spec.Template.Spec, container: &redis.Spec.Template.Spec.Containers[i]}
		if cp, ok := p.port(sp.TargetPort.StrVal, sp.TargetPort.IntVal); ok {
			container = cp
		}
	}
	guarded := false
	for _, np := range m.policies {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(labels.Set(redis.Spec.Template.Labels)) || !slices.Contains(np.Spec.PolicyTypes, "Ingress") {
			continue
		}
		guarded = true
		admits := false
		for _, rule := range np.Spec.Ingress {
			fromGateway := false
			for _, peer := range rule.From {
				if peer.PodSelector == nil || peer.NamespaceSelector != nil || peer.IPBlock != nil {
					continue
				}
				if ps, err := metav1.LabelSelectorAsSelector(peer.PodSelector); err == nil && ps.Matches(labels.Set(gw.deployment.Spec.Template.Labels)) {
					fromGateway = true
				}
			}
			onPort := false
			for _, rp := range rule.Ports {
				if rp.Port != nil && (rp.Port.StrVal != "" && rp.Port.StrVal == container.Name || rp.Port.StrVal == "" && rp.Port.IntVal == container.ContainerPort) {
					onPort = true
				}
			}
			if len(rule.From) == 0 || len(rule.Ports) == 0 {
				r.errorf("NetworkPolicy %s: a rule without peers or ports admits more than the gateway's pods on Redis' port", np.Name)
			}
			admits = admits || fromGateway && onPort
		}
		if !admits {
			r.errorf("NetworkPolicy %s keeps the gateway from Redis' port %s/%d", np.Name, container.Name, container.ContainerPort)
		}
	}
	if !guarded {
		r.errorf("no NetworkPolicy guards Redis, which has no password")
	}
}

// TestSecretReferences: every Secret a pod reads, by variable or by file,
// is in the examples with every key it reads; every example Secret is
// used; every *_FILE the gateway is told to read is a file the pod has;
// no credential comes from a ConfigMap.
func TestSecretReferences(t *testing.T) { check(t, "secret references") }

func secretReferences(m *manifests, r *report) {
	_, env, ok := gateway(m, r)
	if !ok {
		return
	}
	used := map[string]bool{}
	forEachContainer(m, func(p pod) {
		for _, e := range p.container.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				used[e.ValueFrom.SecretKeyRef.Name] = true
			}
		}
		for _, f := range p.container.EnvFrom {
			if f.SecretRef != nil {
				used[f.SecretRef.Name] = true
			}
		}
		for _, v := range p.spec.Volumes {
			if v.Secret != nil {
				used[v.Secret.SecretName] = true
			}
		}
	})
	for _, name := range sortedKeys(m.secrets) {
		if !used[name] {
			r.errorf("example Secret %s is used by no pod", name)
		}
	}
	for _, name := range sortedKeys(used) {
		if m.secrets[name] == nil {
			r.errorf("Secret %s is used but not in the examples", name)
		}
	}
	for _, name := range sortedKeys(env.vars) {
		if strings.HasSuffix(name, "_FILE") {
			if _, ok := env.files[env.vars[name]]; !ok {
				r.errorf("%s=%s is no file mounted into the pod (mounted: %v)", name, env.vars[name], sortedKeys(env.files))
			}
		}
	}
	for _, cm := range m.configMaps {
		for _, k := range sortedKeys(cm.Data) {
			if credential.MatchString(k) {
				r.errorf("ConfigMap %s holds %s: credentials belong in a Secret", cm.Name, k)
			}
		}
	}
}

// credential matches the names of the gateway's credential variables.
var credential = regexp.MustCompile(`_(TOKEN|SECRET|SID|PASSWORD)$`)
