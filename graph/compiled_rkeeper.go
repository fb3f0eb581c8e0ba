package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/scalar"
)

// rkType is an r_keeper reference record the compiled executor writes:
// its scalar fields, by index, and the root field that lists it.
type rkType struct {
	name  string
	index map[string]int
	write func(w *jsonWriter, rec any, i int)
	// extra reads a record's extra (index rkExtra).
	extra func(rec any) scalar.JSON
	// arg is the list's one argument (the parent's ID), "" for none.
	arg  string
	list func(ctx context.Context, r *Resolver, arg string) ([]any, error)
}

// rkExtra is the index of every reference record's extra field.
const rkExtra = -1

// rkLists are the r_keeper reference lists, by root field.
var rkLists = map[string]*rkType{
	"countries": {
		name:  "Country",
		extra: func(rec any) scalar.JSON { return rec.(*domain.Country).Extra },
		index: map[string]int{"id": 0, "sourceId": 1, "name": 2},
		write: func(w *jsonWriter, rec any, i int) {
			c := rec.(*domain.Country)
			switch i {
			case 0:
				w.str(c.ID())
			case 1:
				w.str(c.SourceID)
			case 2:
				w.str(c.Name)
			}
		},
		list: func(ctx context.Context, r *Resolver, _ string) ([]any, error) {
			return anys((&queryResolver{r}).Countries(ctx))
		},
	},
	"addressTypes": {
		name:  "AddressType",
		extra: func(rec any) scalar.JSON { return rec.(*domain.AddressType).Extra },
		index: map[string]int{"id": 0, "sourceId": 1, "name": 2},
		write: func(w *jsonWriter, rec any, i int) {
			t := rec.(*domain.AddressType)
			switch i {
			case 0:
				w.str(t.ID())
			case 1:
				w.str(t.SourceID)
			case 2:
				w.str(t.Name)
			}
		},
		list: func(ctx context.Context, r *Resolver, _ string) ([]any, error) {
			return anys((&queryResolver{r}).AddressTypes(ctx))
		},
	},
	"clientContactTypes": {
		name:  "ClientContactType",
		extra: func(rec any) scalar.JSON { return rec.(*domain.ClientContactType).Extra },
		index: map[string]int{"id": 0, "sourceId": 1, "name": 2, "isPhone": 3, "isEmail": 4,
			"isSkype": 5, "isSocialNetwork": 6, "mailing": 7},
		write: func(w *jsonWriter, rec any, i int) {
			t := rec.(*domain.ClientContactType)
			switch i {
			case 0:
				w.str(t.ID())
			case 1:
				w.str(t.SourceID)
			case 2:
				w.str(t.Name)
			case 3:
				w.bool(t.IsPhone)
			case 4:
				w.bool(t.IsEmail)
			case 5:
				w.bool(t.IsSkype)
			case 6:
				w.bool(t.IsSocialNetwork)
			case 7:
				w.bool(t.Mailing)
			}
		},
		list: func(ctx context.Context, r *Resolver, _ string) ([]any, error) {
			return anys((&queryResolver{r}).ClientContactTypes(ctx))
		},
	},
	"cities": {
		name:  "City",
		extra: func(rec any) scalar.JSON { return rec.(*domain.City).Extra },
		index: map[string]int{"id": 0, "sourceId": 1, "name": 2},
		write: func(w *jsonWriter, rec any, i int) {
			c := rec.(*domain.City)
			switch i {
			case 0:
				w.str(c.ID())
			case 1:
				w.str(c.SourceID)
			case 2:
				w.str(c.Name)
			}
		},
		arg: "countryId",
		list: func(ctx context.Context, r *Resolver, country string) ([]any, error) {
			return anys((&queryResolver{r}).Cities(ctx, country))
		},
	},
	"metroStations": {
		name:  "MetroStation",
		extra: func(rec any) scalar.JSON { return rec.(*domain.MetroStation).Extra },
		index: map[string]int{"id": 0, "sourceId": 1, "name": 2},
		write: func(w *jsonWriter, rec any, i int) {
			m := rec.(*domain.MetroStation)
			switch i {
			case 0:
				w.str(m.ID())
			case 1:
				w.str(m.SourceID)
			case 2:
				w.str(m.Name)
			}
		},
		arg: "cityId",
		list: func(ctx context.Context, r *Resolver, city string) ([]any, error) {
			return anys((&queryResolver{r}).MetroStations(ctx, city))
		},
	},
	"streets": {
		name:  "Street",
		extra: func(rec any) scalar.JSON { return rec.(*domain.Street).Extra },
		index: map[string]int{"id": 0, "sourceId": 1, "name": 2, "postCode": 3},
		write: func(w *jsonWriter, rec any, i int) {
			st := rec.(*domain.Street)
			switch i {
			case 0:
				w.str(st.ID())
			case 1:
				w.str(st.SourceID)
			case 2:
				w.str(st.Name)
			case 3:
				writeOptString(w, st.PostCode)
			}
		},
		arg: "cityId",
		list: func(ctx context.Context, r *Resolver, city string) ([]any, error) {
			return anys((&queryResolver{r}).Streets(ctx, city))
		},
	},
}

// anys hands a typed list to the writer; nil stays nil (a null list).
func anys[T any](list []T, err error) ([]any, error) {
	if err != nil || list == nil {
		return nil, err
	}
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out, nil
}

// writeRKList writes a nullable list of non-null reference records. Their
// fields are non-null scalars that cannot be null, so no element fails.
func (x *cExec) writeRKList(o *cObj, at *graphql.CollectedField, recs []any) bool {
	if recs == nil {
		x.w.null()
		return true
	}
	t := rkByName[o.typeName]
	x.w.buf = append(x.w.buf, '[')
	for i, rec := range recs {
		if i > 0 {
			x.w.buf = append(x.w.buf, ',')
		}
		x.w.buf = append(x.w.buf, '{')
		for j := range o.fields {
			f := &o.fields[j]
			if j > 0 {
				x.w.buf = append(x.w.buf, ',')
			}
			x.w.key(f.cf.Alias)
			switch {
			case f.op == opTypename:
				x.w.str(f.name)
			case f.idx == rkExtra:
				writeJSONScalar(&x.w, t.extra(rec))
			default:
				t.write(&x.w, rec, f.idx)
			}
		}
		x.w.buf = append(x.w.buf, '}')
	}
	x.w.buf = append(x.w.buf, ']')
	_ = at
	return true
}

// rkByName finds a reference record type by its GraphQL name.
var rkByName = func() map[string]*rkType {
	m := map[string]*rkType{}
	for _, t := range rkLists {
		m[t.name] = t
	}
	return m
}()
