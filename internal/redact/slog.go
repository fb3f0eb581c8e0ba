package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// Handler wraps a slog.Handler so that no record reaches it with a
// secret: the message and every attribute (strings, errors, Stringers,
// any other value as it would print, groups, attributes added with
// WithAttrs) are redacted first. It is the logs' one exit.
//
// Wrapping a Handler's own output again (a logger built before the
// tenants' credentials were known, wrapped once they are) gives one
// handler redacting both sets in one pass, not two passes over every record.
func Handler(next slog.Handler, r *Redactor) slog.Handler {
	if r == nil || r.Len() == 0 {
		return next
	}
	if inner, ok := next.(*handler); ok {
		return &handler{next: inner.next, r: r.With(inner.r.secrets...)}
	}
	return &handler{next: next, r: r}
}

type handler struct {
	next slog.Handler
	r    *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	// One AddAttrs for the whole record: a call per attribute grows the
	// record's slice again and again (an access log line has a dozen).
	var buf [16]slog.Attr
	attrs := buf[:0]
	rec.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, h.attr(a))
		return true
	})
	out.AddAttrs(attrs...)
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(red), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(h.r.String(name)), r: h.r}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	a, _ = h.redacted(a)
	return a
}

// redacted is a with its key and value redacted, and whether that changed
// anything.
func (h *handler) redacted(a slog.Attr) (slog.Attr, bool) {
	key := h.r.String(a.Key)
	v, changed := h.value(a.Value.Resolve())
	changed = changed || key != a.Key
	a.Key, a.Value = key, v
	return a, changed
}

func (h *handler) value(v slog.Value) (slog.Value, bool) {
	switch v.Kind() {
	case slog.KindString:
		if s := h.r.String(v.String()); s != v.String() {
			return slog.StringValue(s), true
		}
	case slog.KindGroup:
		// A group is copied only when redacting changes one of its
		// attributes (its keys and values are mostly the gateway's own).
		attrs := v.Group()
		var red []slog.Attr
		for i, a := range attrs {
			b, changed := h.redacted(a)
			if changed && red == nil {
				red = append(make([]slog.Attr, 0, len(attrs)), attrs[:i]...)
			}
			if red != nil {
				red = append(red, b)
			}
		}
		if red != nil {
			return slog.GroupValue(red...), true
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.StringValue(h.r.String(x.Error())), true
		case fmt.Stringer:
			return slog.StringValue(h.r.String(x.String())), true
		case []byte:
			return slog.StringValue(h.r.String(string(x))), true
		default:
			// Anything else is kept as it is unless its printed form
			// holds a secret; then the redacted print replaces it.
			if s := fmt.Sprintf("%+v", x); h.r.Contains(s) {
				return slog.StringValue(h.r.String(s)), true
			}
		}
	}
	return v, false
}
