package redact

import (
	"fmt"
	"strings"
	"testing"
)

// logLine is a typical upstream error log line: no secret in it.
const logLine = `{"time":"2025-01-01T00:00:00Z","level":"ERROR","msg":"upstream call","upstream":"synergy","method":"GET","path":"/api/v1/contacts/42","status":502,"error":"SynergyCRM answered HTTP 502: Bad Gateway"}`

// BenchmarkRedact measures the cost on every error and log line: the
// clean line (the common case, no allocation), a line holding a secret,
// and the clean line against the credentials of 100 tenants.
func BenchmarkRedact(b *testing.B) {
	one := New("syn-test-token-7f3a9c", "sec-42f0aa17c9e8b6d5", "5f2b8c6e1d0a4f3b9e7c2a1d8b6f4e3c0a9d7b5e3c1f2a4b6d8e0c2a4f6b8d0e")
	var many []string
	for i := range 100 {
		many = append(many, fmt.Sprintf("tenant-%03d-token-%x", i, i*7919), fmt.Sprintf("tenant-%03d-secret-%x", i, i*104729),
			fmt.Sprintf("%064x", i*15485863))
	}
	hundred := New(many...)
	dirty := strings.Replace(logLine, "Bad Gateway", "Bad token SYN-TEST-TOKEN-7F3A9C", 1)
	for _, c := range []struct {
		name string
		r    *Redactor
		in   string
	}{
		{"clean/3 secrets", one, logLine},
		{"secret/3 secrets", one, dirty},
		{"clean/300 secrets", hundred, logLine},
		{"clean 64KiB/300 secrets", hundred, strings.Repeat(logLine, 64<<10/len(logLine))},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				_ = c.r.String(c.in)
			}
		})
	}
	// The replacer it replaces, for comparison: exact, case-sensitive.
	b.Run("strings.Replacer/3 secrets", func(b *testing.B) {
		r := strings.NewReplacer("syn-test-token-7f3a9c", Mask, "sec-42f0aa17c9e8b6d5", Mask)
		b.ReportAllocs()
		b.SetBytes(int64(len(logLine)))
		for b.Loop() {
			_ = r.Replace(logLine)
		}
	})
}
