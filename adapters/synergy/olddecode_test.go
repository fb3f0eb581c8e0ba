package synergy

// The decoder as it was before the single-pass walk, kept verbatim (names
// prefixed with old) as the reference the differential tests compare
// Decode with.

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/crmgateway/gateway/internal/domain"
)

// Wire structs of JSON:API documents, as SynergyCRM sends them.
type oldDocument struct {
	Data     json.RawMessage `json:"data"`
	Included []oldResource   `json:"included"`
	Meta     struct {
		RecordCount *int `json:"record-count"`
		PageCount   *int `json:"page-count"`
	} `json:"meta"`
}

type oldResource struct {
	Type          string                     `json:"type"`
	ID            oldFlexID                  `json:"id"`
	Attributes    json.RawMessage            `json:"attributes"`
	Relationships map[string]oldRelationship `json:"relationships"`
}

type oldRelationship struct {
	Data json.RawMessage `json:"data"` // absent: linkage unknown; null; object; array
}

type oldIdentifier struct {
	Type string    `json:"type"`
	ID   oldFlexID `json:"id"`
}

// oldFlexID accepts a string id (the spec) or a number (some doc examples).
type oldFlexID string

func (f *oldFlexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = oldFlexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id must be a string or a number")
	}
	*f = oldFlexID(n.String())
	return nil
}

// oldDecode turns a JSON:API document into domain entities. Unknown types in
// `included` are skipped; a malformed document is an UPSTREAM_ERROR.
func oldDecode(body []byte) (*domain.SynergyDocument, error) {
	var doc oldDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, malformed("the document is not valid JSON:API", err)
	}
	out := &domain.SynergyDocument{RecordCount: doc.Meta.RecordCount, PageCount: doc.Meta.PageCount}
	data := bytes.TrimSpace(doc.Data)
	switch {
	case len(data) == 0 || bytes.Equal(data, []byte("null")):
	case data[0] == '[':
		var rs []oldResource
		if err := json.Unmarshal(data, &rs); err != nil {
			return nil, malformed("data is not an array of resources", err)
		}
		for _, r := range rs {
			e, err := oldEntity(r)
			if err != nil {
				return nil, err
			}
			if e != nil {
				out.Data = append(out.Data, e)
			}
		}
	case data[0] == '{':
		var r oldResource
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, malformed("data is not a resource", err)
		}
		e, err := oldEntity(r)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out.Data = append(out.Data, e)
		}
	default:
		return nil, malformed("data is neither a resource nor an array", nil)
	}
	for _, r := range doc.Included {
		e, err := oldEntity(r)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out.Included = append(out.Included, e)
		}
	}
	return out, nil
}

func oldEntity(r oldResource) (domain.SynergyEntity, error) {
	if r.ID == "" || r.Type == "" {
		return nil, malformed("a resource lacks its type or id", nil)
	}
	e := domain.NewSynergyEntity(r.Type)
	if e == nil {
		return nil, nil
	}
	if err := domain.DecodeSynergyAttributes(e, r.Attributes); err != nil {
		return nil, malformed(fmt.Sprintf("%s %s has an attribute of the wrong type", r.Type, r.ID), err)
	}
	rec := e.Record()
	rec.SourceID = string(r.ID)
	if len(r.Attributes) > 0 {
		rec.Attributes = append([]byte(nil), r.Attributes...)
	}
	for key, rel := range r.Relationships {
		d := bytes.TrimSpace(rel.Data)
		if len(d) == 0 {
			continue // links only: linkage unknown
		}
		switch {
		case bytes.Equal(d, []byte("null")):
			rec.Links.Set(key, domain.SynergyLinkage{})
		case d[0] == '[':
			var ids []oldIdentifier
			if err := json.Unmarshal(d, &ids); err != nil {
				return nil, malformed(fmt.Sprintf("%s %s: relationship %s has bad linkage", r.Type, r.ID, key), err)
			}
			l := domain.SynergyLinkage{Many: true}
			for _, id := range ids {
				l.Refs = append(l.Refs, domain.SynergyRef{Type: id.Type, ID: string(id.ID)})
			}
			rec.Links.Set(key, l)
		default:
			var id oldIdentifier
			if err := json.Unmarshal(d, &id); err != nil {
				return nil, malformed(fmt.Sprintf("%s %s: relationship %s has bad linkage", r.Type, r.ID, key), err)
			}
			rec.Links.Set(key, domain.SynergyLinkage{Refs: []domain.SynergyRef{{Type: id.Type, ID: string(id.ID)}}})
		}
	}
	return e, nil
}
