// Package jaeger pins the trace backend the gateway's tracing test runs
// against: Jaeger all-in-one, built from its Go module as a tool of this
// separate module, so the gateway's own go.mod stays lean. The test
// helper (internal/realserver) builds it once into ~/.cache.
package jaeger
