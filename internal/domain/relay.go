package domain

// PageInfo is Relay's page information, shared by every connection.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// DeletePayload answers every delete mutation with the deleted global ID.
type DeletePayload struct {
	DeletedID string
}
