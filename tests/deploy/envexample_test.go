package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// envLine is a VARIABLE=value line of .env.example, set or commented out.
var envLine = regexp.MustCompile(`^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$`)

// readEnvExample returns the variables .env.example sets and those it
// shows commented out, with their values.
func readEnvExample(t *testing.T) (set, all map[string]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, all = map[string]string{}, map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := envLine.FindStringSubmatch(sc.Text())
		if m == nil {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				t.Errorf(".env.example:%d: neither a comment nor VARIABLE=value: %q", n, line)
			}
			continue
		}
		name, value := m[2], m[3]
		if _, dup := all[name]; dup {
			t.Errorf(".env.example:%d: %s appears twice", n, name)
		}
		all[name] = value
		if m[1] == "" {
			set[name] = value
		}
	}
	return set, all
}

// readmeVariables are the variables of the README's configuration tables
// (those whose first column is "env var" or "variable"), with <BACKEND>_
// expanded.
func readmeVariables(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	inTable := false
	name := regexp.MustCompile("`(<BACKEND>_)?([A-Z][A-Z0-9_]*)`")
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 2 {
			continue
		}
		first := strings.TrimSpace(cells[1])
		if first == "env var" || first == "variable" {
			inTable = true
			continue
		}
		if !inTable {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			if m[1] != "" {
				for _, b := range []string{"SYNERGY_", "SOLOS_", "RKEEPER_"} {
					vars[b+m[2]] = true
				}
				continue
			}
			vars[m[2]] = true
		}
	}
	if len(vars) < 20 {
		t.Fatalf("found only %d variables in the README's configuration tables: %v", len(vars), sortedKeys(vars))
	}
	return vars
}

// TestEnvExample: .env.example lists every variable of the README's
// configuration tables; each line names a variable the gateway (or the Go
// runtime, or OpenTelemetry) reads; every value shown is one the gateway
// accepts, all together; and the lines it sets are a complete production
// configuration on their own.
func TestEnvExample(t *testing.T) {
	set, all := readEnvExample(t)
	for _, v := range sortedKeys(readmeVariables(t)) {
		if _, ok := all[v]; !ok {
			t.Errorf("%s is in the README's configuration tables but not in .env.example", v)
		}
	}
	checkVariablesKnown(t, all)
	problems := configProblems(refused(t, with(set, sentinel, "1")))
	if len(problems) != 1 || !strings.HasPrefix(problems[0], sentinel+":") {
		t.Errorf("the lines .env.example sets are refused: %q", problems)
	}
	if set["AUTH_MODE"] == "" || set["AUTH_MODE"] == "none" {
		t.Errorf("AUTH_MODE=%q: the example must not open the CRMs to every caller", set["AUTH_MODE"])
	}
}
