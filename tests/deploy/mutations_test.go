package deploy

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// clone deep-copies the manifests so that a test can break its copy.
func (m *manifests) clone() *manifests {
	c := &manifests{
		deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
	}
	for _, o := range m.objects {
		_ = c.add(o.DeepCopyObject())
	}
	for k, s := range m.secrets {
		c.secrets[k] = s.DeepCopy()
	}
	return c
}

func gw(m *manifests) *corev1.Container {
	p, _ := gatewayPod(m)
	return p.container
}

func redisContainer(m *manifests) *corev1.Container {
	return &m.deployments["crm-gateway-redis"].Spec.Template.Spec.Containers[0]
}

// setConfig changes a variable in the gateway's ConfigMap.
func setConfig(m *manifests, k, v string) {
	for _, cm := range m.configMaps {
		cm.Data[k] = v
	}
}

func setEnv(c *corev1.Container, k, v string) {
	for i := range c.Env {
		if c.Env[i].Name == k {
			c.Env[i].Value = v
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
}

// TestRulesCatchMistakes breaks a copy of the real manifests in one way at
// a time and expects the named rule to say so: the rules pass on the real
// manifests because these hold, not because the rules cannot fail.
func TestRulesCatchMistakes(t *testing.T) {
	ptr := func(b bool) *bool { return &b }
	for _, tc := range []struct {
		name, rule, want string
		breakIt          func(m *manifests)
	}{
		{"no startup probe", "locked down", "no startupProbe", func(m *manifests) { gw(m).StartupProbe = nil }},
		{"writable root filesystem", "locked down", "readOnlyRootFilesystem", func(m *manifests) {
			redisContainer(m).SecurityContext.ReadOnlyRootFilesystem = ptr(false)
		}},
		{"a capability kept", "locked down", "drop ALL", func(m *manifests) { gw(m).SecurityContext.Capabilities.Drop = nil }},
		{"privilege escalation", "locked down", "allowPrivilegeEscalation", func(m *manifests) {
			gw(m).SecurityContext.AllowPrivilegeEscalation = nil
		}},
		{"root user", "locked down", "uid 0", func(m *manifests) {
			var root int64
			m.deployments[gatewayDeployment].Spec.Template.Spec.SecurityContext.RunAsUser = &root
		}},
		{"no seccomp profile", "locked down", "seccompProfile", func(m *manifests) {
			m.deployments["crm-gateway-redis"].Spec.Template.Spec.SecurityContext.SeccompProfile = nil
		}},
		{"no memory limit", "locked down", "no memory limit", func(m *manifests) {
			delete(redisContainer(m).Resources.Limits, corev1.ResourceMemory)
		}},
		{"service links", "locked down", "enableServiceLinks", func(m *manifests) {
			m.deployments[gatewayDeployment].Spec.Template.Spec.EnableServiceLinks = ptr(true)
		}},
		{"latest image", "locked down", "not pinned", func(m *manifests) { redisContainer(m).Image = "docker.io/library/redis:latest" }},
		{"untagged image", "locked down", "not pinned", func(m *manifests) { gw(m).Image = "registry.example.com:5000/crm-gateway" }},
		{"probe on a missing port", "locked down", "none of the container's ports", func(m *manifests) {
			gw(m).ReadinessProbe.HTTPGet.Port = intstr.FromString("htp")
		}},
		{"short grace period", "grace period", "must exceed", func(m *manifests) {
			g := int64(30)
			m.deployments[gatewayDeployment].Spec.Template.Spec.TerminationGracePeriodSeconds = &g
		}},
		{"longer shutdown timeout", "grace period", "must exceed", func(m *manifests) { setConfig(m, "SHUTDOWN_TIMEOUT", "40s") }},
		{"longer upstream timeout", "grace period", "shorter than the longest upstream timeout", func(m *manifests) {
			setConfig(m, "RKEEPER_TIMEOUT", "30s")
		}},
		{"implicit shutdown delay", "grace period", "SHUTDOWN_DELAY is not set", func(m *manifests) {
			for _, cm := range m.configMaps {
				delete(cm.Data, "SHUTDOWN_DELAY")
			}
		}},
		{"a preStop hook", "grace period", "preStop", func(m *manifests) {
			gw(m).Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
		}},
		{"GOMEMLIMIT over the limit", "memory", "GOMEMLIMIT", func(m *manifests) { setEnv(gw(m), "GOMEMLIMIT", "600MiB") }},
		{"GOMEMLIMIT far below the limit", "memory", "GOMEMLIMIT", func(m *manifests) { setEnv(gw(m), "GOMEMLIMIT", "128MiB") }},
		{"memory limit raised alone", "memory", "GOMEMLIMIT", func(m *manifests) {
			gw(m).Resources.Limits[corev1.ResourceMemory] = resource.MustParse("1Gi")
		}},
		{"Redis maxmemory over its limit", "memory", "--maxmemory", func(m *manifests) {
			c := redisContainer(m)
			for i, a := range c.Args {
				if a == "--maxmemory" {
					c.Args[i+1] = "300mb"
				}
			}
		}},
		{"metrics on loopback", "listeners", "not 127.0.0.1", func(m *manifests) { setConfig(m, "METRICS_ADDR", "127.0.0.1:9090") }},
		{"listener off the container port", "listeners", "container port", func(m *manifests) { setConfig(m, "LISTEN_ADDR", ":8081") }},
		{"scrape annotation on the wrong port", "listeners", "scrape annotations", func(m *manifests) {
			m.deployments[gatewayDeployment].Spec.Template.Annotations["prometheus.io/port"] = "8080"
		}},
		{"liveness on readiness", "listeners", "readiness path", func(m *manifests) { gw(m).LivenessProbe.HTTPGet.Path = "/readyz" }},
		{"Service selector typo", "services", "selects 0", func(m *manifests) {
			m.services["crm-gateway"].Spec.Selector["app.kubernetes.io/component"] = "apii"
		}},
		{"Service target port typo", "services", "no container port", func(m *manifests) {
			m.services["crm-gateway-metrics"].Spec.Ports[0].TargetPort = intstr.FromString("metric")
		}},
		{"metrics on the API Service", "services", "together", func(m *manifests) {
			s := m.services["crm-gateway"]
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "metrics", Port: 9090, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP})
		}},
		{"HPA target typo", "scaling", "not a rendered Deployment", func(m *manifests) { m.hpas[0].Spec.ScaleTargetRef.Name = "crm-gatway" }},
		{"replicas beside an HPA", "scaling", "sets replicas", func(m *manifests) {
			n := int32(3)
			m.deployments[gatewayDeployment].Spec.Replicas = &n
		}},
		{"one replica", "scaling", "at least two", func(m *manifests) { one := int32(1); m.hpas[0].Spec.MinReplicas = &one }},
		{"PDB selects nothing", "scaling", "selects 0", func(m *manifests) {
			m.pdbs[0].Spec.Selector.MatchLabels["app.kubernetes.io/name"] = "gateway"
		}},
		{"PDB blocks drains", "scaling", "allows no eviction", func(m *manifests) {
			zero := intstr.FromInt32(0)
			m.pdbs[0].Spec.MaxUnavailable = &zero
		}},
		{"NetworkPolicy on the wrong port", "redis reachable", "keeps the gateway from Redis", func(m *manifests) {
			p := intstr.FromInt32(6380)
			m.policies[0].Spec.Ingress[0].Ports[0].Port = &p
		}},
		{"NetworkPolicy admits others", "redis reachable", "keeps the gateway from Redis", func(m *manifests) {
			m.policies[0].Spec.Ingress[0].From[0].PodSelector.MatchLabels["app.kubernetes.io/component"] = "worker"
		}},
		{"REDIS_URL names no Service", "redis reachable", "no Service", func(m *manifests) { setConfig(m, "REDIS_URL", "redis://redis:6379/0") }},
		{"REDIS_URL on another port", "redis reachable", "not a port", func(m *manifests) {
			setConfig(m, "REDIS_URL", "redis://crm-gateway-redis:6380/0")
		}},
		{"a key missing from the example Secret", "secret references", "SOLOS_SECRET", func(m *manifests) {
			delete(m.secrets["crm-gateway-crm-credentials"].StringData, "SOLOS_SECRET")
		}},
		{"keys file outside the mounts", "secret references", "no file mounted", func(m *manifests) {
			setConfig(m, "AUTH_API_KEYS_FILE", "/etc/crm-gateway/api-keys.json")
		}},
		{"a subPath mount", "secret references", "subPath", func(m *manifests) { gw(m).VolumeMounts[0].SubPath = "keys.json" }},
		{"a credential in the ConfigMap", "secret references", "belong in a Secret", func(m *manifests) {
			setConfig(m, "SYNERGY_TOKEN", "abc")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := load(t).clone()
			var before report
			rules[tc.rule](m, &before)
			if len(before.problems) > 0 {
				t.Fatalf("the copy already fails: %v", before.problems)
			}
			tc.breakIt(m)
			var r report
			rules[tc.rule](m, &r)
			for _, p := range r.problems {
				if strings.Contains(p, tc.want) {
					t.Logf("caught: %s", p)
					return
				}
			}
			t.Errorf("rule %q did not catch it (want a finding with %q); it said %q", tc.rule, tc.want, r.problems)
		})
	}
}
