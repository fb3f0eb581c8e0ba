package domain

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/scalar"
)

// The common CRM model: what one screen needs to show a person, an
// organization or an opportunity of any CRM, and where every record came
// from. The backend types keep all their own fields; these are views over
// them, computed from what was already read (never another upstream call).

// Backend names a CRM in the common model.
type Backend string

// The three backends.
const (
	BackendSynergy Backend = "SYNERGY"
	BackendSolos   Backend = "SOLOS"
	BackendRKeeper Backend = "RKEEPER"
)

// DataOrigin says how fresh a record is.
type DataOrigin string

// Where a record was read from.
const (
	// OriginUpstream: the CRM answered this request.
	OriginUpstream DataOrigin = "UPSTREAM"
	// OriginCache: the gateway's cache of the CRM's reference data answered.
	OriginCache DataOrigin = "CACHE"
	// OriginStale: the CRM could not answer and its last good answer was served.
	OriginStale DataOrigin = "STALE"
)

// Fetched is when and how one upstream answer was obtained; every record
// decoded from that answer points at the same one.
type Fetched struct {
	At     time.Time
	Origin DataOrigin
	// Redact removes the gateway's credentials from a raw record, should a
	// CRM ever echo one; applied when the record is served. Nil when the
	// records were redacted as they were kept.
	Redact func([]byte) []byte `json:"-"`
}

// FetchedNow is a fresh answer, or the last good one stale for the given
// age; redact is the account's credential redaction (nil: none).
func FetchedNow(stale time.Duration, redact func([]byte) []byte) *Fetched {
	if stale > 0 {
		return &Fetched{At: time.Now().Add(-stale), Origin: OriginStale, Redact: redact}
	}
	return &Fetched{At: time.Now(), Origin: OriginUpstream, Redact: redact}
}

// Meta is embedded in every entity: how it was fetched and the record as
// the upstream sent it (credentials are never part of a record).
type Meta struct {
	Fetch *Fetched    `json:"-"`
	Raw   scalar.JSON `json:"-"`
}

// SetMeta records how the entity was fetched and its raw record.
func (m *Meta) SetMeta(f *Fetched, raw scalar.JSON) { m.Fetch, m.Raw = f, raw }

// SetFetch records how the entity was fetched.
func (m *Meta) SetFetch(f *Fetched) { m.Fetch = f }

// MetaSetter is any entity with Meta.
type MetaSetter interface {
	SetMeta(f *Fetched, raw scalar.JSON)
	SetFetch(f *Fetched)
}

// Provenance is the GraphQL Provenance of one record.
type Provenance struct {
	Backend   Backend
	SourceID  string
	FetchedAt scalar.DateTime
	Origin    DataOrigin
	raw       scalar.JSON
	redact    func([]byte) []byte
}

// Raw is the record as the upstream sent it, redacted of the gateway's
// credentials here, when it is served: a provenance read without its raw
// record costs no scan of it.
func (p *Provenance) Raw() scalar.JSON {
	if p.redact != nil && p.raw != nil {
		return p.redact(p.raw)
	}
	return p.raw
}

// provenance builds a record's Provenance. A record without fetch
// information (one built by the gateway itself) counts as fetched now.
func (m *Meta) provenance(b Backend, sourceID string) *Provenance {
	p := &Provenance{Backend: b, SourceID: sourceID, Origin: OriginUpstream, raw: m.Raw}
	if m.Fetch != nil {
		p.FetchedAt, p.Origin, p.redact = scalar.DateTime{Time: m.Fetch.At}, m.Fetch.Origin, m.Fetch.Redact
	} else {
		p.FetchedAt = scalar.DateTime{Time: time.Now()}
	}
	return p
}

// Money is an amount with its currency (an ISO 4217 code, nil when the CRM
// does not say).
type Money struct {
	Amount   scalar.Decimal
	Currency *string
}

// PhoneKind is what a phone number is for.
type PhoneKind string

// Phone kinds.
const (
	PhoneMain   PhoneKind = "MAIN"
	PhoneMobile PhoneKind = "MOBILE"
	PhoneWork   PhoneKind = "WORK"
	PhoneHome   PhoneKind = "HOME"
	PhoneOther  PhoneKind = "OTHER"
	PhoneFax    PhoneKind = "FAX"
)

// Phone is one phone number of a person or an organization.
type Phone struct {
	Number    string
	Kind      PhoneKind
	Extension *string
}

// EmailKind is what an e-mail address is for.
type EmailKind string

// E-mail kinds.
const (
	EmailMain  EmailKind = "MAIN"
	EmailOther EmailKind = "OTHER"
)

// Email is one e-mail address of a person or an organization.
type Email struct {
	Address string
	Kind    EmailKind
}

// Person is a human contact of any CRM.
type Person interface {
	Node
	IsPerson()
	DisplayName() string
}

// Organization is a company of any CRM.
type Organization interface {
	Node
	IsOrganization()
}

// Opportunity is a deal, an order or a project of any CRM.
type Opportunity interface {
	Node
	IsOpportunity()
	Title() *string
	Value() *Money
}

// --- enum marshalling (gqlgen binds the GraphQL enums to these types) ---

func marshalEnum[T ~string](w io.Writer, v T) { _, _ = io.WriteString(w, strconv.Quote(string(v))) }

func unmarshalEnum[T ~string](v any, valid ...T) (T, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("enums must be strings")
	}
	for _, x := range valid {
		if string(x) == s {
			return x, nil
		}
	}
	return "", fmt.Errorf("%q is not one of %s", s, joinEnum(valid))
}

func joinEnum[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// MarshalGQL writes the enum value.
func (b Backend) MarshalGQL(w io.Writer) { marshalEnum(w, b) }

// UnmarshalGQL reads the enum value.
func (b *Backend) UnmarshalGQL(v any) (err error) {
	*b, err = unmarshalEnum(v, BackendSynergy, BackendSolos, BackendRKeeper)
	return err
}

// MarshalGQL writes the enum value.
func (o DataOrigin) MarshalGQL(w io.Writer) { marshalEnum(w, o) }

// UnmarshalGQL reads the enum value.
func (o *DataOrigin) UnmarshalGQL(v any) (err error) {
	*o, err = unmarshalEnum(v, OriginUpstream, OriginCache, OriginStale)
	return err
}

// MarshalGQL writes the enum value.
func (k PhoneKind) MarshalGQL(w io.Writer) { marshalEnum(w, k) }

// UnmarshalGQL reads the enum value.
func (k *PhoneKind) UnmarshalGQL(v any) (err error) {
	*k, err = unmarshalEnum(v, PhoneMain, PhoneMobile, PhoneWork, PhoneHome, PhoneOther, PhoneFax)
	return err
}

// MarshalGQL writes the enum value.
func (k EmailKind) MarshalGQL(w io.Writer) { marshalEnum(w, k) }

// UnmarshalGQL reads the enum value.
func (k *EmailKind) UnmarshalGQL(v any) (err error) {
	*k, err = unmarshalEnum(v, EmailMain, EmailOther)
	return err
}

// --- helpers the views share ---

func nonEmpty(s *string) (string, bool) {
	if s == nil {
		return "", false
	}
	t := strings.TrimSpace(*s)
	return t, t != ""
}

func phoneOf(out []*Phone, number, ext *string, kind PhoneKind) []*Phone {
	n, ok := nonEmpty(number)
	if !ok {
		return out
	}
	p := &Phone{Number: n, Kind: kind}
	if e, ok := nonEmpty(ext); ok {
		p.Extension = &e
	}
	return append(out, p)
}

func emailOf(out []*Email, addr *string, kind EmailKind) []*Email {
	if a, ok := nonEmpty(addr); ok {
		out = append(out, &Email{Address: a, Kind: kind})
	}
	return out
}

// JoinName joins the parts of a person's name that are set, in the order
// given, with single spaces; nil when none is.
func JoinName(parts ...*string) *string {
	var b []string
	for _, p := range parts {
		if s, ok := nonEmpty(p); ok {
			b = append(b, s)
		}
	}
	if len(b) == 0 {
		return nil
	}
	s := strings.Join(b, " ")
	return &s
}
