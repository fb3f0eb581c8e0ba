package loaders

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestGetIsPerRequest(t *testing.T) {
	created := 0
	mk := func() *int { created++; v := created; return &v }
	a := With(context.Background())
	first, second := Get(a, "k", mk), Get(a, "k", mk)
	if first != second {
		t.Fatal("same request got two values")
	}
	b := With(context.Background())
	if Get(a, "k", mk) == Get(b, "k", mk) {
		t.Fatal("two requests share a value")
	}
}

func TestFanOutDeduplicatesAndKeepsErrorsApart(t *testing.T) {
	var calls atomic.Int32
	res := FanOut(context.Background(), []string{"a", "b", "a", "bad"}, 2,
		func(_ context.Context, k string) (string, error) {
			calls.Add(1)
			if k == "bad" {
				return "", errors.New("boom")
			}
			return k + "!", nil
		})
	if calls.Load() != 3 {
		t.Fatalf("calls = %d, want 3 (one per distinct key)", calls.Load())
	}
	if res[0].Data != "a!" || res[2].Data != "a!" || res[1].Data != "b!" || res[3].Error == nil {
		t.Fatalf("results = %+v %+v %+v %+v", res[0], res[1], res[2], res[3])
	}
}
