// Package problem owns the error document of the REST facade: RFC 9457
// problem details (application/problem+json), one type URI and title per
// error code, and the request mark that makes the gateway's middleware
// refuse REST requests in that format. It is a leaf: it imports nothing of
// the project.
package problem

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// MediaType is the media type of a problem document.
const MediaType = "application/problem+json"

// TypePrefix starts every problem type URI; the code, lower-case and
// kebab-cased, follows (tag:crm-gateway,2025:problem/not-found). Tag URIs
// (RFC 4151) identify without pretending to be a page to fetch; the README
// documents each type.
const TypePrefix = "tag:crm-gateway,2025:problem/"

// TypeURI is the problem type of an error code.
func TypeURI(code string) string {
	return TypePrefix + strings.ReplaceAll(strings.ToLower(code), "_", "-")
}

// titles are the fixed, human-readable summaries of each problem type; a
// title never changes from one occurrence to the next (RFC 9457 §3.1.3).
var titles = map[string]string{
	"BAD_USER_INPUT":            "The request is not valid",
	"NOT_FOUND":                 "Not found",
	"UNAUTHENTICATED":           "Authentication required",
	"FORBIDDEN":                 "Not allowed for this caller",
	"UPSTREAM_UNAUTHENTICATED":  "The CRM refused the gateway's credentials",
	"UPSTREAM_FORBIDDEN":        "The CRM does not allow the gateway this operation",
	"UPSTREAM_ERROR":            "The CRM answered with an error",
	"UPSTREAM_TIMEOUT":          "The CRM did not answer in time",
	"UPSTREAM_UNAVAILABLE":      "The CRM cannot be reached",
	"UPSTREAM_DISABLED":         "The CRM is not configured on this gateway",
	"RATE_LIMITED":              "Too many requests",
	"QUERY_TOO_COMPLEX":         "The request exceeds a limit",
	"PERSISTED_QUERY_NOT_FOUND": "Unknown persisted document",
	"INTERNAL":                  "Internal error",
	PreconditionFailed:          "Precondition failed",
}

// PreconditionFailed is the REST facade's own code for an If-Match the
// target's current representation does not satisfy, or cannot be checked
// against (HTTP 412). GraphQL never raises it.
const PreconditionFailed = "PRECONDITION_FAILED"

// Title is the title of a code's problem type.
func Title(code string) string {
	if t, ok := titles[code]; ok {
		return t
	}
	return "Error"
}

// Item is one error of a problem: its code, what went wrong and what it is
// about. Extra holds further members (outcome, retryAfterSeconds,
// upstreamCode, …), which never override the named ones.
type Item struct {
	Code     string
	Detail   string
	Upstream string
	// Field names the REST parameter at fault: first, filter[lastName],
	// id, body.lastName.
	Field string
	Extra map[string]any
}

// Problem is one problem document. The first item gives its type, title,
// detail and members; with more than one, every item is listed in errors.
type Problem struct {
	Status   int
	Instance string
	// RequestID is the X-Request-Id the gateway echoes on the answer.
	RequestID string
	Items     []Item
}

// MarshalJSON renders p with RFC 9457's members first (type, title,
// status, detail, instance), then the gateway's (code, upstream, field,
// requestId, the rest in name order) and, with several errors, errors.
func (p Problem) MarshalJSON() ([]byte, error) {
	first := Item{Code: "INTERNAL", Detail: "internal error"}
	if len(p.Items) > 0 {
		first = p.Items[0]
	}
	var o ordered
	o.add("type", TypeURI(first.Code))
	o.add("title", Title(first.Code))
	o.add("status", p.Status)
	first.write(&o, p.Instance, p.RequestID)
	if len(p.Items) > 1 {
		errs := make([]json.RawMessage, len(p.Items))
		for i, it := range p.Items {
			var e ordered
			e.add("type", TypeURI(it.Code))
			e.add("title", Title(it.Code))
			it.write(&e, "", "")
			errs[i] = e.bytes()
		}
		o.add("errors", errs)
	}
	return o.bytes(), o.err
}

// write adds an item's members after the type, title and status.
func (it Item) write(o *ordered, instance, requestID string) {
	o.add("detail", it.Detail)
	if instance != "" {
		o.add("instance", instance)
	}
	o.add("code", it.Code)
	if it.Upstream != "" {
		o.add("upstream", it.Upstream)
	}
	if it.Field != "" {
		o.add("field", it.Field)
	}
	if requestID != "" {
		o.add("requestId", requestID)
	}
	keys := make([]string, 0, len(it.Extra))
	for k := range it.Extra {
		switch k {
		case "type", "title", "status", "detail", "instance", "code", "upstream", "field", "requestId", "errors":
		default:
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.add(k, it.Extra[k])
	}
}

// ordered is a JSON object written member by member, in order.
type ordered struct {
	b   bytes.Buffer
	err error
}

func (o *ordered) add(k string, v any) {
	if o.b.Len() == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	kb, _ := json.Marshal(k)
	o.b.Write(kb)
	o.b.WriteByte(':')
	vb, err := json.Marshal(v)
	if err != nil {
		o.err, vb = err, []byte("null")
	}
	o.b.Write(vb)
}

func (o *ordered) bytes() []byte {
	if o.b.Len() == 0 {
		return []byte("{}")
	}
	return append(o.b.Bytes(), '}')
}

// Write answers with p. An error is never stored by a cache.
func Write(w http.ResponseWriter, p Problem) {
	body, err := p.MarshalJSON()
	if err != nil {
		body = []byte(`{"type":"` + TypeURI("INTERNAL") + `","title":"Internal error","status":500,"code":"INTERNAL","detail":"internal error"}`)
		p.Status = http.StatusInternalServerError
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", MediaType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

type markKey struct{}

// Mark makes every refusal of the request a problem document: the routes
// it wraps speak RFC 9457, whatever middleware refuses them.
func Mark(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), markKey{}, true)))
	})
}

// Wanted reports whether the request went through Mark.
func Wanted(ctx context.Context) bool {
	v, _ := ctx.Value(markKey{}).(bool)
	return v
}
