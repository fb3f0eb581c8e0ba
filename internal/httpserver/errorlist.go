package httpserver

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Bounds of the error list of one response.
const (
	// maxErrors is how many distinct errors a response carries.
	maxErrors = 100
	// maxLocations is how many locations a merged error keeps.
	maxLocations = 10
	// maxMessageBytes bounds one message: validation quotes the names it
	// does not know, whatever their length.
	maxMessageBytes = 1024
	// omittedErrorsKey is the response extension that counts the errors
	// not shown on their own: merged into an identical one, or past
	// maxErrors.
	omittedErrorsKey = "omittedErrors"
)

// boundErrors merges errors that differ only in their locations (the same
// message, path and extensions: 1,400 copies of one misplaced directive
// become one error with its first maxLocations locations) and keeps the
// first maxErrors of the rest, in order. omitted is how many errors of
// list are not in kept on their own (merged or left out).
func boundErrors(list gqlerror.List) (kept gqlerror.List, omitted int) {
	switch len(list) {
	case 0:
		return list, 0
	case 1:
		if len(list[0].Message) > maxMessageBytes {
			c := *list[0]
			c.Message = shorten(c.Message)
			return gqlerror.List{&c}, 0
		}
		return list, 0
	}
	byKey := make(map[string]*gqlerror.Error, min(len(list), maxErrors))
	for _, e := range list {
		k := errorKey(e)
		if first, ok := byKey[k]; ok {
			mergeLocations(first, e)
			omitted++
			continue
		}
		if len(kept) == maxErrors {
			omitted++
			continue
		}
		c := *e // merging must not change an error the caller still holds
		c.Message = shorten(c.Message)
		byKey[k] = &c
		kept = append(kept, &c)
	}
	return kept, omitted
}

// shorten cuts a message past maxMessageBytes at a character boundary.
func shorten(msg string) string {
	if len(msg) <= maxMessageBytes {
		return msg
	}
	cut := maxMessageBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

func errorKey(e *gqlerror.Error) string {
	ext, _ := json.Marshal(e.Extensions) // sorted keys; values are JSON already
	return e.Message + "\x00" + e.Path.String() + "\x00" + string(ext)
}

func mergeLocations(into, from *gqlerror.Error) {
	for _, l := range from.Locations {
		if len(into.Locations) >= maxLocations {
			return
		}
		into.Locations = append(into.Locations[:len(into.Locations):len(into.Locations)], l)
	}
}

// boundResponse bounds resp.Errors and records how many were left out.
func boundResponse(resp *graphql.Response) {
	var omitted int
	resp.Errors, omitted = boundErrors(resp.Errors)
	if omitted == 0 {
		return
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions[omittedErrorsKey] = omitted
}
