package synergy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	spec "github.com/crmgateway/gateway/internal/synergyspec"
)

// Wire structs of JSON:API documents, as SynergyCRM sends them.
type document struct {
	Data     json.RawMessage `json:"data"`
	Included []resource      `json:"included"`
	Meta     struct {
		RecordCount *int `json:"record-count"`
		PageCount   *int `json:"page-count"`
	} `json:"meta"`
}

type resource struct {
	Type          string                  `json:"type"`
	ID            flexID                  `json:"id"`
	Attributes    json.RawMessage         `json:"attributes"`
	Relationships map[string]relationship `json:"relationships"`
}

type relationship struct {
	Data json.RawMessage `json:"data"` // absent: linkage unknown; null; object; array
}

type identifier struct {
	Type string `json:"type"`
	ID   flexID `json:"id"`
}

// flexID accepts a string id (the spec) or a number (some doc examples).
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id must be a string or a number")
	}
	*f = flexID(n.String())
	return nil
}

// Decode turns a JSON:API document into domain entities. Unknown types in
// `included` are skipped; a malformed document is an UPSTREAM_ERROR.
func Decode(body []byte) (*domain.SynergyDocument, error) {
	var doc document
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, malformed("the document is not valid JSON:API", err)
	}
	out := &domain.SynergyDocument{RecordCount: doc.Meta.RecordCount, PageCount: doc.Meta.PageCount}
	data := bytes.TrimSpace(doc.Data)
	switch {
	case len(data) == 0 || bytes.Equal(data, []byte("null")):
	case data[0] == '[':
		var rs []resource
		if err := json.Unmarshal(data, &rs); err != nil {
			return nil, malformed("data is not an array of resources", err)
		}
		for _, r := range rs {
			e, err := entity(r)
			if err != nil {
				return nil, err
			}
			if e != nil {
				out.Data = append(out.Data, e)
			}
		}
	case data[0] == '{':
		var r resource
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, malformed("data is not a resource", err)
		}
		e, err := entity(r)
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
		e, err := entity(r)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out.Included = append(out.Included, e)
		}
	}
	return out, nil
}

func entity(r resource) (domain.SynergyEntity, error) {
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
	rec.ID = globalid.Encode(globalid.Synergy, r.Type, rec.SourceID)
	if len(r.Attributes) > 0 {
		rec.Attributes = append([]byte(nil), r.Attributes...)
	}
	for key, rel := range r.Relationships {
		d := bytes.TrimSpace(rel.Data)
		if len(d) == 0 {
			continue // links only: linkage unknown
		}
		if rec.Links == nil {
			rec.Links = map[string]domain.SynergyLinkage{}
		}
		switch {
		case bytes.Equal(d, []byte("null")):
			rec.Links[key] = domain.SynergyLinkage{}
		case d[0] == '[':
			var ids []identifier
			if err := json.Unmarshal(d, &ids); err != nil {
				return nil, malformed(fmt.Sprintf("%s %s: relationship %s has bad linkage", r.Type, r.ID, key), err)
			}
			l := domain.SynergyLinkage{Many: true}
			for _, id := range ids {
				l.Refs = append(l.Refs, domain.SynergyRef{Type: id.Type, ID: string(id.ID)})
			}
			rec.Links[key] = l
		default:
			var id identifier
			if err := json.Unmarshal(d, &id); err != nil {
				return nil, malformed(fmt.Sprintf("%s %s: relationship %s has bad linkage", r.Type, r.ID, key), err)
			}
			rec.Links[key] = domain.SynergyLinkage{Refs: []domain.SynergyRef{{Type: id.Type, ID: string(id.ID)}}}
		}
	}
	return e, nil
}

func malformed(msg string, cause error) error {
	return &apierr.Error{Code: apierr.UpstreamError, Upstream: Name,
		Message: "SynergyCRM answered with a malformed document: " + msg, Err: cause}
}

// errorDocument is a JSON:API error document.
type errorDocument struct {
	Errors []struct {
		Status string `json:"status"`
		Code   string `json:"code"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Source struct {
			Pointer   string `json:"pointer"`
			Parameter string `json:"parameter"`
		} `json:"source"`
	} `json:"errors"`
}

// Field maps a JSON:API source pointer or parameter to the GraphQL input
// field it came from: /data/attributes/first-name → input.firstName,
// /data/relationships/company → input.companyId (companies →
// input.companyIds), filter[last-name] → filter.lastName.
func Field(typ, pointer, parameter string) string {
	switch {
	case strings.HasPrefix(pointer, "/data/attributes/"):
		return "input." + camel(strings.SplitN(strings.TrimPrefix(pointer, "/data/attributes/"), "/", 2)[0])
	case strings.HasPrefix(pointer, "/data/relationships/"):
		key := strings.SplitN(strings.TrimPrefix(pointer, "/data/relationships/"), "/", 2)[0]
		if r := spec.ByType(typ); r != nil {
			if rel, ok := r.Rel(key); ok {
				return "input." + rel.InputField()
			}
		}
		return "input." + camel(key) + "Id"
	case strings.HasPrefix(parameter, "filter[") && strings.HasSuffix(parameter, "]"):
		return "filter." + camel(parameter[len("filter["):len(parameter)-1])
	case strings.HasPrefix(parameter, "page["):
		return "first"
	}
	return ""
}

func camel(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}
