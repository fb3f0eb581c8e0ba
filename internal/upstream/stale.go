package upstream

import (
	"container/list"
	"net/http"
	"sync"
	"time"
)

// staleStore keeps the last good answer of each GET for a bounded
// window, so that a read the upstream cannot serve (no answer, a 5xx,
// an open breaker) is answered from it, marked stale, instead of failing.
// It is per client, hence per CRM account: two tenants never share it.
// It holds at most maxBytes of bodies, least recently stored first out.
type staleStore struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // front = newest
	byKey    map[string]*list.Element
}

type staleEntry struct {
	key    string
	status int
	header http.Header
	body   []byte
	at     time.Time
}

// staleStoreBytes bounds each client's last good answers.
const staleStoreBytes = 8 << 20

func newStaleStore(maxBytes int) *staleStore {
	return &staleStore{maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (s *staleStore) put(key string, status int, header http.Header, body []byte) {
	if len(body) > s.maxBytes/4 {
		return // one answer may not crowd out the rest
	}
	e := &staleEntry{key: key, status: status, header: header.Clone(), body: append([]byte(nil), body...), at: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.byKey[key]; ok {
		s.bytes -= len(el.Value.(*staleEntry).body)
		s.order.Remove(el)
	}
	s.byKey[key] = s.order.PushFront(e)
	s.bytes += len(e.body)
	for s.bytes > s.maxBytes {
		old := s.order.Remove(s.order.Back()).(*staleEntry)
		delete(s.byKey, old.key)
		s.bytes -= len(old.body)
	}
}

// get returns the answer stored under key if it is younger than window.
func (s *staleStore) get(key string, window time.Duration) (*staleEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byKey[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*staleEntry)
	if time.Since(e.at) > window {
		return nil, false
	}
	return e, true
}
