// Package emukit owns the test machinery the CRM emulators share: the
// recording of the requests an emulator served, the queue of faults
// injected for its next requests, and the carrying out of the faults
// every emulator answers alike (a stall that ends when the client goes
// away, a connection reset, a malformed body, a per-request delay). Each
// emulator keeps its own exported API, its own request and fault types
// and its own error bodies; it builds them on these pieces. Emulators
// import this package, never their adapters.
package emukit

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Recorder keeps the requests an emulator served, in the order they
// arrived, as the emulator's own record type R. It is safe for
// concurrent use; the zero value is empty and ready.
type Recorder[R any] struct {
	mu    sync.Mutex
	reqs  []R
	epoch int // counts Resets, so that a Ticket outlives none
}

// Ticket names one record for Update.
type Ticket struct{ epoch, index int }

// Add records one request.
func (c *Recorder[R]) Add(r R) Ticket {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, r)
	return Ticket{epoch: c.epoch, index: len(c.reqs) - 1}
}

// Update changes the record t names, unless Reset has dropped it since.
func (c *Recorder[R]) Update(t Ticket, change func(*R)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.epoch == c.epoch && t.index < len(c.reqs) {
		change(&c.reqs[t.index])
	}
}

// All returns a copy of the list of records (the records themselves are
// copied as values).
func (c *Recorder[R]) All() []R {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reqs)
}

// Count is the number of records keep accepts (nil: of all records).
func (c *Recorder[R]) Count(keep func(R) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if keep == nil {
		return len(c.reqs)
	}
	n := 0
	for _, r := range c.reqs {
		if keep(r) {
			n++
		}
	}
	return n
}

// Reset forgets every record.
func (c *Recorder[R]) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = nil
	c.epoch++
}

// Queue holds the faults (of the emulator's own type F) injected for the
// next requests. It is safe for concurrent use; the zero value is empty
// and ready.
type Queue[F any] struct {
	mu      sync.Mutex
	pending []*pending[F]
}

type pending[F any] struct {
	f    F
	left int
}

// Add queues f for the next times requests it matches (times <= 0: one).
func (q *Queue[F]) Add(f F, times int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, &pending[F]{f: f, left: max(times, 1)})
}

// Take consumes one use of the first queued fault that match accepts
// (nil: the first fault) and returns it as it was added. Faults are tried
// in the order added; match runs under the queue's lock, so it must not
// call Add, Take or Clear.
func (q *Queue[F]) Take(match func(F) bool) (F, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.pending {
		if match != nil && !match(p.f) {
			continue
		}
		p.left--
		if p.left == 0 {
			q.pending = slices.Delete(q.pending, i, i+1)
		}
		return p.f, true
	}
	var zero F
	return zero, false
}

// Clear drops every queued fault.
func (q *Queue[F]) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = nil
}

// Generic is the part of an injected fault every emulator carries out the
// same way; an emulator answers a fault's status in its own error format.
type Generic struct {
	Stall     time.Duration // wait this long before answering
	Reset     bool          // close the connection without an answer
	Malformed bool          // answer 200 with the Style's truncated body
}

// Style is how one emulator answers the generic faults.
type Style struct {
	ContentType string // of the malformed answer
	Malformed   string // the malformed answer's body: truncated JSON
	// Graceful closes a reset connection in the ordinary way (the client
	// reads EOF) instead of with a TCP RST.
	Graceful bool
}

// Apply carries out g in the order every emulator uses: the stall, then
// the reset or the malformed answer. It reports whether the request is
// done with: answered, dropped, or abandoned by a client that went away
// during the stall. When it is not, the caller answers the fault's status
// (if any) or serves the request normally.
func (s Style) Apply(w http.ResponseWriter, r *http.Request, g Generic) bool {
	if g.Stall > 0 && !Sleep(r.Context(), g.Stall) {
		return true
	}
	switch {
	case g.Reset:
		Hangup(w, !s.Graceful)
		return true
	case g.Malformed:
		w.Header().Set("Content-Type", s.ContentType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(s.Malformed))
		return true
	}
	return false
}

// Sleep waits d or until ctx ends; it reports whether the full time
// passed. Emulators use it for a stall and for their per-request delay,
// so that neither outlives the client.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Hangup drops the connection without a response. With rst, SO_LINGER 0
// makes the close a TCP RST, which clients see as "connection reset by
// peer". A writer that cannot be hijacked aborts the handler instead.
func Hangup(w http.ResponseWriter, rst bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); rst && ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
