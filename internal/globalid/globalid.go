// Package globalid owns the opaque global IDs of the GraphQL API: each one
// encodes the backend, the upstream type and the upstream id.
package globalid

import (
	"encoding/base64"
	"errors"
	"strings"
)

// Backends that may appear in an ID.
const (
	Synergy = "synergy"
	Solos   = "solos"
	RKeeper = "rkeeper"
)

// ID is a decoded global ID.
type ID struct {
	Backend string
	Type    string // upstream type, e.g. "contacts", "projects", "cities"
	Source  string // the upstream's own id
}

// ErrInvalid is returned for anything that is not a well-formed global ID.
var ErrInvalid = errors.New("not a valid global ID")

// Encode makes the opaque ID clients see.
func Encode(backend, typ, source string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(backend + ":" + typ + ":" + source))
}

// String encodes id.
func (id ID) String() string { return Encode(id.Backend, id.Type, id.Source) }

// Decode parses an opaque ID.
func Decode(s string) (ID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 512 {
		return ID{}, ErrInvalid
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return ID{}, ErrInvalid
	}
	switch parts[0] {
	case Synergy, Solos, RKeeper:
	default:
		return ID{}, ErrInvalid
	}
	return ID{Backend: parts[0], Type: parts[1], Source: parts[2]}, nil
}

// DecodeAs parses s and checks that it names the given backend and type.
func DecodeAs(s, backend, typ string) (ID, error) {
	id, err := Decode(s)
	if err != nil {
		return ID{}, err
	}
	if id.Backend != backend || id.Type != typ {
		return ID{}, ErrWrongType{Want: backend + " " + typ, Got: id.Backend + " " + id.Type}
	}
	return id, nil
}

// ErrWrongType says a valid ID names another kind of entity.
type ErrWrongType struct{ Want, Got string }

func (e ErrWrongType) Error() string {
	return "the ID is a " + e.Got + " ID, expected a " + e.Want + " ID"
}
