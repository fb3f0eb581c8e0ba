// Package memlimit owns the garbage collector's defaults: a GOGC that
// trades memory for CPU (the gateway's live heap is small and short-lived)
// and a soft memory limit (GOMEMLIMIT) taken from the container's own limit
// (cgroup v2 or v1), which pulls the collector back long before the kernel
// would kill the process. Either variable, when set, is left alone.
package memlimit

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// GCPercent is the default GOGC: the collector runs when the heap has
// grown to five times what survived the last cycle. A request's garbage
// dies with the request, so a rarer collection costs little memory and
// saves CPU.
const GCPercent = 400

// Share is the part of the container's memory limit the Go heap may use
// before the collector works harder; the rest covers stacks, the runtime
// and the kernel's accounting of page cache.
const Share = 0.9

// DefaultLimit is the soft limit when the container states none: the
// gateway's live heap is a few megabytes even under load, so 36 MiB leaves
// GOGC=400 its room while the process stays under 64 MB resident (57 MB at
// 1,500 relationship-heavy queries a second; 68 MB with 48 MiB, for no
// measurable saving of CPU).
const DefaultLimit = 36 << 20

// SandboxLimit is DefaultLimit for a sandbox gateway, whose process also
// holds the three CRM emulators and their data: some 20 MB more live heap.
const SandboxLimit = 96 << 20

// cgroupFiles are where a container's memory limit is read, cgroup v2 first.
var cgroupFiles = []string{
	"/sys/fs/cgroup/memory.max",                   // v2
	"/sys/fs/cgroup/memory/memory.limit_in_bytes", // v1
}

// Settings are the collector settings Apply chose and why.
type Settings struct {
	GCPercent   int   // -1: left as GOGC set it
	MemoryLimit int64 // bytes; -1: left as GOMEMLIMIT set it
	Source      string
}

// Apply sets the defaults the environment does not override; sandbox
// says the process also runs the emulators.
func Apply(sandbox bool) Settings {
	s := Choose(os.LookupEnv, readFile, sandbox)
	if s.GCPercent >= 0 {
		debug.SetGCPercent(s.GCPercent)
	}
	if s.MemoryLimit >= 0 {
		debug.SetMemoryLimit(s.MemoryLimit)
	}
	return s
}

// Choose decides the settings from the environment and the cgroup files.
func Choose(env func(string) (string, bool), read func(string) (string, error), sandbox bool) Settings {
	s := Settings{GCPercent: GCPercent, MemoryLimit: -1}
	if v, ok := env("GOGC"); ok && v != "" {
		s.GCPercent = -1
	}
	if v, ok := env("GOMEMLIMIT"); ok && v != "" {
		s.Source = "GOMEMLIMIT"
		return s
	}
	for _, f := range cgroupFiles {
		if limit, ok := parseLimit(read(f)); ok {
			s.MemoryLimit, s.Source = int64(float64(limit)*Share), f
			return s
		}
	}
	s.MemoryLimit, s.Source = DefaultLimit, "default"
	if sandbox {
		s.MemoryLimit, s.Source = SandboxLimit, "sandbox default"
	}
	return s
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// parseLimit reads a cgroup memory limit; "max" (v2) and the huge values
// cgroup v1 uses for "no limit" are no limit.
func parseLimit(s string, err error) (int64, bool) {
	if err != nil {
		return 0, false
	}
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0, false
	}
	return n, true
}
