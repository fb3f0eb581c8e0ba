package graph

import (
	"strconv"
	"testing"

	"github.com/crmgateway/gateway/internal/apierr"
)

func TestPageWindow(t *testing.T) {
	n := func(v int) *int { return &v }
	c := func(offset int) *string { s := strconv.Itoa(offset); return &s }
	parse := func(s string) (int, bool) {
		v, err := strconv.Atoi(s)
		return v, err == nil && v >= 0
	}
	bad := "x"
	for _, tc := range []struct {
		name           string
		req            pageRequest
		offset, count  int
		field, message string
	}{
		{"default", pageRequest{}, 0, DefaultFirst, "", ""},
		{"first after", pageRequest{first: n(5), after: c(9)}, 10, 5, "", ""},
		{"first zero", pageRequest{first: n(0)}, 0, 0, "", ""},
		{"last before", pageRequest{last: n(3), before: c(10)}, 7, 3, "", ""},
		{"last before, cut at the start", pageRequest{last: n(5), before: c(2)}, 0, 2, "", ""},
		{"last before the first record", pageRequest{last: n(5), before: c(0)}, 0, 0, "", ""},
		{"first too big", pageRequest{first: n(101)}, 0, 0, "first", "first must be between 0 and 100, got 101"},
		{"first negative", pageRequest{first: n(-1)}, 0, 0, "first", "first must be between 0 and 100, got -1"},
		{"last zero", pageRequest{last: n(0), before: c(3)}, 0, 0, "last", "last must be between 1 and 100, got 0"},
		{"last alone", pageRequest{last: n(3)}, 0, 0, "last", "last needs before: this list pages backward from a cursor"},
		{"before alone", pageRequest{before: c(3)}, 0, 0, "before", "before needs last: this list pages backward by last records"},
		{"first and last", pageRequest{first: n(1), last: n(1), before: c(3)}, 0, 0, "last", ""},
		{"after and before", pageRequest{after: c(1), last: n(1), before: c(3)}, 0, 0, "before", ""},
		{"bad after", pageRequest{after: &bad}, 0, 0, "after", "after is not a cursor of this list"},
		{"bad before", pageRequest{last: n(2), before: &bad}, 0, 0, "before", "before is not a cursor of this list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offset, count, err := tc.req.window(0, 100, parse)
			if tc.field == "" {
				if err != nil || offset != tc.offset || count != tc.count {
					t.Fatalf("window = %d, %d, %v; want %d, %d", offset, count, err, tc.offset, tc.count)
				}
				return
			}
			e, ok := apierr.As(err)
			if !ok || e.Code != apierr.BadUserInput || e.Field != tc.field || tc.message != "" && e.Message != tc.message {
				t.Fatalf("error = %#v, want BAD_USER_INPUT on %s %q", err, tc.field, tc.message)
			}
		})
	}
}
