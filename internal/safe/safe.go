// Package safe owns panic containment for goroutines the gateway starts
// itself: gqlgen recovers panics in resolvers, not in goroutines a resolver
// spawns, and one of those would otherwise end the process.
package safe

import (
	"fmt"
	"runtime/debug"

	"github.com/crmgateway/gateway/internal/apierr"
)

// Call runs f and turns a panic into an INTERNAL error whose internal
// cause carries the panic value and stack (logged, never shown).
func Call(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &apierr.Error{Code: apierr.Internal, Message: "internal error",
				Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	return f()
}

// Go runs f on a new goroutine under Call and hands its error to done.
func Go(f func() error, done func(error)) {
	go func() { done(Call(f)) }()
}
