package globalid

import "testing"

// TestValidSource pins what each backend's ids may be.
func TestValidSource(t *testing.T) {
	for _, c := range []struct {
		backend, typ, src string
		ok                bool
	}{
		{Synergy, "contacts", "42", true},
		{Synergy, "contacts", "..", false},
		{Solos, "projects", "18446744073709551615", true},
		{RKeeper, "cities", "2/10000000000024", true},
		{RKeeper, "cities", "2/..", false},
		{RKeeper, "client-accounts", "10000000009188/03.00011.00010593.0001", true},
		{RKeeper, "client-accounts", "10000000009188/a b", false},
		{RKeeper, "clients", "../1", false},
	} {
		if got := ValidSource(c.backend, c.typ, c.src); got != c.ok {
			t.Errorf("ValidSource(%s, %s, %q) = %v", c.backend, c.typ, c.src, got)
		}
	}
}
