package httpserver

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressMinBytes is the size from which an answer is compressed: below
// it, a compressed body and its framing save less than they cost.
const compressMinBytes = 1024

// varyAcceptEncoding is the Vary value compress starts every answer with,
// shared: the transport's Add of "Accept" appends to a copy.
var varyAcceptEncoding = []string{"Accept-Encoding"}

// codings the gateway compresses with, in its order of preference when a
// client accepts several equally: zstd compresses JSON about as well as
// gzip at a fraction of the CPU.
var codings = []string{"zstd", "gzip"}

// compressible reports whether a media type is text worth compressing:
// JSON of every kind (GraphQL, REST, problem documents) and text.
func compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasPrefix(mt, "text/")
}

// negotiateEncoding picks the content coding of an answer from
// Accept-Encoding (RFC 9110 §12.5.3): the acceptable coding with the
// highest weight, ties broken by the gateway's preference; "" is identity.
// No Accept-Encoding means identity.
func negotiateEncoding(values []string) string {
	weights := map[string]float64{}
	star, hasStar := 0.0, false
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil && f >= 0 && f <= 1 {
						q = f
					} else {
						q = 0
					}
				}
			}
			if name == "x-gzip" {
				name = "gzip"
			}
			if name == "*" {
				star, hasStar = q, true
				continue
			}
			weights[name] = q
		}
	}
	best, bestQ := "", 0.0
	for _, c := range codings {
		q, listed := weights[c]
		if !listed && hasStar {
			q = star
		}
		if q > bestQ {
			best, bestQ = c, q
		}
	}
	return best
}

// Both encoders run at their fastest level. An API answer is compressed
// once per request, on the request's own time: the faster levels' larger
// output (a few per cent on JSON) costs the client less than the slower
// levels' CPU costs every request, whose hash tables no longer fit in the
// cache beside the rest of the request's work.
var (
	gzipPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
		return w
	}}
	zstdPool = sync.Pool{New: func() any {
		// One goroutine per encoder and a 1 MiB window keep each encoder's
		// memory small; browsers decode windows up to 8 MiB.
		w, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20),
			zstd.WithEncoderLevel(zstd.SpeedFastest))
		return w
	}}
)

// encoder is a pooled compressor writing to the client.
type encoder interface {
	io.WriteCloser
	Reset(io.Writer)
}

func getEncoder(coding string, w io.Writer) (encoder, func()) {
	switch coding {
	case "gzip":
		g := gzipPool.Get().(*gzip.Writer)
		g.Reset(w)
		return g, func() { g.Reset(io.Discard); gzipPool.Put(g) }
	default:
		z := zstdPool.Get().(*zstd.Encoder)
		z.Reset(w)
		return z, func() { z.Reset(io.Discard); zstdPool.Put(z) }
	}
}

// compress compresses the answers of the API routes (GraphQL and REST)
// from compressMinBytes on, with the coding Accept-Encoding prefers, and
// says so in Vary. A strong ETag is per representation, so a compressed
// answer's tag gets the coding as a suffix ("…+gzip"); the suffix is taken
// off the tags of If-None-Match and If-Match before the handler sees them,
// so the handler compares only its own tags, and a 304 answers with the
// tag the client sent.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := w.Header(); h["Vary"] == nil {
			h["Vary"] = varyAcceptEncoding
		} else {
			h.Add("Vary", "Accept-Encoding")
		}
		stripped := unsuffixTags(r.Header)
		cw := &compressWriter{w: w, coding: negotiateEncoding(r.Header.Values("Accept-Encoding")), stripped: stripped}
		defer cw.finish()
		next.ServeHTTP(cw, r)
	})
}

// unsuffixTags takes the coding suffixes off the entity tags of the
// conditional headers, and returns each bare tag with the suffix it had.
func unsuffixTags(h http.Header) map[string]string {
	var seen map[string]string
	for _, name := range []string{"If-None-Match", "If-Match"} {
		vals := h.Values(name)
		if len(vals) == 0 {
			continue
		}
		changed := false
		var out []string
		for _, v := range vals {
			for _, tag := range strings.Split(v, ",") {
				tag = strings.TrimSpace(tag)
				for _, c := range codings {
					if strings.HasSuffix(tag, "+"+c+`"`) {
						bare := strings.TrimSuffix(tag, "+"+c+`"`) + `"`
						if seen == nil {
							seen = map[string]string{}
						}
						seen[strings.TrimPrefix(bare, "W/")] = c
						tag, changed = bare, true
						break
					}
				}
				if tag != "" {
					out = append(out, tag)
				}
			}
		}
		if changed {
			h.Set(name, strings.Join(out, ", "))
		}
	}
	return seen
}

// withSuffix adds a coding to a strong entity tag.
func withSuffix(tag, coding string) string {
	if !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || len(tag) < 2 {
		return tag
	}
	return tag[:len(tag)-1] + "+" + coding + `"`
}

// compressWriter holds the start of an answer until it knows whether the
// answer is long enough to compress, then either compresses the rest as
// it comes or writes it as it is.
type compressWriter struct {
	w        http.ResponseWriter
	coding   string            // negotiated; "" is identity
	stripped map[string]string // bare tag → the coding suffix the client sent
	status   int
	buf      []byte
	enc      encoder
	release  func()
	// done: the status line and headers are out (compressed or not);
	// writes go to enc, else straight to w.
	done bool
}

func (cw *compressWriter) Header() http.Header { return cw.w.Header() }

func (cw *compressWriter) WriteHeader(status int) {
	if cw.done || cw.status != 0 {
		return
	}
	if status < 200 {
		cw.w.WriteHeader(status) // informational answers pass
		return
	}
	cw.status = status
	if status == http.StatusNoContent || status == http.StatusNotModified {
		if status == http.StatusNotModified {
			if c := cw.stripped[cw.w.Header().Get("ETag")]; c != "" {
				cw.w.Header().Set("ETag", withSuffix(cw.w.Header().Get("ETag"), c))
			}
		}
		cw.commit(false)
	}
}

func (cw *compressWriter) Write(p []byte) (int, error) {
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	if !cw.done {
		h := cw.w.Header()
		if cw.coding == "" || h.Get("Content-Encoding") != "" || !compressible(h.Get("Content-Type")) {
			cw.commit(false)
		} else if len(cw.buf)+len(p) < compressMinBytes {
			cw.buf = append(cw.buf, p...)
			return len(p), nil
		} else {
			cw.commit(true)
		}
	}
	if cw.enc != nil {
		return cw.enc.Write(p)
	}
	return cw.w.Write(p)
}

// commit sends the status line and headers, compressed or not, and what
// was held back.
func (cw *compressWriter) commit(compressed bool) {
	cw.done = true
	h := cw.w.Header()
	if compressed {
		h.Set("Content-Encoding", cw.coding)
		h.Del("Content-Length")
		if tag := h.Get("ETag"); tag != "" {
			h.Set("ETag", withSuffix(tag, cw.coding))
		}
		cw.enc, cw.release = getEncoder(cw.coding, cw.w)
	}
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	cw.w.WriteHeader(cw.status)
	if len(cw.buf) > 0 {
		if cw.enc != nil {
			_, _ = cw.enc.Write(cw.buf)
		} else {
			_, _ = cw.w.Write(cw.buf)
		}
		cw.buf = nil
	}
}

// Flush sends what is held back (uncompressed when it is still short).
func (cw *compressWriter) Flush() {
	if !cw.done && cw.status != 0 {
		cw.commit(false)
	}
	if z, ok := cw.enc.(interface{ Flush() error }); ok {
		_ = z.Flush()
	}
	if f, ok := cw.w.(http.Flusher); ok {
		f.Flush()
	}
}

// finish ends the answer: an answer shorter than the threshold goes out
// as it is, a compressed one gets its trailer.
func (cw *compressWriter) finish() {
	if !cw.done && cw.status != 0 {
		cw.commit(false)
	}
	if cw.enc != nil {
		_ = cw.enc.Close()
		cw.release()
		cw.enc = nil
	}
}
