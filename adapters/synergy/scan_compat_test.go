package synergy

import "github.com/crmgateway/gateway/internal/jsonscan"

// plain and special are the names TestSpecial checks: the string fast
// path now lives in jsonscan.
var plain = func() (t [256]bool) {
	for c := range 256 {
		t[c] = jsonscan.PlainASCII(byte(c))
	}
	return t
}()

func special(x uint64) bool { return jsonscan.Special(x) }
