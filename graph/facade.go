package graph

import (
	"github.com/crmgateway/gateway/internal/globalid"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// FirstBounds are the smallest and largest `first` each backend's paged
// lists take, as the resolvers check them; the REST facade documents
// them as the parameter's minimum and maximum.
func FirstBounds() map[string][2]int {
	return map[string][2]int{
		globalid.Synergy: {0, spec.MaxPageSize},
		globalid.Solos:   {0, solosMaxFirst},
	}
}

// ReferenceTypes are the types the r_keeper adapter serves from its
// reference cache (RKEEPER_CACHE_TTL): answers made only of them may be
// reused by clients for as long.
var ReferenceTypes = []string{"ClientContactType", "AddressType", "Country", "City", "MetroStation", "Street"}
