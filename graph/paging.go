package graph

import (
	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/globalid"
)

// invalidID is the one error of an ID argument or input field that is not
// a global ID of the kind it must be, on every backend: "<field> is not a
// valid global ID" or "<field> is a <backend type> ID, not a <backend
// type> ID".
func invalidID(field string, err error) *apierr.Error {
	if wt, ok := err.(globalid.ErrWrongType); ok {
		return apierr.Invalid(field, "%s is a %s ID, not a %s ID", field, wt.Got, wt.Want)
	}
	return apierr.Invalid(field, "%s is not a valid global ID", field)
}

// pageRequest is a connection's paging arguments as the client gave them.
// Every connection of every backend reads them through window, so the
// bounds, the defaults and the wording of their errors are the same
// everywhere.
type pageRequest struct {
	first  *int
	after  *string
	last   *int
	before *string
}

// DefaultFirst is the page size of a connection asked without `first`:
// the same on every backend, and what the cost model assumes.
const DefaultFirst = 20

// window turns the paging arguments into the upstream offset and count of
// the records asked for. Forward: `first` records (default DefaultFirst,
// from minFirst to max) after the `after` cursor. Backward: the `last`
// records (1 to max) before the `before` cursor, computed exactly over
// the upstream's offsets, so a page backward is the page forward would
// have given. `last` without `before` would need the end of the list,
// which no upstream says without reading it, and is refused, as are the
// combinations Relay leaves open (first with last, after with before).
// parse reads one of the list's cursors into the offset of its record.
func (p pageRequest) window(minFirst, max int, parse func(string) (int, bool)) (offset, n int, err error) {
	cursor := func(field string, c *string) (int, error) {
		o, ok := parse(*c)
		if !ok {
			return 0, apierr.Invalid(field, "%s is not a cursor of this list", field)
		}
		return o, nil
	}
	switch {
	case p.first != nil && p.last != nil:
		return 0, 0, apierr.Invalid("last", "last cannot be combined with first: page forward with first and after, backward with last and before")
	case p.after != nil && p.before != nil:
		return 0, 0, apierr.Invalid("before", "before cannot be combined with after: page forward with first and after, backward with last and before")
	case p.last != nil && p.before == nil:
		return 0, 0, apierr.Invalid("last", "last needs before: this list pages backward from a cursor")
	case p.before != nil && p.last == nil:
		return 0, 0, apierr.Invalid("before", "before needs last: this list pages backward by last records")
	case p.last != nil:
		n = *p.last
		if n < 1 || n > max {
			return 0, 0, apierr.Invalid("last", "last must be between 1 and %d, got %d", max, n)
		}
		end, err := cursor("before", p.before)
		if err != nil {
			return 0, 0, err
		}
		offset = end - n
		if offset < 0 {
			offset = 0
		}
		return offset, end - offset, nil
	}
	n = DefaultFirst
	if p.first != nil {
		n = *p.first
	}
	if n < minFirst || n > max {
		return 0, 0, apierr.Invalid("first", "first must be between %d and %d, got %d", minFirst, max, n)
	}
	if p.after != nil {
		o, err := cursor("after", p.after)
		if err != nil {
			return 0, 0, err
		}
		offset = o + 1
	}
	return offset, n, nil
}
