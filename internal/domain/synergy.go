package domain

import (
	"github.com/crmgateway/gateway/internal/scalar"
)

// SynergyRef identifies one SynergyCRM resource.
type SynergyRef struct {
	Type string
	ID   string
}

// SynergyLinkage is what the upstream said about one relationship of one
// resource. SynergyCRM sends linkage only for included relationships, so a
// relationship missing from Links is unknown, not empty.
type SynergyLinkage struct {
	Refs []SynergyRef
	Many bool
}

// SynergyRecord is embedded in every SynergyCRM entity: identity, the raw
// attributes object (nothing the upstream sends is lost) and linkage.
type SynergyRecord struct {
	ID         string // global ID
	SourceID   string
	Type       string `json:"-"`
	Attributes scalar.JSON
	Links      map[string]SynergyLinkage `json:"-"`
}

// Record gives generic code access to the embedded record.
func (r *SynergyRecord) Record() *SynergyRecord { return r }

// GlobalID implements Node.
func (r *SynergyRecord) GlobalID() string { return r.ID }

// SynergyEntity is any SynergyCRM entity.
type SynergyEntity interface {
	Node
	Record() *SynergyRecord
}

// SynergyQuery is one list request.
type SynergyQuery struct {
	Type       string
	PageNumber int               // 1-based
	PageSize   int               // at most 100
	Filters    map[string]string // filter[<key>] → value, already in wire form
	Include    []string          // relationship paths, e.g. "company.contacts"
	Fields     SynergyFields
}

// SynergyFields are JSON:API sparse fieldsets: type → the attribute and
// relationship names to return. A type not in the map gets everything.
type SynergyFields map[string][]string

// SynergyDocument is a decoded JSON:API answer.
type SynergyDocument struct {
	Data        []SynergyEntity
	Included    []SynergyEntity
	RecordCount *int
	PageCount   *int
}

// ContractParty is a contract's party: a Company or a Contact.
type ContractParty interface {
	SynergyEntity
	IsContractParty()
}

// SynergyWrite is one create or update: only the members set are sent, a
// nil attribute value is sent as null (clears it).
type SynergyWrite struct {
	Type          string
	ID            string // update only
	Attributes    map[string]any
	Relationships map[string]SynergyLinkage // Refs nil and !Many: null
}
