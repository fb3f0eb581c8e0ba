package domain

import (
	"encoding/json"
	"errors"

	"github.com/crmgateway/gateway/internal/globalid"
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

// SynergyLink is one relationship's linkage under its key.
type SynergyLink struct {
	Key string
	SynergyLinkage
}

// SynergyLinks is a resource's known linkage, one entry per relationship
// key. A resource has a handful of relationships, so a slice searched in
// order serves them with one allocation per page (the decoder cuts every
// resource's links from one block) where a map would cost two per resource.
type SynergyLinks []SynergyLink

// Get gives the linkage under key, and whether it is known.
func (ls SynergyLinks) Get(key string) (SynergyLinkage, bool) {
	for i := range ls {
		if ls[i].Key == key {
			return ls[i].SynergyLinkage, true
		}
	}
	return SynergyLinkage{}, false
}

// Set puts l under key, replacing what was there.
func (ls *SynergyLinks) Set(key string, l SynergyLinkage) {
	for i := range *ls {
		if (*ls)[i].Key == key {
			(*ls)[i].SynergyLinkage = l
			return
		}
	}
	*ls = append(*ls, SynergyLink{Key: key, SynergyLinkage: l})
}

// SynergyRecord is embedded in every SynergyCRM entity: identity, the raw
// attributes object (nothing the upstream sends is lost) and linkage.
type SynergyRecord struct {
	Meta
	SourceID   string
	Type       string `json:"-"`
	Attributes scalar.JSON
	Links      SynergyLinks `json:"-"`
	// Rels are the relationships in the order of the type's spec, each
	// once the graph package resolved it for the operation being served
	// (nil before). Each is written once, under the request store's lock,
	// before anything reads it.
	Rels []*SynergyRel `json:"-"`
}

// Extra is the record's attributes that no field of its type maps (the
// undocumented ones), null when there is none.
func (r *SynergyRecord) Extra() scalar.JSON {
	return ExtraOf(json.RawMessage(r.Attributes), synergyKnownAttrs[r.Type])
}

// Record gives generic code access to the embedded record.
func (r *SynergyRecord) Record() *SynergyRecord { return r }

// ID is the record's global ID. It is worked out when asked for: most
// reads of a page never select it.
func (r *SynergyRecord) ID() string {
	return globalid.Encode(globalid.Synergy, r.Type, r.SourceID)
}

// GlobalID implements Node.
func (r *SynergyRecord) GlobalID() string { return r.ID() }

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
	// Slab is what the entities are cut from, nil when they came from
	// the heap.
	Slab *SynergySlab
}

// Release hands the document's slab back for the next document: nothing
// the document holds may be used after. Only the request that read it
// releases it, when nothing it ran can read it any more.
func (d *SynergyDocument) Release() {
	if d.Slab != nil {
		d.Slab.Release()
	}
	*d = SynergyDocument{}
}

// SetFetched records how every resource of the document was fetched.
func (d *SynergyDocument) SetFetched(f *Fetched) {
	for _, e := range d.Data {
		e.Record().Fetch = f
	}
	for _, e := range d.Included {
		e.Record().Fetch = f
	}
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

// SynergyRel is one relationship of an entity as the graph package
// resolved it for the operation being served: its target (to-one) or
// targets (to-many), or the error that kept them from being read.
type SynergyRel struct {
	One  SynergyEntity
	Many []SynergyEntity
	Err  error
}

// ErrRelUnresolved is what a relationship accessor answers when nothing
// resolved the relationship before the executor read it: a gateway bug,
// shown to the client as an internal error.
var ErrRelUnresolved = errors.New("relationship read before it was resolved")

// RelOne answers a to-one relationship by its index in the type's spec.
func (r *SynergyRecord) RelOne(i int) (SynergyEntity, error) {
	if i >= len(r.Rels) || r.Rels[i] == nil {
		return nil, ErrRelUnresolved
	}
	return r.Rels[i].One, r.Rels[i].Err
}

// RelMany answers a to-many relationship by its index in the type's spec.
func (r *SynergyRecord) RelMany(i int) ([]SynergyEntity, error) {
	if i >= len(r.Rels) || r.Rels[i] == nil {
		return nil, ErrRelUnresolved
	}
	return r.Rels[i].Many, r.Rels[i].Err
}
