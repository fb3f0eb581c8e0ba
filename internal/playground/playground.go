// Package playground serves GraphiQL from assets embedded in the binary
// (built from playground/ by `make playground`), so it needs no CDN.
package playground

import (
	"bytes"
	"embed"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// dist is the Vite build of playground/: index.html, favicon.svg and
// content-hashed files under assets/ (scripts, styles, fonts, workers).
//
//go:embed all:dist
var dist embed.FS

// CSP is the Content-Security-Policy of every playground response. Scripts
// and workers come only from the gateway itself, with no inline script; the
// page may connect only to its own origin (the /graphql endpoint). Styles
// allow 'unsafe-inline' because the Monaco editor writes <style> elements at
// run time; fonts allow data: because GraphiQL's stylesheet embeds its fonts.
const CSP = "default-src 'none'; script-src 'self'; worker-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; " +
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the playground under prefix (e.g. "/playground"): the page
// at prefix and prefix/, its files below prefix/. Anything else is a 404;
// directories are never listed.
func Handler(prefix string) http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	index, err := fs.ReadFile(root, "index.html")
	if err != nil {
		panic(err) // the build always writes index.html
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, prefix), "/")
		if name == "" || name == "index.html" {
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
			return
		}
		f, err := root.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		rs, seekable := f.(io.ReadSeeker)
		if err != nil || !st.Mode().IsRegular() || !seekable {
			http.NotFound(w, r)
			return
		}
		if ct := contentType(name); ct != "" {
			h.Set("Content-Type", ct)
		}
		if strings.HasPrefix(name, "assets/") {
			// Content-hashed names: a file never changes under its name.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeContent(w, r, name, time.Time{}, rs)
	})
}

// contentType names the media types of the built files explicitly: a
// minimal container has no mime.types, and module scripts and workers are
// refused under any type but JavaScript.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".ttf":
		return "font/ttf"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	case ".json":
		return "application/json"
	}
	return mime.TypeByExtension(path.Ext(name))
}
