package rest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/problem"
)

// etag is the strong entity tag of a body: the same bytes, the same tag
// (RFC 9110 §8.8.3), so a client can revalidate any GET answer.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// entityTags splits the values of If-Match or If-None-Match into entity
// tags ("*" included).
func entityTags(values []string) []string {
	var out []string
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// noneMatch evaluates If-None-Match with the weak comparison RFC 9110
// §13.1.2 prescribes: true when a tag (or "*") matches the current one.
func noneMatch(values []string, current string) bool {
	for _, t := range entityTags(values) {
		if t == "*" || strings.TrimPrefix(t, "W/") == current {
			return true
		}
	}
	return false
}

// match evaluates If-Match with the strong comparison of RFC 9110
// §13.1.1: a weak tag never matches.
func match(values []string, current string) bool {
	for _, t := range entityTags(values) {
		if t == "*" || t == current {
			return true
		}
	}
	return false
}

// validated sets the ETag of a GET answer and answers 304 Not Modified
// when If-None-Match already names it; it reports whether it answered.
func (a *API) validated(w http.ResponseWriter, r *http.Request, body []byte) bool {
	tag := etag(body)
	w.Header().Set("ETag", tag)
	if inm := r.Header.Values("If-None-Match"); len(inm) > 0 && noneMatch(inm, tag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// cacheControl is how long a GET answer may be reused: reference data the
// gateway itself caches for ReferenceMaxAge may be reused as long, by the
// caller only (answers depend on the caller's tenant and scopes);
// everything else is revalidated with its ETag on every use.
func (a *API) cacheControl(rt *Route) string {
	if a.opts.ReferenceMaxAge >= 1e9 && rt.Result.Type != nil && a.reference[rt.Result.Type.Name] {
		return "private, max-age=" + strconv.Itoa(int(a.opts.ReferenceMaxAge.Seconds()))
	}
	return "private, no-cache"
}

// ifMatch evaluates If-Match before a PATCH or DELETE runs; it reports
// whether the write may go ahead, having answered otherwise. Neither CRM
// that takes writes has conditional writes, so the gateway reads the
// target's current representation, as its GET would answer it, and
// compares tags. It does so only where that representation carries the
// upstream's version (its updatedAt, which the CRM changes with every
// write, relationships included); elsewhere an If-Match cannot be
// honoured, and the write is refused with 412 rather than made
// unconditionally. The check and the write are two upstream calls: a
// change made in the CRM between them, milliseconds apart, is not seen.
func (a *API) ifMatch(w http.ResponseWriter, r *http.Request, rt *Route, gql http.Handler, vars map[string]any) bool {
	im := r.Header.Values("If-Match")
	if len(im) == 0 {
		return true
	}
	item := a.versioned[rt.Method+" "+rt.Path]
	if item == nil {
		a.preconditionFailed(w, r, "If-Match cannot be honoured here: the CRM keeps no version of this resource, "+
			"so the gateway cannot tell whether it changed; nothing was changed (send the request without If-Match "+
			"to change it unconditionally)")
		return false
	}
	res, err := execute(r, gql, item.Document, map[string]any{"id": vars["id"]})
	if err != nil {
		a.fail(w, r, apierr.Internal, "internal error")
		return false
	}
	cur := a.render(r, item, res)
	if p := cur.problem; p != nil {
		if p.items[0].Code == string(apierr.NotFound) {
			a.preconditionFailed(w, r, "If-Match names a representation, and this resource has none: "+p.items[0].Detail)
			return false
		}
		a.writeProblem(w, r, p.status, p.items)
		return false
	}
	tag := etag(cur.body)
	if !match(im, tag) {
		w.Header().Set("ETag", tag)
		a.preconditionFailed(w, r, "the resource has changed since the representation If-Match names; "+
			"read it again (its current ETag is in this answer) and retry")
		return false
	}
	return true
}

func (a *API) preconditionFailed(w http.ResponseWriter, r *http.Request, detail string) {
	a.writeProblem(w, r, http.StatusPreconditionFailed, []problem.Item{{Code: problem.PreconditionFailed, Detail: detail}})
}

// pageLinks are the URLs of the pages after and before a connection's
// ("" where there is none): the request's own path and query with the
// paging parameters replaced, forward by first and after (the page's
// endCursor), backward by last and before (its startCursor). The page
// size is the one the request asked for, by first or last, and is left to
// the default when it asked for none.
func pageLinks(r *http.Request, rt *Route, conn object) (next, prev string) {
	var pi struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	}
	if err := json.Unmarshal(conn.get("pageInfo"), &pi); err != nil {
		return "", ""
	}
	level := len(rt.Result.Path) - 1
	names := map[string]string{} // GraphQL argument → REST parameter
	for _, p := range rt.Params {
		if p.In == "query" && p.Level == level {
			switch p.Arg.Name {
			case "first", "after", "last", "before":
				names[p.Arg.Name] = p.Name
			}
		}
	}
	q := r.URL.Query()
	size := ""
	for _, arg := range []string{"first", "last"} {
		if n := names[arg]; n != "" && size == "" {
			size = q.Get(n)
		}
	}
	var kept []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if kv == "" {
			continue
		}
		if uk, err := url.QueryUnescape(k); err == nil && uk != "" &&
			(uk == names["first"] || uk == names["after"] || uk == names["last"] || uk == names["before"]) {
			continue
		}
		kept = append(kept, kv)
	}
	link := func(sizeName, cursorName, cursor string) string {
		out := append([]string{}, kept...)
		if size != "" && sizeName != "" {
			out = append(out, url.QueryEscape(sizeName)+"="+url.QueryEscape(size))
		}
		out = append(out, url.QueryEscape(cursorName)+"="+url.QueryEscape(cursor))
		return r.URL.EscapedPath() + "?" + strings.Join(out, "&")
	}
	if pi.HasNextPage && pi.EndCursor != nil && names["after"] != "" {
		next = link(names["first"], names["after"], *pi.EndCursor)
	}
	if pi.HasPreviousPage && pi.StartCursor != nil && names["before"] != "" {
		prev = link(names["last"], names["before"], *pi.StartCursor)
	}
	return next, prev
}
