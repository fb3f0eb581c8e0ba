package upstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Budget bounds the bytes of upstream answers held in memory at once by
// every client that shares it (one per process): a call waits for room,
// within its own deadline, before it reads more of an answer. Build it
// with NewBudget; nil means no bound.
type Budget struct {
	sem  *semaphore.Weighted
	size int64
	held atomic.Int64
}

// NewBudget is a budget of size bytes.
func NewBudget(size int64) *Budget {
	return &Budget{sem: semaphore.NewWeighted(size), size: size}
}

// Held is how many bytes answers hold now (for tests and metrics).
func (b *Budget) Held() int64 {
	if b == nil {
		return 0
	}
	return b.held.Load()
}

func (b *Budget) acquire(ctx context.Context, n int64) error {
	if b == nil || n <= 0 {
		return nil
	}
	if n > b.size {
		return errNoRoom
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return errNoRoom
	}
	b.held.Add(n)
	return nil
}

func (b *Budget) release(n int64) {
	if b == nil || n <= 0 {
		return
	}
	b.held.Add(-n)
	b.sem.Release(n)
}

var (
	errNoRoom   = errors.New("no room in the buffered-answers budget before the deadline")
	errTooLarge = errors.New("the answer exceeds the response cap")
)

// maxPooled is the largest buffer kept for reuse: a typical page (a
// hundred SynergyCRM deals with their includes is about 0.5 MiB) is read
// into a recycled buffer, while a rare huge answer's memory goes back to
// the runtime once it is released instead of staying pinned in the pool.
const maxPooled = 2 << 20

// readChunk is the step in which an answer of unknown length takes room
// from the budget.
const readChunk = 64 << 10

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Pooled counts how many answers were read into a reused buffer; tests
// use it to prove the pool works.
var pooledReuses atomic.Int64

// PooledReuses is how many answers were read into a recycled buffer.
func PooledReuses() int64 { return pooledReuses.Load() }

// hold is what a Response keeps until Release: its pooled buffer and its
// share of the budget.
type hold struct {
	once   sync.Once
	buf    *bytes.Buffer
	budget *Budget
	bytes  int64
}

// releaseBudget gives the budget back; the buffer is left to the caller.
func (h *hold) releaseBudget() { h.budget.release(h.bytes) }

// readBody reads at most limit bytes of body into a pooled buffer, taking
// room from budget as it goes (all of a declared Content-Length at once,
// else readChunk at a time) and waiting for it within ctx. An answer
// longer than limit, declared or read, is errTooLarge without being read
// whole.
func readBody(ctx context.Context, body io.Reader, contentLength, limit int64, budget *Budget) (*hold, error) {
	if contentLength > limit {
		return nil, errTooLarge
	}
	h := &hold{budget: budget}
	fail := func(err error) (*hold, error) {
		h.releaseBudget()
		if h.buf != nil && h.buf.Cap() <= maxPooled {
			bufPool.Put(h.buf)
		}
		return nil, err
	}
	first := int64(readChunk)
	if contentLength >= 0 {
		first = contentLength + 1 // +1: room to see EOF, or a lying length
	}
	first = min(first, limit+1)
	if err := budget.acquire(ctx, first); err != nil {
		return fail(err)
	}
	h.bytes = first
	h.buf = bufPool.Get().(*bytes.Buffer)
	if h.buf.Cap() > 0 {
		pooledReuses.Add(1)
	}
	h.buf.Reset()
	h.buf.Grow(int(min(first, readChunk*16)))
	lr := io.LimitReader(body, limit+1)
	for {
		room := h.bytes - int64(h.buf.Len())
		if room <= 0 {
			step := min(max(h.bytes, readChunk), limit+1-h.bytes)
			if step <= 0 {
				return fail(errTooLarge)
			}
			if err := budget.acquire(ctx, step); err != nil {
				return fail(err)
			}
			h.bytes += step
			continue
		}
		n, err := io.CopyN(h.buf, lr, room)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		if n == 0 {
			break
		}
	}
	if int64(h.buf.Len()) > limit {
		return fail(errTooLarge)
	}
	return h, nil
}

// attach makes r own h: Release gives both back, and if r is dropped
// without Release its budget share is still returned (the buffer is then
// left to the garbage collector, since decoded values may alias it).
func (r *Response) attach(h *hold) {
	r.hold = h
	r.Body = h.buf.Bytes()
	runtime.AddCleanup(r, func(h *hold) { h.once.Do(h.releaseBudget) }, h)
}

// Release ends the life of r.Body: the buffer goes back to the pool (when
// it is small enough to keep) and its bytes back to the budget. Call it
// once the answer is decoded, and only when nothing decoded from it
// still refers to Body's memory (the adapters' decoders copy what they
// keep). Release is idempotent; r.Body must not be used after it.
func (r *Response) Release() {
	if s := r.shared; s != nil {
		if !r.released.Swap(true) {
			r.Body = nil
			if s.refs.Add(-1) == 0 {
				s.orig.Release()
			}
		}
		return
	}
	h := r.hold
	if h == nil {
		return
	}
	h.once.Do(func() {
		h.releaseBudget()
		r.Body = nil
		if h.buf.Cap() <= maxPooled {
			h.buf.Reset()
			bufPool.Put(h.buf)
		}
	})
}
