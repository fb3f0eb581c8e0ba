package memlimit

import (
	"errors"
	"testing"
)

func TestChoose(t *testing.T) {
	files := func(m map[string]string) func(string) (string, error) {
		return func(p string) (string, error) {
			if v, ok := m[p]; ok {
				return v, nil
			}
			return "", errors.New("no such file")
		}
	}
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	v2, v1 := cgroupFiles[0], cgroupFiles[1]
	cases := []struct {
		name  string
		env   map[string]string
		files map[string]string
		want  Settings
	}{
		{"cgroup v2 limit", nil, map[string]string{v2: "536870912\n"}, Settings{GCPercent, 483183820, v2}},
		{"cgroup v2 without a limit, v1 with one", nil, map[string]string{v2: "max\n", v1: "1073741824\n"}, Settings{GCPercent, 966367641, v1}},
		{"cgroup v1 without a limit", nil, map[string]string{v1: "9223372036854771712\n"}, Settings{GCPercent, DefaultLimit, "default"}},
		{"no cgroup", nil, nil, Settings{GCPercent, DefaultLimit, "default"}},
		{"GOGC set", map[string]string{"GOGC": "off"}, map[string]string{v2: "536870912"}, Settings{-1, 483183820, v2}},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, map[string]string{v2: "536870912"}, Settings{GCPercent, -1, "GOMEMLIMIT"}},
		{"both set", map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}, nil, Settings{-1, -1, "GOMEMLIMIT"}},
		{"garbage in the file", nil, map[string]string{v2: "lots"}, Settings{GCPercent, DefaultLimit, "default"}},
	}
	for _, c := range cases {
		if got := Choose(env(c.env), files(c.files), false); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	// A sandbox's default is larger (its emulators live in the process);
	// a container's limit still wins.
	if got := Choose(env(nil), files(nil), true); got != (Settings{GCPercent, SandboxLimit, "sandbox default"}) {
		t.Errorf("sandbox: %+v", got)
	}
	if got := Choose(env(nil), files(map[string]string{v2: "536870912\n"}), true); got != (Settings{GCPercent, 483183820, v2}) {
		t.Errorf("sandbox in a container: %+v", got)
	}
}
