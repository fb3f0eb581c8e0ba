// Package redact removes credentials from every string that leaves the
// process: error messages and extensions, REST bodies, headers and logs.
// It matches each secret case-insensitively and in its common encodings
// (URL query and path escaping, standard and URL-safe base64 at any
// alignment, JSON and Go-quoted escaping), in one pass over the text
// whatever the number of secrets, so one Redactor can hold the
// credentials of every CRM a process talks to.
package redact

import (
	"encoding/base64"
	"encoding/json"
	"math/bits"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// MinLen is the shortest secret (and the shortest encoded form of one)
// that is redacted. One or two characters are no credential anyone
// issues, and hiding them would shred every message that happens to hold
// them; three keeps short test and sandbox keys hidden while still
// refusing the degenerate ones. Real credentials are far longer (r_keeper
// sids are 64 hex characters).
const MinLen = 3

// Mask replaces every redacted span.
const Mask = "[REDACTED]"

// window is the longest prefix the scanner fingerprints: 8 bytes, one
// uint64 of folded text.
const window = 8

// filterBits sizes the fingerprint filter of one window length (8 KiB).
const filterBits = 1 << 16

// Redactor removes a fixed set of secrets from text. It is immutable and
// safe for concurrent use; a nil *Redactor redacts nothing.
type Redactor struct {
	secrets []string // as given, for With
	pats    []string // folded patterns
	groups  []*group // one per window length in use, longest first
}

// group finds the patterns whose fingerprint window is w bytes long.
type group struct {
	w      int
	mask   uint64
	filter []uint64            // filterBits bits, set for each fingerprint
	cands  map[uint64][]uint32 // fingerprint → indexes into pats
}

// New builds a Redactor for secrets; empty ones and those shorter than
// MinLen are ignored, duplicates are merged. Build one from the
// credentials of every configured backend (and tenant): the cost of a
// lookup does not grow with their number.
func New(secrets ...string) *Redactor {
	seen := map[string]bool{}
	var pats []string
	add := func(p string) {
		p = fold(p)
		if len(p) >= MinLen && !seen[p] {
			seen[p] = true
			pats = append(pats, p)
		}
	}
	for _, s := range secrets {
		if len(s) < MinLen {
			continue
		}
		for _, v := range Variants(s) {
			add(v)
		}
	}
	r := &Redactor{pats: pats}
	for _, s := range secrets {
		if len(s) >= MinLen {
			r.secrets = append(r.secrets, s)
		}
	}
	byWindow := map[int]*group{}
	for i, p := range pats {
		w := min(len(p), window)
		g := byWindow[w]
		if g == nil {
			g = &group{w: w, mask: maskOf(w), filter: make([]uint64, filterBits/64), cands: map[uint64][]uint32{}}
			byWindow[w] = g
			r.groups = append(r.groups, g)
		}
		key := load(p[:w])
		h := hash(key)
		g.filter[h>>6] |= 1 << (h & 63)
		g.cands[key] = append(g.cands[key], uint32(i))
	}
	slices.SortFunc(r.groups, func(a, b *group) int { return b.w - a.w })
	return r
}

// Variants lists the forms of secret the Redactor looks for (before case
// folding): the secret itself, its URL query and path escapes, its JSON
// and Go-quoted escapes, its base64 forms (standard and URL-safe, padded
// and raw, and the part of each that stays the same when the secret sits
// at any offset inside a longer base64 text, as in a Basic credential or
// an encoded token) and, for non-ASCII secrets, its Unicode upper and
// lower case. Tests use it to echo each form.
func Variants(secret string) []string {
	out := []string{secret, url.QueryEscape(secret), url.PathEscape(secret),
		strings.ToUpper(secret), strings.ToLower(secret)}
	if q := strconv.Quote(secret); len(q) >= 2 {
		out = append(out, q[1:len(q)-1])
	}
	if b, err := json.Marshal(secret); err == nil && len(b) >= 2 {
		out = append(out, string(b[1:len(b)-1]))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		out = append(out, enc.EncodeToString([]byte(secret)))
		raw := enc.WithPadding(base64.NoPadding)
		// At offset k (mod 3) inside a longer base64 text the first group
		// mixes foreign bytes and the last may be cut: keep the groups
		// made of the secret's bytes alone.
		for k := range 3 {
			buf := append(make([]byte, k, k+len(secret)), secret...)
			full := len(buf) / 3
			skip := min(k, 1)
			if full <= skip {
				continue
			}
			if mid := raw.EncodeToString(buf[:full*3])[skip*4:]; len(mid) > MinLen {
				out = append(out, mid)
			}
		}
	}
	return dedupe(out)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Len is the number of patterns (secrets times their forms) looked for.
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	return len(r.pats)
}

// String returns s with every occurrence of a secret, in any case and
// any of its forms, replaced by Mask. Text holding none is returned as
// it is, without allocating.
func (r *Redactor) String(s string) string {
	if r == nil || len(r.groups) == 0 || len(s) < MinLen {
		return s
	}
	spans := r.find(s)
	if spans == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(spans); i += 2 {
		b.WriteString(s[last:spans[i]])
		b.WriteString(Mask)
		last = spans[i+1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// Bytes is String for a byte slice; b itself is returned when it holds no
// secret.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil || len(r.groups) == 0 || len(b) < MinLen {
		return b
	}
	if r.find(string(b)) == nil { // the conversion does not allocate
		return b
	}
	return []byte(r.String(string(b)))
}

// Contains reports whether s holds a secret in any of its forms.
func (r *Redactor) Contains(s string) bool {
	return r != nil && len(r.groups) > 0 && len(s) >= MinLen && r.find(s) != nil
}

// Value redacts every string inside v, a value as encoding/json decodes
// it or the GraphQL error extensions hold it (maps, slices, strings,
// errors); other values are returned as they are.
func (r *Redactor) Value(v any) any {
	if r == nil {
		return v
	}
	switch x := v.(type) {
	case string:
		return r.String(x)
	case map[string]any:
		for k, e := range x {
			x[k] = r.Value(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = r.Value(e)
		}
		return x
	case []string:
		for i, e := range x {
			x[i] = r.String(e)
		}
		return x
	case error:
		return r.String(x.Error())
	}
	return v
}

// find returns the merged spans [start, end) of s that hold a secret, as
// a flat list of offsets, or nil. One pass: a rolling word of the last 8
// folded bytes is checked against each window length's fingerprint
// filter; only a filter hit costs a map lookup and a comparison.
func (r *Redactor) find(s string) []int {
	var spans []int
	var word uint64
	minW := r.groups[len(r.groups)-1].w
	for i := 0; i < len(s); i++ {
		word = word<<8 | uint64(lower[s[i]])
		if i+1 < minW {
			continue
		}
		for _, g := range r.groups {
			if i+1 < g.w {
				continue
			}
			key := word & g.mask
			h := hash(key)
			if g.filter[h>>6]&(1<<(h&63)) == 0 {
				continue
			}
			start := i + 1 - g.w
			for _, pi := range g.cands[key] {
				p := r.pats[pi]
				end := start + len(p)
				if end <= len(s) && equalFold(s[start:end], p) {
					spans = addSpan(spans, start, end)
				}
			}
		}
	}
	return spans
}

// addSpan adds [start, end) to spans, merging it with the last span when
// they touch; starts arrive in increasing order.
func addSpan(spans []int, start, end int) []int {
	n := len(spans)
	if n > 0 && start <= spans[n-1] {
		spans[n-1] = max(spans[n-1], end)
		return spans
	}
	return append(spans, start, end)
}

var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

func fold(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower[c]
	}
	return string(b)
}

func equalFold(s, folded string) bool {
	for i := 0; i < len(folded); i++ {
		if lower[s[i]] != folded[i] {
			return false
		}
	}
	return true
}

// load packs up to 8 bytes (already folded) as the rolling word would.
func load(p string) uint64 {
	var w uint64
	for i := 0; i < len(p); i++ {
		w = w<<8 | uint64(p[i])
	}
	return w
}

func maskOf(w int) uint64 {
	if w >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(w)) - 1
}

func hash(k uint64) uint64 {
	return (k * 0x9E3779B97F4A7C15) >> (64 - bits.Len(filterBits-1))
}

// With returns a Redactor for r's secrets and more; r is unchanged.
func (r *Redactor) With(more ...string) *Redactor {
	if r == nil {
		return New(more...)
	}
	return New(append(slices.Clone(r.secrets), more...)...)
}
