// Command proxy is the floor under the gateway's added latency: bare
// net/http answering each POST /graphql with the one upstream GET the
// gateway makes for the shared benchmark's S3 (the body read whole, as
// the gateway reads it) and then fixed answer bytes. tests/bench-ab/tail.sh
// loads it beside the gateway, so that the tail the host adds to any
// server that makes an upstream call is told apart from the gateway's own.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7072", "listen address")
	upstream := flag.String("upstream", "", "the URL each query GETs")
	token := flag.String("token", "", "Bearer token for the upstream")
	answer := flag.String("answer", "", "file holding the answer's bytes")
	flag.Parse()
	body, err := os.ReadFile(*answer)
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: 64, ReadBufferSize: 64 << 10, DisableCompression: true}}
	http.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, *upstream, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			http.Error(w, "upstream: "+resp.Status, http.StatusBadGateway)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: *addr, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
