// Package domain owns the entity types the resolvers return and the small
// interfaces through which the resolvers reach each CRM adapter.
package domain

// Node is every entity with a global ID: the GraphQL Node interface.
type Node interface {
	// GlobalID is the opaque ID clients see (see internal/globalid).
	GlobalID() string
}

// Page is one window of a paged upstream list.
type Page[T any] struct {
	Items []T
	// Total is the upstream's record count, nil when it did not say.
	Total *int
	// HasMore reports whether records exist after this window.
	HasMore bool
}
