package jsonscan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// seeds are texts at the edges of the grammar, valid and not.
var seeds = []string{
	``, ` `, `null`, `true`, `false`, `nul`, `tru`, `fals`, `nulll`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e`, `1e+`,
	`1E-7`, `-12.5e10`, `.5`, `+1`, `""`, `"a"`, `"\u00e9"`, `"\u00g9"`, `"\x"`, `"\/\b\f\n\r\t\"\\"`, `"abc`, "\"a\tb\"",
	"\"\xff\xfe\"", `"0123456789abcdef\"0123456789"`, "\"01234567\x01\"", `[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`,
	`{}`, `{ }`, `{"a":1}`, `{"a" 1}`, `{"a":}`, `{"a":1,}`, `{1:2}`, `{"a":1 "b":2}`, `{"a":[{"b":null}]}`,
	` {"a" : [ 1 , "x" ] } `, `1 2`, `{} x`, "\ufeff{}", `[[[[]]]]`, `[[[[]]]`,
}

// deepSeeds sit at the nesting limit; they are unit cases only, as the
// fuzzer would spend its time mutating their twenty thousand bytes.
var deepSeeds = []string{
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth),
	strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1),
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range append(slices.Clone(seeds), deepSeeds...) {
		t.Run(truncate(s), func(t *testing.T) {
			if got, want := Valid(s), json.Valid([]byte(s)); got != want {
				t.Fatalf("Valid(%q) = %v, json.Valid %v", s, got, want)
			}
			if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
				t.Fatalf("Valid([]byte %q) = %v, json.Valid %v", s, got, want)
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 20 {
		return s[:20]
	}
	return s
}

func TestSyntaxErrorOffset(t *testing.T) {
	tests := []struct {
		in   string
		off  int
		want string
	}{
		{`[1,}`, 3, `invalid character '}' looking for beginning of value (offset 3)`},
		{`{"a" 1}`, 5, `invalid character '1' after object key (offset 5)`},
		{`"ab`, 3, `unexpected end of JSON input (offset 3)`},
		{`"a\q"`, 3, `invalid character 'q' in string escape code (offset 3)`},
		{`tru`, 3, `unexpected end of JSON input (offset 3)`},
		{`-x`, 1, `invalid character 'x' in numeric literal (offset 1)`},
		{strings.Repeat("[", MaxDepth+1), MaxDepth, `exceeded max depth (offset 10000)`},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 10)], func(t *testing.T) {
			_, err := ValueEnd(tt.in, 0, 0)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ValueEnd(%q) error %v, want a *SyntaxError", tt.in, err)
			}
			if se.Offset != tt.off || se.Error() != tt.want {
				t.Fatalf("ValueEnd(%q) error %q at %d, want %q at %d", tt.in, se, se.Offset, tt.want, tt.off)
			}
		})
	}
}

func TestStringEndFlags(t *testing.T) {
	tests := []struct {
		in            string
		escaped, wide bool
	}{
		{`"plain ascii text that is longer than eight"`, false, false},
		{`"a\nb"`, true, false},
		{`"привет, это длинная строка"`, false, true},
		{`"é\u0041"`, true, true},
		{"\"12345678\xff\"", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			end, esc, wide, err := StringEnd(tt.in+" tail", 0)
			if err != nil || end != len(tt.in) || esc != tt.escaped || wide != tt.wide {
				t.Fatalf("StringEnd(%q) = %d, %v, %v, %v; want %d, %v, %v, nil", tt.in, end, esc, wide, err, len(tt.in), tt.escaped, tt.wide)
			}
		})
	}
}

func TestScanObject(t *testing.T) {
	d := ` {"id": 7, "na\u006de" : "x", "list":[1,{"a":2}] } `
	ms, err := ScanObject(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	var keys, vals []string
	for _, m := range ms {
		keys = append(keys, KeyOf(d, m))
		vals = append(vals, d[m.ValueStart:m.ValueEnd])
	}
	if !slices.Equal(keys, []string{"id", "name", "list"}) || !slices.Equal(vals, []string{"7", `"x"`, `[1,{"a":2}]`}) {
		t.Fatalf("members %q = %q", keys, vals)
	}
	if !KeyIs(d, ms[1], "name") || KeyIs(d, ms[0], "ID") {
		t.Fatal("KeyIs does not match keys as decoded, exactly")
	}
	for _, bad := range []string{`[1]`, `{"a":1} 2`, `{"a":1,}`, `{`} {
		if _, err := ScanObject(bad, nil); err == nil {
			t.Errorf("ScanObject(%q) accepted it", bad)
		}
	}
	if _, err := ScanObject(`"s"`, nil); !errors.Is(err, ErrNotObject) {
		t.Errorf("ScanObject of a string: %v, want ErrNotObject", err)
	}
}

func TestArrays(t *testing.T) {
	d := []byte(` [ 1 , "a" , {"b":[]} , null ] `)
	els, err := ScanArray(d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`1`, `"a"`, `{"b":[]}`, `null`}
	var got []string
	for _, e := range els {
		got = append(got, string(e))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ScanArray = %q, want %q", got, want)
	}
	n, err := CountElements(d)
	if err != nil || n != 4 {
		t.Fatalf("CountElements = %d, %v", n, err)
	}
	got = got[:0]
	for e := range Elements(d) {
		got = append(got, string(e))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Elements = %q, want %q", got, want)
	}
	if n, err := CountElements(`[]`); err != nil || n != 0 {
		t.Fatalf("CountElements([]) = %d, %v", n, err)
	}
	for _, bad := range []string{`{}`, `[1,]`, `[1] x`, `[`} {
		if _, err := ScanArray(bad); err == nil {
			t.Errorf("ScanArray(%q) accepted it", bad)
		}
		if _, err := CountElements(bad); err == nil {
			t.Errorf("CountElements(%q) accepted it", bad)
		}
	}
}

func TestUnquoteAndPlain(t *testing.T) {
	tests := []struct {
		lit, want string
		plain     bool
	}{
		{`"abc"`, "abc", true},
		{`"жёлтый"`, "жёлтый", true},
		{`"a\"b"`, `a"b`, false},
		{`"\u0416"`, "Ж", false},
		{"\"a\xffb\"", "a\ufffdb", false},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := Decode([]byte(tt.lit)); got != tt.want {
				t.Fatalf("Decode(%q) = %q", tt.lit, got)
			}
			if p := PlainString(tt.lit[1 : len(tt.lit)-1]); p != tt.plain {
				t.Fatalf("PlainString(%q) = %v", tt.lit, p)
			}
			c := Cursor{B: []byte(tt.lit)}
			s, err := c.Str()
			if err != nil || s.String() != tt.want || s.Raw == tt.plain {
				t.Fatalf("Cursor.Str(%q) = %+v, %v", tt.lit, s, err)
			}
		})
	}
}

func TestCursor(t *testing.T) {
	c := Cursor{B: []byte(` {"a": [1, {"b": "x"}], "c": null} `)}
	var got []string
	var elem func() error
	elem = func() error {
		if c.Peek() == '{' {
			return c.Object(func(k Str) error {
				got = append(got, k.String())
				if k.String() == "a" {
					return c.Array(elem)
				}
				v, err := c.SkipValue()
				got = append(got, string(v))
				return err
			})
		}
		return c.Value()
	}
	if err := elem(); err != nil {
		t.Fatal(err)
	}
	if c.Space(); c.I != len(c.B) || c.Depth != 0 {
		t.Fatalf("cursor at %d depth %d after the document", c.I, c.Depth)
	}
	if want := []string{"a", "b", `"x"`, "c", "null"}; !slices.Equal(got, want) {
		t.Fatalf("read %q, want %q", got, want)
	}
	deep := Cursor{B: []byte(strings.Repeat("[", MaxDepth) + "[]" + strings.Repeat("]", MaxDepth)), Depth: 0}
	var arr func() error
	arr = func() error { return deep.Array(arr) }
	if err := arr(); err == nil {
		t.Fatal("Cursor accepted nesting past MaxDepth")
	}
}

// TestSpecial checks the eight-bytes-at-a-time test against the byte table
// for every byte value at every position, next to every other kind.
func TestSpecial(t *testing.T) {
	for pos := range 8 {
		for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, 0x20, '!', '#', '[', ']'} {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				want := false
				for _, x := range b {
					want = want || !PlainASCII(x) && x < 0x80
				}
				if got := Special(binary.LittleEndian.Uint64(b[:])); got != want {
					t.Fatalf("Special(%q) = %v, want %v", b, got, want)
				}
				first := 0
				for first < 8 && (PlainASCII(b[first]) || b[first] >= 0x80) {
					first++
				}
				if got := firstByte(specialMask(binary.LittleEndian.Uint64(b[:]))); got != first {
					t.Fatalf("first special byte of %q: %d, want %d", b, got, first)
				}
				if got := load64(string(b[:]), 0); got != binary.LittleEndian.Uint64(b[:]) {
					t.Fatalf("load64(%q) = %x", b, got)
				}
			}
		}
	}
}

// TestFirstSpecial checks the index of the first byte needing attention
// among several, on every word of bytes drawn from both kinds.
func TestFirstSpecial(t *testing.T) {
	kinds := []byte{'a', '"', '\\', 0x00, 0x1f, 0x20, 0x80, 0xff}
	var b [8]byte
	for n := range 1 << 24 { // every word of 8 bytes from kinds
		for i := range b {
			b[i] = kinds[n>>(3*i)&7]
		}
		first := 0
		for first < 8 && (PlainASCII(b[first]) || b[first] >= 0x80) {
			first++
		}
		if got := firstByte(specialMask(binary.LittleEndian.Uint64(b[:]))); got != first {
			t.Fatalf("first special byte of %q: %d, want %d", b, got, first)
		}
	}
}

// FuzzValid holds the scanner's verdict to encoding/json's, on strings and
// byte slices, and checks that an accepted value's members and elements
// are what encoding/json finds.
func FuzzValid(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := json.Valid([]byte(s))
		if got := Valid(s); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid %v", s, got, want)
		}
		if got := Valid([]byte(s)); got != want {
			t.Fatalf("Valid([]byte %q) = %v, json.Valid %v", s, got, want)
		}
		c := Cursor{B: []byte(s)}
		err := c.Value()
		if err == nil {
			c.Space()
			if c.I != len(s) {
				err = errors.New("trailing data")
			}
		}
		if (err == nil) != want {
			t.Fatalf("Cursor.Value(%q): %v, json.Valid %v", s, err, want)
		}
		if !want {
			return
		}
		var els []json.RawMessage
		if json.Unmarshal([]byte(s), &els) == nil && els != nil {
			got, err := ScanArray(s)
			if err != nil || len(got) != len(els) {
				t.Fatalf("ScanArray(%q) = %q, %v; encoding/json %q", s, got, err, els)
			}
			for i := range els {
				if got[i] != string(els[i]) {
					t.Fatalf("ScanArray(%q)[%d] = %q, want %q", s, i, got[i], els[i])
				}
			}
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &obj) == nil && obj != nil {
			ms, err := ScanObject(s, nil)
			if err != nil {
				t.Fatalf("ScanObject(%q): %v", s, err)
			}
			last := map[string]string{}
			for _, m := range ms {
				last[KeyOf(s, m)] = s[m.ValueStart:m.ValueEnd]
			}
			if len(last) != len(obj) {
				t.Fatalf("ScanObject(%q) keys %v, encoding/json %v", s, last, obj)
			}
			for k, v := range obj {
				if last[k] != string(v) {
					t.Fatalf("ScanObject(%q)[%q] = %q, want %q", s, k, last[k], v)
				}
			}
		}
	})
}

// TestDecode: scanned strings decode as encoding/json decodes them (the
// GraphQL transport's fuzz target FuzzDecodeJSON checks any text).
func TestDecode(t *testing.T) {
	for lit, want := range map[string]string{
		`"plain"`:                  "plain",
		`"a\"b\\c\/d\b\f\n\r\t"`:   "a\"b\\c/d\b\f\n\r\t",
		`"\u00e9\u0041"`:           "éA",
		`"\ud83d\ude00"`:           "😀",
		`"\ud83d"`:                 "\ufffd",
		`"\ud83dx"`:                "\ufffdx",
		`"\ud83d\u0041"`:           "\ufffdA",
		"\"\xff\\n\"":              "\ufffd\n",
		`"\ude00\ud83d\ude00 end"`: "\ufffd😀 end",
	} {
		if got := Decode([]byte(lit)); got != want {
			t.Errorf("%s: %q, want %q", lit, got, want)
		}
	}
}

// TestShortEnd: the one-word reading of a short string ends where
// StringEnd does, and only for strings of plain ASCII without escapes.
func TestShortEnd(t *testing.T) {
	kinds := []byte{'a', '"', '\\', 0x01, 0x80, 'n'}
	for n := range 1 << 20 { // bodies of up to 10 bytes after the quote
		b := []byte{'"'}
		for x := n; len(b) < 11; x /= 6 {
			b = append(b, kinds[x%6])
		}
		end := shortEnd(b, 0)
		if end == 0 {
			continue
		}
		want, esc, wide, err := StringEnd(b, 0)
		if err != nil || esc || wide || want != end {
			t.Fatalf("shortEnd(%q) = %d; StringEnd says %d, escaped %v, wide %v, %v", b, end, want, esc, wide, err)
		}
	}
}

// TestPlainPrefix: the word-at-a-time prefix ends where a byte loop does.
func TestPlainPrefix(t *testing.T) {
	kinds := []byte{'a', '"', '\\', 0x00, 0x1f, 0x20, 0x80, 0xff}
	for n := range 1 << 18 {
		b := make([]byte, 0, 12)
		for x := n; len(b) < 6+n%7; x /= 8 {
			b = append(b, kinds[x%8])
		}
		want := 0
		for want < len(b) && (b[want] >= 0x20 && b[want] != '"' && b[want] != '\\') {
			want++
		}
		if got := PlainPrefix(string(b)); got != want {
			t.Fatalf("PlainPrefix(%q) = %d, want %d", b, got, want)
		}
	}
}

// TestHTMLSafePrefix: the word-at-a-time prefix ends where a byte loop
// does, over every word drawn from the bytes that matter.
func TestHTMLSafePrefix(t *testing.T) {
	kinds := []byte{'a', '<', '>', '&', 0xE2, 0xE1, 0xE3, 0x80}
	for n := range 1 << 18 {
		b := make([]byte, 0, 12)
		for x := n; len(b) < 6+n%7; x /= 8 {
			b = append(b, kinds[x%8])
		}
		want := 0
		for want < len(b) && !bytes.ContainsRune([]byte("<>&"), rune(b[want])) && b[want] != 0xE2 {
			want++
		}
		if got := HTMLSafePrefix(b); got != want {
			t.Fatalf("HTMLSafePrefix(%q) = %d, want %d", b, got, want)
		}
	}
}
