package deploy

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// pod is one Deployment's pod template and one of its containers.
type pod struct {
	deployment *appsv1.Deployment
	spec       *corev1.PodSpec
	container  *corev1.Container
}

// gatewayPod is the gateway's container in its Deployment.
func gatewayPod(m *manifests) (pod, error) {
	d := m.deployments[gatewayDeployment]
	if d == nil {
		return pod{}, fmt.Errorf("no Deployment %q", gatewayDeployment)
	}
	p := pod{deployment: d, spec: &d.Spec.Template.Spec}
	for i := range p.spec.Containers {
		if p.spec.Containers[i].Name == gatewayContainer {
			p.container = &p.spec.Containers[i]
		}
	}
	if p.container == nil {
		return pod{}, fmt.Errorf("Deployment %q has no container %q", gatewayDeployment, gatewayContainer)
	}
	return p, nil
}

// port returns the container port a probe or Service names, by name or
// number.
func (p pod) port(name string, number int32) (corev1.ContainerPort, bool) {
	for _, cp := range p.container.Ports {
		if (name != "" && cp.Name == name) || (name == "" && cp.ContainerPort == number) {
			return cp, true
		}
	}
	return corev1.ContainerPort{}, false
}

// environment is what a container sees at start: its variables and the
// files mounted into it from Secrets and ConfigMaps (by path in the pod).
type environment struct {
	vars  map[string]string
	files map[string][]byte
	// mounts are the container's volume mount paths.
	mounts []string
}

// containerEnvironment resolves a container's environment as the kubelet
// does: envFrom first, then env (which wins), each reference looked up in
// the rendered ConfigMaps or the example Secrets. What this test does not
// model ($(VAR) expansion, downward-API values, projected volumes) is an
// error rather than a silent gap.
func containerEnvironment(m *manifests, p pod) (environment, error) {
	env := environment{vars: map[string]string{}, files: map[string][]byte{}}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c := p.container

	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm := m.configMaps[from.ConfigMapRef.Name]
			if cm == nil {
				if !isTrue(from.ConfigMapRef.Optional) {
					bad("envFrom: no ConfigMap %q is rendered", from.ConfigMapRef.Name)
				}
				continue
			}
			for k, v := range cm.Data {
				env.vars[from.Prefix+k] = v
			}
		case from.SecretRef != nil:
			s := m.secrets[from.SecretRef.Name]
			if s == nil {
				if !isTrue(from.SecretRef.Optional) {
					bad("envFrom: no example Secret %q", from.SecretRef.Name)
				}
				continue
			}
			for k, v := range secretData(s) {
				env.vars[from.Prefix+k] = string(v)
			}
		}
	}
	seen := map[string]bool{}
	for _, e := range c.Env {
		if seen[e.Name] {
			bad("env: %s is set twice", e.Name)
		}
		seen[e.Name] = true
		if strings.Contains(e.Value, "$(") {
			bad("env %s: $(VAR) expansion is not modelled by this test", e.Name)
			continue
		}
		if e.ValueFrom == nil {
			env.vars[e.Name] = e.Value
			continue
		}
		switch ref := e.ValueFrom; {
		case ref.ConfigMapKeyRef != nil:
			cm := m.configMaps[ref.ConfigMapKeyRef.Name]
			v, ok := "", false
			if cm != nil {
				v, ok = cm.Data[ref.ConfigMapKeyRef.Key]
			}
			if !ok && !isTrue(ref.ConfigMapKeyRef.Optional) {
				bad("env %s: no key %q in ConfigMap %q", e.Name, ref.ConfigMapKeyRef.Key, ref.ConfigMapKeyRef.Name)
			}
			if ok {
				env.vars[e.Name] = v
			}
		case ref.SecretKeyRef != nil:
			s := m.secrets[ref.SecretKeyRef.Name]
			var v []byte
			ok := false
			if s != nil {
				v, ok = secretData(s)[ref.SecretKeyRef.Key]
			}
			// Optional or not, the example must show every key the
			// Deployment can read, so that the Secret can be written from it.
			if !ok {
				bad("env %s: no key %q in the example Secret %q", e.Name, ref.SecretKeyRef.Key, ref.SecretKeyRef.Name)
				continue
			}
			env.vars[e.Name] = string(v)
		default:
			bad("env %s: this kind of valueFrom is not modelled by this test", e.Name)
		}
	}

	volumes := map[string]corev1.Volume{}
	for _, v := range p.spec.Volumes {
		volumes[v.Name] = v
	}
	for _, vm := range c.VolumeMounts {
		env.mounts = append(env.mounts, vm.MountPath)
		v, ok := volumes[vm.Name]
		if !ok {
			bad("volumeMount %s: no volume of that name", vm.Name)
			continue
		}
		if vm.SubPath != "" || vm.SubPathExpr != "" {
			bad("volumeMount %s: Kubernetes never updates a subPath mount; mount the whole volume", vm.Name)
		}
		var data map[string][]byte
		var items []corev1.KeyToPath
		switch {
		case v.Secret != nil:
			s := m.secrets[v.Secret.SecretName]
			if s == nil {
				bad("volume %s: no example Secret %q", v.Name, v.Secret.SecretName)
				continue
			}
			data, items = secretData(s), v.Secret.Items
		case v.ConfigMap != nil:
			cm := m.configMaps[v.ConfigMap.Name]
			if cm == nil {
				bad("volume %s: no ConfigMap %q is rendered", v.Name, v.ConfigMap.Name)
				continue
			}
			data = map[string][]byte{}
			for k, s := range cm.Data {
				data[k] = []byte(s)
			}
			items = v.ConfigMap.Items
		case v.EmptyDir != nil:
			continue
		default:
			bad("volume %s: this kind of volume is not modelled by this test", v.Name)
			continue
		}
		if len(items) == 0 {
			for k := range data {
				items = append(items, corev1.KeyToPath{Key: k, Path: k})
			}
		}
		for _, it := range items {
			content, ok := data[it.Key]
			if !ok {
				bad("volume %s: no key %q", v.Name, it.Key)
				continue
			}
			env.files[path.Join(vm.MountPath, it.Path)] = content
		}
	}
	return env, errors.Join(errs...)
}

func secretData(s *corev1.Secret) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range s.Data {
		out[k] = v
	}
	for k, v := range s.StringData {
		out[k] = []byte(v)
	}
	return out
}

func isTrue(b *bool) bool { return b != nil && *b }

// gatewayEnvironment is the gateway container's resolved environment.
func gatewayEnvironment(m *manifests) (pod, environment, error) {
	p, err := gatewayPod(m)
	if err != nil {
		return p, environment{}, err
	}
	env, err := containerEnvironment(m, p)
	return p, env, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
