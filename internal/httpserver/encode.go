package httpserver

import (
	"bytes"
	"encoding/json"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crmgateway/gateway/internal/jsonscan"
)

// encodeResponse writes resp exactly as json.Marshal would, without
// json.Marshal's second pass over data: the executor's output is already
// compact, valid JSON, so only what encoding/json escapes in a RawMessage
// (<, >, & and U+2028/U+2029) is rewritten, in one scan. Errors and
// extensions, small and rare, still go through encoding/json. A response
// that uses the incremental-delivery members is left to json.Marshal.
func encodeResponse(buf *bytes.Buffer, resp *graphql.Response) error {
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		b, err := json.Marshal(resp)
		buf.Write(b)
		return err
	}
	buf.WriteByte('{')
	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			return err
		}
		buf.WriteString(`"errors":`)
		buf.Write(b)
		buf.WriteByte(',')
	}
	buf.WriteString(`"data":`)
	if resp.Data == nil {
		buf.WriteString("null")
	} else {
		writeEscapedJSON(buf, resp.Data)
	}
	if len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp.Extensions)
		if err != nil {
			return err
		}
		buf.WriteString(`,"extensions":`)
		buf.Write(b)
	}
	buf.WriteByte('}')
	return nil
}

// writeEscapedJSON copies compact JSON, escaping the characters
// encoding/json's HTML-safe output escapes.
func writeEscapedJSON(buf *bytes.Buffer, src []byte) {
	start := 0
	for i := 0; i < len(src); i++ {
		// Past what surely needs no escaping, a word at a time.
		if i += jsonscan.HTMLSafePrefix(src[i:]); i >= len(src) {
			break
		}
		c := src[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			buf.Write(src[start:i])
			buf.WriteString(`\u00`)
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
			// U+2028 and U+2029 (E2 80 A8/A9)
			r, _ := utf8.DecodeRune(src[i:])
			buf.Write(src[start:i])
			buf.WriteString(`\u202`)
			buf.WriteByte(hexDigits[r&0xF])
			i += 2
			start = i + 1
		}
	}
	buf.Write(src[start:])
}

const hexDigits = "0123456789abcdef"

// bufPool recycles response buffers between requests.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps one huge response from pinning its buffer.
const maxPooledBuffer = 1 << 20
