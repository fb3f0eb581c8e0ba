package main

import (
	"sync"
	"testing"

	"github.com/crmgateway/gateway/internal/config"
)

// TestPooledBlocksKeepConcurrentAnswersApart: requests that run at once
// decode into blocks that earlier requests handed back (the slab, the
// store's and the answer buffers), and each still gets exactly the answer
// it gets alone. Under -race this also checks that no request touches a
// block after handing it back.
func TestPooledBlocksKeepConcurrentAnswersApart(t *testing.T) {
	g := startGateway(t, config.Defaults())
	queries := []string{
		`{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } } } }`,
		`{ deals(first: 7) { nodes { id name stage { name } } } }`,
		`{ companies(first: 30) { nodes { name } } }`,
		`{ contacts(first: 25) { nodes { firstName } } }`,
		`{ deals(first: 3) { nodes { name company { name } } } companies(first: 2) { nodes { id } } }`,
	}
	want := make([]string, len(queries))
	for i, q := range queries {
		r := g.gql(t, q, nil)
		r.mustData(t)
		want[i] = r.Raw
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 30; n++ {
				i := (w + n) % len(queries)
				if got := g.gql(t, queries[i], nil).Raw; got != want[i] {
					t.Errorf("query %d, worker %d, round %d:\n got %s\nwant %s", i, w, n, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}
