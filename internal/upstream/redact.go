package upstream

import "strings"

// Redactor removes credentials from text before it reaches a log or error.
type Redactor struct {
	r *strings.Replacer
}

// NewRedactor redacts each non-empty secret.
func NewRedactor(secrets ...string) *Redactor {
	var pairs []string
	for _, s := range secrets {
		if len(s) >= 3 {
			pairs = append(pairs, s, "[REDACTED]")
		}
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}
