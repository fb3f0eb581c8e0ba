package graph

import (
	"context"
	"errors"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/globalid"
	"github.com/crmgateway/gateway/internal/loaders"
	"github.com/crmgateway/gateway/internal/scalar"
)

// SynergyWriter is what the mutations need from the SynergyCRM adapter.
// Writes are never retried: a failure's extensions.outcome tells whether
// it may have been applied.
type SynergyWriter interface {
	Create(ctx context.Context, w domain.SynergyWrite) (*domain.SynergyDocument, error)
	Update(ctx context.Context, w domain.SynergyWrite) (*domain.SynergyDocument, error)
	Delete(ctx context.Context, typ, id string) error
}

// synergyInput collects one mutation's input as a SynergyWrite, and every
// problem with it, before anything is sent.
type synergyInput struct {
	w     domain.SynergyWrite
	rawID string // global ID of the entity to update
	errs  []error
}

func newSynergyInput(typ, id string) *synergyInput {
	return &synergyInput{rawID: id, w: domain.SynergyWrite{Type: typ,
		Attributes: map[string]any{}, Relationships: map[string]domain.SynergyLinkage{}}}
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// setAttr sends a create attribute when the client set it.
func setAttr(w *synergyInput, name string, v any) {
	if !isNil(v) {
		w.w.Attributes[name] = v
	}
}

// setTime sends a time in the layout the docs show for that attribute.
func setTime(w *synergyInput, name, layout string, v *scalar.DateTime) {
	if v != nil {
		w.w.Attributes[name] = v.Format(layout)
	}
}

// setOmit sends an update attribute when the client set it; null clears.
func setOmit[T any](w *synergyInput, name string, o graphql.Omittable[T]) {
	if v, ok := o.ValueOK(); ok {
		if isNil(v) {
			w.w.Attributes[name] = nil
		} else {
			w.w.Attributes[name] = v
		}
	}
}

func setOmitTime(w *synergyInput, name, layout string, o graphql.Omittable[*scalar.DateTime]) {
	if v, ok := o.ValueOK(); ok {
		if v == nil {
			w.w.Attributes[name] = nil
		} else {
			w.w.Attributes[name] = v.Format(layout)
		}
	}
}

// requireOmit refuses null for an attribute the upstream requires.
func requireOmit[T any](w *synergyInput, field string, o graphql.Omittable[T]) {
	if v, ok := o.ValueOK(); ok && isNil(v) {
		w.errs = append(w.errs, apierr.Invalid(field, "%s is required and cannot be set to null", field))
	}
}

// ref decodes a global ID that must name one of the target types.
func (w *synergyInput) ref(field string, targets []string, id string) (domain.SynergyRef, bool) {
	gid, err := globalid.Decode(id)
	ok := err == nil && gid.Backend == globalid.Synergy
	if ok {
		ok = false
		for _, t := range targets {
			ok = ok || gid.Type == t
		}
	}
	if !ok {
		var names []string
		for _, t := range targets {
			names = append(names, synergyTypeNames[t])
		}
		w.errs = append(w.errs, apierr.Invalid(field, "%s must be the global ID of a SynergyCRM %v", field, names))
		return domain.SynergyRef{}, false
	}
	return domain.SynergyRef{Type: gid.Type, ID: gid.Source}, true
}

func relOne(w *synergyInput, key, field string, targets []string, id *string) {
	if id == nil {
		return
	}
	if ref, ok := w.ref(field, targets, *id); ok {
		w.w.Relationships[key] = domain.SynergyLinkage{Refs: []domain.SynergyRef{ref}}
	}
}

func relMany(w *synergyInput, key, field string, targets []string, ids []string) {
	if ids == nil {
		return
	}
	l := domain.SynergyLinkage{Many: true, Refs: []domain.SynergyRef{}}
	for _, id := range ids {
		if ref, ok := w.ref(field, targets, id); ok {
			l.Refs = append(l.Refs, ref)
		}
	}
	w.w.Relationships[key] = l
}

func relOneOmit(w *synergyInput, key, field string, targets []string, o graphql.Omittable[*string]) {
	if v, ok := o.ValueOK(); ok {
		if v == nil {
			w.w.Relationships[key] = domain.SynergyLinkage{}
			return
		}
		relOne(w, key, field, targets, v)
	}
}

// relManyOmit: null clears the relationship (an empty list is sent).
func relManyOmit(w *synergyInput, key, field string, targets []string, o graphql.Omittable[[]string]) {
	if v, ok := o.ValueOK(); ok {
		if v == nil {
			v = []string{}
		}
		relMany(w, key, field, targets, v)
	}
}

// validated reports every input problem, the first as the field's error
// and the rest beside it, so a client fixes them all in one round.
func (w *synergyInput) validated(ctx context.Context) error {
	if len(w.errs) == 0 {
		return nil
	}
	for _, e := range w.errs[1:] {
		graphql.AddError(ctx, e)
	}
	return w.errs[0]
}

func synergyWriter(ctx context.Context, r *Resolver) (SynergyWriter, error) {
	syn, err := r.synergy(ctx)
	if err != nil {
		return nil, err
	}
	wr, ok := syn.(SynergyWriter)
	if !ok {
		return nil, apierr.New(apierr.Internal, "the SynergyCRM adapter cannot write")
	}
	return wr, nil
}

func synergyCreate[T domain.SynergyEntity](ctx context.Context, r *Resolver, w *synergyInput) (T, error) {
	var zero T
	wr, err := synergyWriter(ctx, r)
	if err != nil {
		return zero, err
	}
	if err := w.validated(ctx); err != nil {
		return zero, err
	}
	doc, err := wr.Create(ctx, w.w)
	if err != nil {
		return zero, err
	}
	return afterWrite[T](ctx, r, doc)
}

func synergyUpdate[T domain.SynergyEntity](ctx context.Context, r *Resolver, w *synergyInput) (T, error) {
	var zero T
	wr, err := synergyWriter(ctx, r)
	if err != nil {
		return zero, err
	}
	gid, err := globalid.DecodeAs(w.rawID, globalid.Synergy, w.w.Type)
	if err != nil {
		w.errs = append([]error{invalidID("id", err)}, w.errs...)
	}
	if err := w.validated(ctx); err != nil {
		return zero, err
	}
	w.w.ID = gid.Source
	doc, err := wr.Update(ctx, w.w)
	if err != nil {
		return zero, err
	}
	return afterWrite[T](ctx, r, doc)
}

func synergyDelete(ctx context.Context, r *Resolver, typ, id string) (*domain.DeletePayload, error) {
	wr, err := synergyWriter(ctx, r)
	if err != nil {
		return nil, err
	}
	gid, err := globalid.DecodeAs(id, globalid.Synergy, typ)
	if err != nil {
		return nil, invalidID("id", err)
	}
	if err := wr.Delete(ctx, typ, gid.Source); err != nil {
		return nil, err
	}
	invalidate(ctx, domain.SynergyRef{Type: typ, ID: gid.Source})
	return &domain.DeletePayload{DeletedID: id}, nil
}

// afterWrite drops every copy the request holds of the written entity and
// serves the upstream's own answer, so nothing stale follows a write.
func afterWrite[T domain.SynergyEntity](ctx context.Context, r *Resolver, doc *domain.SynergyDocument) (T, error) {
	var zero T
	e := doc.Data[0]
	rec := e.Record()
	invalidate(ctx, domain.SynergyRef{Type: rec.Type, ID: rec.SourceID})
	synergyStoreFor(ctx).put(e)
	t, ok := e.(T)
	if !ok {
		return zero, errors.New("SynergyCRM answered the write with another type")
	}
	r.fillWritten(ctx, e)
	return t, nil
}

// invalidate forgets an entity in the request's store and loaders; reads
// with includes and related lists may name it, so they are dropped whole.
func invalidate(ctx context.Context, ref domain.SynergyRef) {
	synergyStoreFor(ctx).forget(ref)
	synergyStoreFor(ctx).clearRels()
	if l, ok := loaders.Lookup[*dataloader.Loader[relatedKey, []domain.SynergyEntity]](ctx, synergyRelatedLoaderKey{}); ok {
		l.ClearAll()
	}
	if l, ok := loaders.Lookup[*dataloader.Loader[fetchKey, domain.SynergyEntity]](ctx, synergyFetchLoaderKey{}); ok {
		l.ClearAll()
	}
}
