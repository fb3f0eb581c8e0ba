// Package deploy checks what the repository ships to run the gateway:
// the Kubernetes manifests of deploy/kubernetes (decoded strictly into the
// Kubernetes API types, rendered by kustomize as `kubectl apply -k` does,
// held to the rules below, and their environment fed to the real gateway
// binary) and .env.example. It is its own module so that the Kubernetes and
// kustomize libraries stay out of the gateway's go.mod.
package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Where the checked files are, relative to this package.
const (
	repoRoot      = "../.."
	manifestsDir  = "../../deploy/kubernetes"
	examplesGlob  = "*.example.yaml"
	kustomization = "kustomization.yaml"
)

// The gateway's own objects, by the names the manifests give them.
const (
	gatewayDeployment = "crm-gateway"
	gatewayContainer  = "gateway"
)

// scheme knows every kind the manifests may use; a kind outside it is an
// error, so a new kind is added here deliberately.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, autoscalingv2.AddToScheme,
		policyv1.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

// strict is apimachinery's strict YAML serializer, the decoder behind the
// API server's strict field validation: a field the type does not have, a
// key in the wrong case or a key given twice is an error.
var strict = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
	kjson.SerializerOptions{Yaml: true, Strict: true})

// decodeStrict decodes one YAML document into its Kubernetes API type.
func decodeStrict(doc []byte) (runtime.Object, error) {
	obj, gvk, err := strict.Decode(doc, nil, nil)
	if err != nil {
		if gvk != nil && gvk.Kind != "" {
			return nil, fmt.Errorf("%s %s: %w", gvk.GroupVersion(), gvk.Kind, err)
		}
		return nil, err
	}
	return obj, nil
}

// documents splits a YAML stream, dropping documents that hold only
// comments.
func documents(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		if s := strings.TrimSpace(string(j)); s == "null" || s == "" {
			continue
		}
		docs = append(docs, doc)
	}
}

// decodeAll strictly decodes every document of a YAML stream.
func decodeAll(data []byte) ([]runtime.Object, error) {
	docs, err := documents(data)
	if err != nil {
		return nil, err
	}
	var objs []runtime.Object
	var errs []error
	for i, doc := range docs {
		obj, err := decodeStrict(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i+1, err))
			continue
		}
		objs = append(objs, obj)
	}
	return objs, errors.Join(errs...)
}

// manifests is the rendered kustomization plus the example Secrets.
type manifests struct {
	objects     []runtime.Object
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	configMaps  map[string]*corev1.ConfigMap
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
	policies    []*networkingv1.NetworkPolicy
	// secrets come from the *.example.yaml files: the kustomization
	// renders none.
	secrets map[string]*corev1.Secret
}

func (m *manifests) add(obj runtime.Object) error {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		m.deployments[o.Name] = o
	case *corev1.Service:
		m.services[o.Name] = o
	case *corev1.ConfigMap:
		m.configMaps[o.Name] = o
	case *autoscalingv2.HorizontalPodAutoscaler:
		m.hpas = append(m.hpas, o)
	case *policyv1.PodDisruptionBudget:
		m.pdbs = append(m.pdbs, o)
	case *networkingv1.NetworkPolicy:
		m.policies = append(m.policies, o)
	case *corev1.Secret:
		return fmt.Errorf("secret %s is rendered by the kustomization: secrets belong in %s, created outside the repository", o.Name, examplesGlob)
	case *corev1.Namespace, *corev1.ServiceAccount:
	default:
		return fmt.Errorf("%T: no rule of this test covers this kind yet", obj)
	}
	m.objects = append(m.objects, obj)
	return nil
}

// render builds the kustomization as `kubectl apply -k` does (kustomize's
// krusty, default options) and decodes every object it renders strictly.
func render() (*manifests, error) {
	dir, err := filepath.Abs(manifestsDir)
	if err != nil {
		return nil, err
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", manifestsDir, err)
	}
	out, err := res.AsYaml()
	if err != nil {
		return nil, err
	}
	objs, err := decodeAll(out)
	if err != nil {
		return nil, fmt.Errorf("rendered manifests: %w", err)
	}
	m := &manifests{
		deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
	}
	var errs []error
	for _, o := range objs {
		errs = append(errs, m.add(o))
	}
	examples, _ := filepath.Glob(filepath.Join(manifestsDir, examplesGlob))
	for _, f := range examples {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := decodeAll(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
		}
		for _, o := range objs {
			s, ok := o.(*corev1.Secret)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: %T: the examples hold Secrets only", f, o))
				continue
			}
			m.secrets[s.Name] = s
		}
	}
	return m, errors.Join(errs...)
}

var rendered = sync.OnceValues(render)

// load returns the rendered manifests, failing the test if they do not
// render or decode.
func load(t *testing.T) *manifests {
	t.Helper()
	m, err := rendered()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStrictDecodingRefusesMistakes proves the decoder used by every other
// test refuses what the API server's strict validation refuses, so their
// passing means something.
func TestStrictDecodingRefusesMistakes(t *testing.T) {
	const valid = `apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  ports:
    - port: 80
`
	if _, err := decodeStrict([]byte(valid)); err != nil {
		t.Fatalf("a valid Service is refused: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown field": strings.Replace(valid, "- port: 80", "- port: 80\n      portName: http", 1),
		"wrong case":    strings.Replace(valid, "- port: 80", "- Port: 80", 1),
		"duplicate key": strings.Replace(valid, "- port: 80", "- port: 80\n      port: 81", 1),
		"wrong type":    strings.Replace(valid, "- port: 80", "- port: eighty", 1),
		"unknown kind":  strings.Replace(valid, "kind: Service", "kind: Servce", 1),
		"wrong group":   strings.Replace(valid, "apiVersion: v1", "apiVersion: apps/v1", 1),
	} {
		if _, err := decodeStrict([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error:\n%s", name, doc)
		}
	}
	// A mistake deep in a pod template, where typos usually hide.
	const pod = `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: c
          image: i
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSecond: 5
`
	if _, err := decodeStrict([]byte(pod)); err == nil || !strings.Contains(err.Error(), "periodSecond") {
		t.Errorf("a misspelled probe field is not named: %v", err)
	}
}

// TestEveryFileDecodesStrictly decodes each file of deploy/kubernetes as
// written (before kustomize normalises anything): every document into its
// API type, the kustomization into kustomize's own type, and it proves
// each file is used: rendered, read by a generator, or an example.
func TestEveryFileDecodesStrictly(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(manifestsDir, kustomization))
	if err != nil {
		t.Fatal(err)
	}
	var k types.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("%s: %v", kustomization, err)
	}
	used := map[string]bool{kustomization: true}
	for _, r := range k.Resources {
		used[r] = true
	}
	for _, g := range k.ConfigMapGenerator {
		for _, f := range append(append([]string{}, g.EnvSources...), g.FileSources...) {
			_, path, _ := strings.Cut(f, "=")
			if path == "" {
				path = f
			}
			used[path] = true
		}
	}
	entries, err := os.ReadDir(manifestsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if example, _ := filepath.Match(examplesGlob, name); !used[name] && !example {
			t.Errorf("%s is neither listed in %s nor an example (%s): it would never be applied", name, kustomization, examplesGlob)
		}
		if name == kustomization || filepath.Ext(name) != ".yaml" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(manifestsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decodeAll(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(objs) == 0 && err == nil {
			t.Errorf("%s holds no object", name)
		}
	}
	for r := range used {
		if _, err := os.Stat(filepath.Join(manifestsDir, r)); err != nil {
			t.Errorf("%s names %s: %v", kustomization, r, err)
		}
	}
}

// TestRenderedManifests renders the kustomization and checks it holds the
// objects the gateway needs.
func TestRenderedManifests(t *testing.T) {
	m := load(t)
	var kinds []string
	for _, o := range m.objects {
		kinds = append(kinds, fmt.Sprintf("%T", o))
	}
	sort.Strings(kinds)
	t.Logf("rendered: %s", strings.Join(kinds, ", "))
	if m.deployments[gatewayDeployment] == nil {
		t.Fatalf("no Deployment %q", gatewayDeployment)
	}
	if _, err := gatewayPod(m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*v1.Namespace", "*v1.ServiceAccount", "*v1.Service", "*v1.ConfigMap",
		"*v2.HorizontalPodAutoscaler", "*v1.PodDisruptionBudget", "*v1.NetworkPolicy"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("nothing of kind %s is rendered", want)
		}
	}
}
