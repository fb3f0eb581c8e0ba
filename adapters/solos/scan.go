package solos

// What the Solos decoder adds to the shared validating scanner
// (internal/jsonscan): re-encoding the keys of the attributes a record
// keeps verbatim, as json.Marshal of the decoded map would write them.

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/crmgateway/gateway/internal/jsonscan"
)

// text is what the scanner reads: a body or a record cut from one.
type text = jsonscan.Text

// span locates one member of an object; Mark is set on the members a
// record keeps verbatim.
type span = jsonscan.Member

// appendKey writes a member's key as json.Marshal writes the decoded key:
// its own bytes when they need no escaping, else re-encoded.
func appendKey(b []byte, rec string, m span) []byte {
	raw := rec[m.KeyStart:m.KeyEnd]
	if !m.Escaped && marshalsAsIs(raw[1:len(raw)-1]) {
		return append(b, raw...)
	}
	k, _ := json.Marshal(jsonscan.KeyOf(rec, m))
	return append(b, k...)
}

// marshalsAsIs reports whether json.Marshal writes s (already free of
// quotes, backslashes and control characters) unchanged: no HTML-escaped
// characters, valid UTF-8, no U+2028/U+2029.
func marshalsAsIs(s string) bool {
	high := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return !high || utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}
