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
	// Built on the stack, so that an ID costs one allocation: the string.
	var raw [96]byte
	b := append(raw[:0], backend...)
	b = append(append(b, ':'), typ...)
	b = append(append(b, ':'), source...)
	var out [128]byte
	return string(base64.RawURLEncoding.AppendEncode(out[:0], b))
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
	if !ValidSource(parts[0], parts[1], parts[2]) {
		return ID{}, ErrInvalid
	}
	return ID{Backend: parts[0], Type: parts[1], Source: parts[2]}, nil
}

// maxDigits bounds an upstream id: 20 digits hold any unsigned 64-bit id.
const maxDigits = 20

// ValidSource reports whether src is an id of the backend as its docs
// describe it. This is the one place an upstream id is checked, before any
// call: every ID argument and input field is decoded here, so a forged ID
// ("..", "1/../2", "%2F") never reaches an upstream path or parameter.
//
//   - SynergyCRM: a decimal number (the docs' ids are digit strings, "123").
//   - Solos: an unsigned integer (the docs type every id uint).
//   - r_keeper: a string of digits ("10000000000024"); an entity listed
//     under a parent carries "<parent id>/<id>", both digits, except that
//     an account or card is named by its account number or card code
//     (compared with the client's own, never sent): printable, no "/".
func ValidSource(backend, typ, src string) bool {
	switch backend {
	case Synergy, Solos:
		return digits(src)
	case RKeeper:
		parent, child, nested := strings.Cut(src, "/")
		switch {
		case !digits(parent):
			return false
		case !nested:
			return true
		case typ == "client-accounts" || typ == "client-cards":
			return printable(child)
		}
		return digits(child)
	}
	return false
}

func digits(s string) bool {
	if s == "" || len(s) > maxDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '/' {
			return false
		}
	}
	return true
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

// SchemaBackend is the backend a schema definition belongs to: the file
// it is declared in, graph/schema/<backend>.graphqls. It is "" for the
// core schema (schema.graphqls) and for anything else.
func SchemaBackend(file string) string {
	file = file[strings.LastIndexAny(file, `/\`)+1:]
	switch b := strings.TrimSuffix(file, ".graphqls"); b {
	case Synergy, Solos, RKeeper:
		return b
	}
	return ""
}
