package redact

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

const secret = "Tok-7f3a9c/E+x=q&z"

// forms are the ways a CRM or a library may print a secret, built here
// with the standard library, independently of Variants.
func forms(s string) map[string]string {
	b := []byte(s)
	return map[string]string{
		"exact":         s,
		"upper":         strings.ToUpper(s),
		"lower":         strings.ToLower(s),
		"query escape":  url.QueryEscape(s),
		"path escape":   url.PathEscape(s),
		"upper escape":  strings.ToUpper(url.QueryEscape(s)),
		"base64 std":    base64.StdEncoding.EncodeToString(b),
		"base64 url":    base64.URLEncoding.EncodeToString(b),
		"base64 raw":    base64.RawStdEncoding.EncodeToString(b),
		"base64 rawurl": base64.RawURLEncoding.EncodeToString(b),
		"basic auth":    "Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+s)),
		"bearer":        "Authorization: Bearer " + s,
		"json":          strings.ReplaceAll(s, "&", `\u0026`),
		"offset 1":      base64.StdEncoding.EncodeToString([]byte("x" + s + "yz")),
		"offset 2":      base64.URLEncoding.EncodeToString([]byte("xy" + s + "z")),
	}
}

func TestEveryFormIsRedacted(t *testing.T) {
	r := New("unrelated-secret", secret)
	for name, form := range forms(secret) {
		for _, text := range []string{form, "before " + form + " after", "(" + form + ")"} {
			got := r.String(text)
			if strings.Contains(got, form) {
				t.Errorf("%s: %q → %q still holds the secret", name, text, got)
			}
			if !strings.Contains(got, Mask) {
				t.Errorf("%s: %q → %q has no mask", name, text, got)
			}
			if !r.Contains(text) {
				t.Errorf("%s: Contains(%q) = false", name, text)
			}
		}
	}
}

func TestRedactKeepsOtherText(t *testing.T) {
	r := New("abcdef", "ab", "", "abcdefgh123", "секрет")
	for in, want := range map[string]string{
		"":                        "",
		"nothing here":            "nothing here",
		"x abcdef y":              "x " + Mask + " y",
		"ABCDEF":                  Mask,
		"abcdefgh123":             Mask, // the longer secret covers the shorter
		"abcdefabcdef":            Mask, // touching spans merge
		"ab is too short to hide": "ab is too short to hide",
		"Кириллица abcdef текст":  "Кириллица " + Mask + " текст",
		"ключ: СЕКРЕТ":            "ключ: " + Mask, // Unicode case of a non-ASCII secret
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var nilR *Redactor
	if nilR.String("abcdef") != "abcdef" || nilR.Len() != 0 {
		t.Error("a nil Redactor must redact nothing")
	}
	if New().String("abc") != "abc" {
		t.Error("an empty Redactor must redact nothing")
	}
}

func TestShortSecrets(t *testing.T) {
	r := New("xyz")
	if got := r.String("a XYZ b"); got != "a "+Mask+" b" {
		t.Errorf("three characters are redacted: %q", got)
	}
	if New("xy").Len() != 0 {
		t.Error("secrets shorter than MinLen must be ignored")
	}
}

func TestManySecretsFromManyCredentialSets(t *testing.T) {
	var secrets []string
	for i := range 300 {
		secrets = append(secrets, strings.Repeat(string(rune('a'+i%26)), 3)+"-tenant-"+string(rune('A'+i%26))+strings.Repeat("9", i%7)+"-key")
	}
	r := New(secrets...)
	for _, s := range secrets {
		if got := r.String("x " + strings.ToUpper(s) + " y"); strings.Contains(strings.ToLower(got), strings.ToLower(s)) {
			t.Fatalf("%q not redacted: %q", s, got)
		}
	}
}

func TestValueAndBytes(t *testing.T) {
	r := New(secret)
	v := r.Value(map[string]any{"a": []any{"x " + secret, 3, map[string]any{"b": strings.ToUpper(secret)}}, "e": errors.New(secret)})
	var buf bytes.Buffer
	buf.WriteString(strings.ToLower(secret))
	if s := strings.ToLower(toString(v)); strings.Contains(s, strings.ToLower(secret)) {
		t.Fatalf("Value left a secret: %s", s)
	}
	if got := r.Bytes(buf.Bytes()); string(got) != Mask {
		t.Fatalf("Bytes = %q", got)
	}
	clean := []byte("clean text")
	if got := r.Bytes(clean); &got[0] != &clean[0] {
		t.Fatal("Bytes copied a clean slice")
	}
}

func toString(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			b.WriteString(x + " ")
		}
	}
	walk(v)
	return b.String()
}

func TestHandlerRedactsEveryAttribute(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(Handler(slog.NewJSONHandler(&out, nil), New(secret)))
	log = log.With(slog.String("with", "w "+secret)).WithGroup("g")
	log.Error("msg "+strings.ToUpper(secret),
		slog.String("s", secret),
		slog.Any("err", errors.New("failed: "+url.QueryEscape(secret))),
		slog.Any("map", map[string]string{"k": secret}),
		slog.Group("grp", slog.String("inner", base64.StdEncoding.EncodeToString([]byte(secret)))),
		slog.Group("late", slog.Int("first", 1), slog.String("second", secret), slog.Bool("third", true)),
		slog.Group("clean", slog.String("a", "b")),
		slog.Int("n", 3))
	got := out.String()
	for name, form := range forms(secret) {
		if strings.Contains(got, form) {
			t.Errorf("%s form leaked into the log: %s", name, got)
		}
	}
	if !strings.Contains(got, `"n":3`) || strings.Count(got, Mask) < 7 ||
		!strings.Contains(got, `"late":{"first":1,"second":"`+Mask+`","third":true}`) || !strings.Contains(got, `"clean":{"a":"b"}`) {
		t.Errorf("log line lost its shape: %s", got)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("abc", "xx abc yy")
	f.Add(secret, "Bearer "+secret)
	f.Fuzz(func(t *testing.T, s, text string) {
		// A secret with a bracket, or inside the mask, may be formed anew
		// by the mask and its neighbours; any other must be gone.
		if len(s) < MinLen || strings.ContainsAny(s, "[]") || strings.Contains(fold(Mask), fold(s)) {
			return
		}
		if got := New(s).String(text); strings.Contains(fold(got), fold(s)) {
			t.Fatalf("New(%q).String(%q) = %q still holds it", s, text, got)
		}
	})
}

func TestHandlerWrappedTwiceRedactsBothInOnePass(t *testing.T) {
	var out bytes.Buffer
	first, second := "first-secret-4d2a9f", "second-secret-8c1e7b"
	h := Handler(Handler(slog.NewJSONHandler(&out, nil), New(first)), New(second))
	if _, nested := h.(*handler).next.(*handler); nested {
		t.Fatal("a handler wrapping a handler: every record is redacted twice")
	}
	slog.New(h).With(slog.String("w", first)).Info("m "+second, slog.String("a", first), slog.String("b", second))
	got := out.String()
	if strings.Contains(got, first) || strings.Contains(got, second) || strings.Count(got, Mask) != 4 {
		t.Errorf("log line: %s", got)
	}
}
