// Package scalar owns the custom GraphQL scalars (DateTime, LocalDateTime,
// Date, Decimal, JSON): their wire formats in both directions.
package scalar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/crmgateway/gateway/internal/apierr"
	"io"
	"strconv"
	"strings"
	"time"
)

// DateTime is an instant with its original UTC offset. It decodes the
// upstreams' variants (RFC 3339 with or without fraction, a bare date,
// "2006-01-02 15:04 -0700") and encodes RFC 3339 with milliseconds.
type DateTime struct{ time.Time }

var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04 -0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02",
}

// ParseDateTime accepts every form the upstreams send.
func ParseDateTime(s string) (DateTime, error) {
	s = strings.TrimSpace(s)
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return DateTime{t}, nil
		}
	}
	return DateTime{}, fmt.Errorf("%q is not a date-time (want RFC 3339, e.g. 2022-02-22T12:02:22.222+03:00)", s)
}

func (d DateTime) String() string { return d.Time.Format("2006-01-02T15:04:05.000Z07:00") }

func (d DateTime) MarshalGQL(w io.Writer) { writeString(w, d.String()) }

func (d *DateTime) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return badInput("DateTime must be a string such as 2022-02-22T12:00:00+03:00")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return badInput("%q is not an RFC 3339 date-time such as 2022-02-22T12:00:00+03:00", s)
	}
	d.Time = t
	return nil
}

func (d DateTime) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *DateTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date-time: %w", err)
	}
	p, err := ParseDateTime(s)
	*d = p
	return err
}

// LocalDateTime is a wall-clock time without a zone, as r_keeper sends it
// ("1971-10-18T00:00:00"); the gateway does not invent an offset.
type LocalDateTime struct{ time.Time }

const localLayout = "2006-01-02T15:04:05"

// ParseLocalDateTime accepts "2006-01-02T15:04:05" (fraction allowed) or a bare date.
func ParseLocalDateTime(s string) (LocalDateTime, error) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return LocalDateTime{t}, nil
		}
	}
	return LocalDateTime{}, fmt.Errorf("%q is not a local date-time such as 2020-02-13T00:00:00", s)
}

func (d LocalDateTime) String() string { return d.Time.Format(localLayout) }

func (d LocalDateTime) MarshalGQL(w io.Writer) { writeString(w, d.String()) }

func (d *LocalDateTime) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return badInput("LocalDateTime must be a string such as 2020-02-13T00:00:00")
	}
	p, err := ParseLocalDateTime(s)
	*d = p
	return asInput(err)
}

func (d LocalDateTime) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *LocalDateTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("local date-time: %w", err)
	}
	p, err := ParseLocalDateTime(s)
	*d = p
	return err
}

// Date is a calendar date, "2006-01-02". Decoding also accepts a date-time
// and keeps its date part, as upstream examples mix the two.
type Date struct{ time.Time }

// ParseDate accepts "2006-01-02" or any date-time form.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return Date{t}, nil
	}
	if dt, err := ParseDateTime(s); err == nil {
		y, m, d := dt.Date()
		return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}, nil
	}
	if l, err := ParseLocalDateTime(s); err == nil {
		y, m, d := l.Date()
		return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}, nil
	}
	return Date{}, fmt.Errorf("%q is not a date such as 2022-02-22", s)
}

func (d Date) String() string { return d.Time.Format("2006-01-02") }

func (d Date) MarshalGQL(w io.Writer) { writeString(w, d.String()) }

func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return badInput("Date must be a string such as 2022-02-22")
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return badInput("%q is not a date such as 2022-02-22", s)
	}
	d.Time = t
	return nil
}

func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: %w", err)
	}
	p, err := ParseDate(s)
	*d = p
	return err
}

// Decimal is an exact decimal number kept as its digits, so no precision is
// lost between the upstream and the client. It decodes a JSON number or a
// numeric string and is always sent to clients as a string ("2200000.0").
type Decimal string

// ParseDecimal validates s as a decimal number.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if !isDecimal(s) {
		return "", fmt.Errorf("%q is not a decimal number such as 2222.50", s)
	}
	return Decimal(s), nil
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case (c == 'e' || c == 'E') && digits > 0:
			_, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
			return err == nil
		default:
			return false
		}
	}
	return digits > 0
}

func (d Decimal) MarshalGQL(w io.Writer) { writeString(w, string(d)) }

func (d *Decimal) UnmarshalGQL(v any) error {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return badInput("Decimal must be a string such as \"2222.50\"")
	}
	p, err := ParseDecimal(s)
	*d = p
	return asInput(err)
}

// MarshalJSON writes the decimal as a bare JSON number, as upstreams take it.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if !isDecimal(string(d)) {
		return nil, fmt.Errorf("invalid decimal %q", string(d))
	}
	return []byte(strings.TrimPrefix(string(d), "+")), nil
}

func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	p, err := ParseDecimal(s)
	*d = p
	return err
}

// JSON is an arbitrary JSON value kept byte for byte (custom fields,
// attributes of types the docs do not describe).
type JSON json.RawMessage

func (j JSON) MarshalGQL(w io.Writer) {
	if len(j) == 0 {
		_, _ = io.WriteString(w, "null")
		return
	}
	_, _ = w.Write(j)
}

func (j *JSON) UnmarshalGQL(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return badInput("JSON: %v", err)
	}
	*j = b
	return nil
}

func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

func (j *JSON) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

func writeString(w io.Writer, s string) {
	b, _ := json.Marshal(s)
	_, _ = w.Write(b)
}

// badInput marks a client value the scalar refused as BAD_USER_INPUT.
func badInput(format string, args ...any) error {
	return &apierr.Error{Code: apierr.BadUserInput, Message: fmt.Sprintf(format, args...)}
}

func asInput(err error) error {
	if err == nil {
		return nil
	}
	return &apierr.Error{Code: apierr.BadUserInput, Message: err.Error()}
}

// NumericID is the CRM's own id of a record the API cannot read, sent by
// the upstream as a JSON integer (or a string of digits). The API shows
// it as a String, as every raw id.
type NumericID string

// UnmarshalJSON accepts a JSON integer or a string of digits.
func (n *NumericID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	if _, err := strconv.ParseUint(string(b), 10, 64); err != nil {
		return fmt.Errorf("invalid id %q", string(b))
	}
	*n = NumericID(b)
	return nil
}

// MarshalGQL writes the id as a GraphQL String.
func (n NumericID) MarshalGQL(w io.Writer) { writeString(w, string(n)) }

// UnmarshalGQL reads a String (NumericID is output only; this completes
// gqlgen's binding).
func (n *NumericID) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return badInput("an id must be a string")
	}
	*n = NumericID(s)
	return nil
}
