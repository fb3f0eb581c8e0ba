package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// Black-box end-to-end specs as data: every file in testdata/specs is one
// request to a sandbox gateway and the golden answer it must give, in
// testdata/specs/golden. `UPDATE_GOLDEN=1 go test -run TestSpecs .`
// rewrites the golden files from the gateway's answers.

const (
	specDir   = "testdata/specs"
	goldenDir = "testdata/specs/golden"
	// maskValue replaces every masked value in an answer.
	maskValue = "<masked>"
)

// specFile is one file of testdata/specs. Unknown members are refused, so a
// misspelt member cannot silently turn a check off.
type specFile struct {
	// Name is the file's base name and the subtest's name.
	Name string `json:"name"`
	// Description says what the spec proves.
	Description string `json:"description"`
	// Transport is "graphql" (POST /graphql) or "rest" (Method Path Body).
	Transport string `json:"transport"`
	// Query is the GraphQL document, a string or a list of lines.
	Query lines `json:"query"`
	// Variables of the GraphQL operation.
	Variables map[string]any `json:"variables"`
	// Method, Path and Body of a REST call; Body is sent as JSON.
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
	// Headers are added to the request.
	Headers map[string]string `json:"headers"`
	// Status is the HTTP status the answer must have.
	Status int `json:"status"`
	// Want names the golden file in testdata/specs/golden.
	Want string `json:"want"`
	// Mask lists the JSON paths of legitimately volatile values (generated
	// ids, write times): dot-separated members and array indexes, `*` for
	// every element. Each must exist in the answer; it is compared as
	// "<masked>", or as "{{name}}" when it equals a captured value.
	Mask []string `json:"mask"`
	// Capture names values of the (unmasked) answer, by JSON path, that
	// later specs use as `{{name}}` in their variables, path and body.
	Capture map[string]string `json:"capture"`
}

// lines is a string written in a spec file either whole or as a list of
// lines, so long documents stay readable.
type lines string

func (l *lines) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = lines(s)
		return nil
	}
	var ls []string
	if err := json.Unmarshal(b, &ls); err != nil {
		return errors.New("query must be a string or a list of strings")
	}
	*l = lines(strings.Join(ls, "\n"))
	return nil
}

// isWrite tells the specs that change the sandbox; they must run after
// every read, or the reads would depend on which writes ran before them.
func (s *specFile) isWrite() bool {
	if s.Transport == "rest" {
		return s.Method != http.MethodGet
	}
	return strings.HasPrefix(strings.TrimSpace(string(s.Query)), "mutation")
}

func (s *specFile) validate(file string) error {
	var errs []error
	if want := strings.TrimSuffix(filepath.Base(file), ".json"); s.Name != want {
		errs = append(errs, fmt.Errorf("name %q must be the file's base name %q", s.Name, want))
	}
	if s.Want != s.Name+".json" {
		errs = append(errs, fmt.Errorf("want %q must be %q", s.Want, s.Name+".json"))
	}
	if s.Description == "" {
		errs = append(errs, errors.New("description is empty"))
	}
	if s.Status == 0 {
		errs = append(errs, errors.New("status is missing"))
	}
	switch s.Transport {
	case "graphql":
		if s.Query == "" || s.Method != "" || s.Path != "" || s.Body != nil {
			errs = append(errs, errors.New("a graphql spec has a query and no method, path or body"))
		}
	case "rest":
		if s.Query != "" || s.Variables != nil || s.Method == "" || !strings.HasPrefix(s.Path, "/rest/") {
			errs = append(errs, errors.New("a rest spec has a method and a /rest/ path, and no query or variables"))
		}
	default:
		errs = append(errs, fmt.Errorf("transport %q is neither graphql nor rest", s.Transport))
	}
	return errors.Join(errs...)
}

// loadSpecs reads every spec, in file-name order, and refuses a malformed
// one, a read after a write, and a golden file no spec uses.
func loadSpecs(t *testing.T) []*specFile {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(specDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no specs in %s: %v", specDir, err)
	}
	slices.Sort(files)
	var specs []*specFile
	used := map[string]bool{}
	var wrote string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		s := &specFile{}
		if err := dec.Decode(s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := s.validate(f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if s.isWrite() {
			wrote = s.Name
		} else if wrote != "" {
			t.Fatalf("%s: a read runs after the write %s; name writes so they sort last", f, wrote)
		}
		used[s.Want] = true
		specs = append(specs, s)
	}
	if os.Getenv("UPDATE_GOLDEN") == "" {
		goldens, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
		for _, g := range goldens {
			if !used[filepath.Base(g)] {
				t.Errorf("%s: no spec uses this golden file", g)
			}
		}
	}
	return specs
}

// TestSpecs runs every spec of testdata/specs, in file-name order, against
// one sandbox gateway and compares each answer with its golden file.
func TestSpecs(t *testing.T) {
	specs := loadSpecs(t)
	g := startGateway(t, config.Defaults())
	update := os.Getenv("UPDATE_GOLDEN") != ""
	captured := map[string]string{}
	for _, s := range specs {
		t.Run(s.Name, func(t *testing.T) {
			status, body := s.do(t, g, captured)
			if status != s.Status {
				t.Fatalf("HTTP %d, want %d; answer:\n%s", status, s.Status, body)
			}
			var answer any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber() // numbers compare as written, no float rounding
			if err := dec.Decode(&answer); err != nil {
				t.Fatalf("answer is not JSON (%v):\n%s", err, body)
			}
			for name, path := range s.Capture {
				v, err := lookup(answer, path)
				if err != nil {
					t.Fatalf("capture %s: %v", name, err)
				}
				str, ok := v.(string)
				if !ok {
					t.Fatalf("capture %s: %s is %v, not a string", name, path, v)
				}
				captured[name] = str
			}
			for _, path := range s.Mask {
				if err := mask(answer, path, captured); err != nil {
					t.Fatalf("mask %s: %v\nanswer:\n%s", path, err, body)
				}
			}
			got := canonical(t, answer)
			golden := filepath.Join(goldenDir, s.Want)
			if update {
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (UPDATE_GOLDEN=1 go test -run TestSpecs . writes it)", err)
			}
			if d := firstDiff(string(want), string(got)); d != "" {
				t.Errorf("answer differs from %s (UPDATE_GOLDEN=1 rewrites it after a deliberate change):\n%s", golden, d)
			}
		})
	}
}

// do sends the spec's request and returns the status and body.
func (s *specFile) do(t *testing.T, g *testGateway, captured map[string]string) (int, []byte) {
	t.Helper()
	var method, path string
	var body []byte
	switch s.Transport {
	case "graphql":
		vars, err := substitute(s.Variables, captured)
		if err != nil {
			t.Fatal(err)
		}
		method, path = http.MethodPost, "/graphql"
		body, _ = json.Marshal(map[string]any{"query": string(s.Query), "variables": vars})
	case "rest":
		var err error
		if path, err = fill(s.Path, captured); err != nil {
			t.Fatal(err)
		}
		method = s.Method
		if s.Body != nil {
			text, err := fill(string(s.Body), captured)
			if err != nil {
				t.Fatal(err)
			}
			body = []byte(text)
		}
	}
	req, err := http.NewRequest(method, g.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range s.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp.StatusCode, raw
}

var placeholder = regexp.MustCompile(`\{\{(\w+)\}\}`)

// fill replaces every {{name}} in s by the captured value.
func fill(s string, captured map[string]string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, ok := captured[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("nothing captured as %v (did the spec that captures it fail?)", missing)
	}
	return out, nil
}

// substitute fills placeholders in every string of the variables.
func substitute(v map[string]any, captured map[string]string) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	raw, _ := json.Marshal(v)
	var errFill error
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case string:
			s, err := fill(x, captured)
			if err != nil {
				errFill = err
			}
			return s
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return x
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&out)
	walk(out)
	return out, errFill
}

// steps splits a JSON path such as `data.nodes.0.id` or `data.nodes.*.id`.
func steps(path string) []string { return strings.Split(path, ".") }

// lookup returns the one value at path (no `*`).
func lookup(v any, path string) (any, error) {
	for _, step := range steps(path) {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[step]
			if !ok {
				return nil, fmt.Errorf("%s: no member %q", path, step)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%s: no element %q of %d", path, step, len(x))
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%s: %q steps into a scalar", path, step)
		}
	}
	return v, nil
}

// mask replaces the value at path (every match of `*`) by maskValue, or by
// `{{name}}` when it is the value captured as name, so a golden file still
// proves that, say, a delete answered the id the create gave. A path that
// matches nothing is an error, so a mask cannot outlive its field.
func mask(v any, path string, captured map[string]string) error {
	n, err := maskSteps(v, steps(path), func(old any) any {
		for name, val := range captured {
			if old == val {
				return "{{" + name + "}}"
			}
		}
		return maskValue
	})
	if err == nil && n == 0 {
		err = errors.New("matches no value")
	}
	return err
}

func maskSteps(v any, rest []string, replace func(any) any) (int, error) {
	step, last := rest[0], len(rest) == 1
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x[step]; !ok {
			return 0, fmt.Errorf("no member %q", step)
		}
		if last {
			x[step] = replace(x[step])
			return 1, nil
		}
		return maskSteps(x[step], rest[1:], replace)
	case []any:
		idx := make([]int, 0, len(x))
		if step == "*" {
			for i := range x {
				idx = append(idx, i)
			}
		} else if i, err := strconv.Atoi(step); err == nil && i >= 0 && i < len(x) {
			idx = append(idx, i)
		} else {
			return 0, fmt.Errorf("no element %q of %d", step, len(x))
		}
		n := 0
		for _, i := range idx {
			if last {
				x[i] = replace(x[i])
				n++
				continue
			}
			m, err := maskSteps(x[i], rest[1:], replace)
			if err != nil {
				return 0, err
			}
			n += m
		}
		return n, nil
	default:
		return 0, fmt.Errorf("%q steps into a scalar", step)
	}
}

// canonical is the stable form of a golden file: members sorted, two-space
// indent, no HTML escaping, a final newline.
func canonical(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// firstDiff shows where got first departs from want, with the lines around
// it from both sides, each line that differs from the other side's line of
// the same number marked; "" when they are equal.
func firstDiff(want, got string) string {
	if want == got {
		return ""
	}
	w := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	g := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	const before, after = 4, 8
	var b strings.Builder
	show := func(label, mark string, ls, other []string) {
		fmt.Fprintf(&b, "%s (%d lines):\n", label, len(ls))
		for j := max(0, i-before); j < min(len(ls), i+after); j++ {
			m := " "
			if j >= len(other) || other[j] != ls[j] {
				m = mark
			}
			fmt.Fprintf(&b, "%s %4d | %s\n", m, j+1, ls[j])
		}
	}
	fmt.Fprintf(&b, "first difference at line %d\n", i+1)
	show("--- want", "-", w, g)
	show("+++ got", "+", g, w)
	return b.String()
}

// TestSpecRunner pins the parts of the runner that decide what a spec
// checks: masks must hit a value, captured values show by name, and a
// failure names the first differing line.
func TestSpecRunner(t *testing.T) {
	answer := func() any {
		return map[string]any{"data": map[string]any{"nodes": []any{
			map[string]any{"id": "a", "at": "t1"}, map[string]any{"id": "b", "at": "t2"},
		}}}
	}
	captured := map[string]string{"first": "a"}
	for _, tc := range []struct {
		path, want, err string
	}{
		{"data.nodes.*.at", `{"data":{"nodes":[{"at":"<masked>","id":"a"},{"at":"<masked>","id":"b"}]}}`, ""},
		{"data.nodes.0.id", `{"data":{"nodes":[{"at":"t1","id":"{{first}}"},{"at":"t2","id":"b"}]}}`, ""},
		{"data.nodes.1.id", `{"data":{"nodes":[{"at":"t1","id":"a"},{"at":"t2","id":"<masked>"}]}}`, ""},
		{"data.nodes.2.id", "", `no element "2" of 2`},
		{"data.items.*.id", "", `no member "items"`},
		{"data.nodes.0.id.x", "", `"x" steps into a scalar`},
		{"data.nodes.*", `{"data":{"nodes":["<masked>","<masked>"]}}`, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			v := answer()
			err := mask(v, tc.path, captured)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("mask %s: error %v, want %q", tc.path, err, tc.err)
				}
				return
			}
			var got bytes.Buffer
			_ = json.Compact(&got, canonical(t, v))
			if err != nil || got.String() != tc.want {
				t.Fatalf("mask %s: %v\n got %s\nwant %s", tc.path, err, got.String(), tc.want)
			}
		})
	}

	if v, err := lookup(answer(), "data.nodes.1.at"); err != nil || v != "t2" {
		t.Errorf("lookup: %v %v", v, err)
	}
	if s, err := fill("/rest/v1/contacts/{{first}}", captured); err != nil || s != "/rest/v1/contacts/a" {
		t.Errorf("fill: %q %v", s, err)
	}
	if _, err := fill("{{second}}", captured); err == nil {
		t.Error("fill of a name nothing captured succeeded")
	}

	if d := firstDiff("a\nb\nc\n", "a\nb\nc\n"); d != "" {
		t.Errorf("equal texts differ: %s", d)
	}
	d := firstDiff("a\nb\nc\nd\n", "a\nb\nX\nd\n")
	for _, want := range []string{"first difference at line 3", "-    3 | c", "+    3 | X", "     2 | b", "     4 | d"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}

	var l lines
	if err := json.Unmarshal([]byte(`["{", "  a", "}"]`), &l); err != nil || l != "{\n  a\n}" {
		t.Errorf("lines from a list: %q %v", l, err)
	}
}
