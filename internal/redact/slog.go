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
func Handler(next slog.Handler, r *Redactor) slog.Handler {
	if r == nil || r.Len() == 0 {
		return next
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
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
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
	a.Key = h.r.String(a.Key)
	a.Value = h.value(a.Value.Resolve())
	return a
}

func (h *handler) value(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(h.r.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		red := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			red[i] = h.attr(a)
		}
		return slog.GroupValue(red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.StringValue(h.r.String(x.Error()))
		case fmt.Stringer:
			return slog.StringValue(h.r.String(x.String()))
		case []byte:
			return slog.StringValue(h.r.String(string(x)))
		default:
			// Anything else is kept as it is unless its printed form
			// holds a secret; then the redacted print replaces it.
			if s := fmt.Sprintf("%+v", x); h.r.Contains(s) {
				return slog.StringValue(h.r.String(s))
			}
		}
	}
	return v
}
