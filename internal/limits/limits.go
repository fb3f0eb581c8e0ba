// Package limits refuses oversized GraphQL documents before gqlgen validates
// or executes them: lexer tokens, selection depth and aliases.
package limits

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/crmgateway/gateway/internal/apierr"
)

// Extension checks each document once, before validation, so that a
// 2000-alias or 50-deep query costs a parse and nothing more. Validation
// (whose overlapping-fields rule is quadratic in aliases) never sees it.
type Extension struct {
	MaxTokens  int
	MaxDepth   int
	MaxAliases int
	MaxFields  int
	// Cache, when set, keeps each document's measures by its text, so a
	// query sent again is not parsed again just to be measured.
	Cache graphql.Cache[Measures]
}

// maxCachedQuery bounds the documents Cache keeps: what the cache holds
// must stay small whatever the clients send.
const maxCachedQuery = 8 << 10

var (
	_ graphql.HandlerExtension          = Extension{}
	_ graphql.OperationParameterMutator = Extension{}
)

func (Extension) ExtensionName() string                   { return "RequestLimits" }
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters runs before gqlgen parses the query.
func (e Extension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // persisted-query lookups carry no document yet
	}
	m, ok := e.measure(ctx, p.Query)
	if !ok {
		return tooComplex(fmt.Sprintf("the query has more than %d tokens", e.MaxTokens), "tokens", e.MaxTokens)
	}
	if m.Aliases > e.MaxAliases {
		return tooComplex(fmt.Sprintf("the query uses %d aliases; at most %d are allowed", m.Aliases, e.MaxAliases), "aliases", e.MaxAliases)
	}
	if m.Fields > e.MaxFields {
		return tooComplex(fmt.Sprintf("the query selects %d fields; at most %d are allowed", m.Fields, e.MaxFields), "fields", e.MaxFields)
	}
	if m.Depth > e.MaxDepth {
		return tooComplex(fmt.Sprintf("the query is %d levels deep; at most %d are allowed", m.Depth, e.MaxDepth), "depth", e.MaxDepth)
	}
	return nil
}

// measure parses and measures a document, or takes its measures from
// Cache; ok is false when the document has more tokens than allowed. A
// document that does not parse measures zero: gqlgen reports the syntax
// error with its location.
func (e Extension) measure(ctx context.Context, query string) (m Measures, ok bool) {
	cache := e.Cache != nil && len(query) <= maxCachedQuery
	if cache {
		if m, hit := e.Cache.Get(ctx, query); hit {
			return m, !m.overTokens
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, e.MaxTokens)
	switch {
	case err == nil:
		m = Measure(doc)
	case isTokenLimit(err):
		m.overTokens = true
	}
	if cache {
		e.Cache.Add(ctx, query, m)
	}
	return m, !m.overTokens
}

func isTokenLimit(err error) bool {
	ge, ok := err.(*gqlerror.Error)
	return ok && isTokenLimitError(ge)
}

func isTokenLimitError(e *gqlerror.Error) bool {
	return strings.Contains(e.Message, "exceeded token limit")
}

func tooComplex(msg, limit string, max int) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{
		"code": string(apierr.QueryTooComplex), "limit": limit, "max": max,
	}}
}

// Measures of one document.
type Measures struct {
	Depth   int // deepest selection, fragments expanded; introspection excluded
	Aliases int // aliased fields, counted once per fragment use
	Fields  int // field selections, counted once per fragment use

	overTokens bool // the document has more tokens than allowed
}

// Measure walks every operation of doc, expanding fragment spreads with a
// guard against cycles (which validation would reject later anyway).
func Measure(doc *ast.QueryDocument) Measures {
	w := walker{frags: map[string]*ast.FragmentDefinition{}}
	for _, f := range doc.Fragments {
		w.frags[f.Name] = f
	}
	var m Measures
	for _, op := range doc.Operations {
		d := w.walk(op.SelectionSet, 0, map[string]bool{})
		if d > m.Depth {
			m.Depth = d
		}
	}
	m.Aliases = w.aliases
	m.Fields = w.fields
	return m
}

type walker struct {
	frags   map[string]*ast.FragmentDefinition
	aliases int
	fields  int
	steps   int
}

// walk returns the depth below set; it stops counting after a million steps
// so that a pathological fragment graph cannot make the check itself slow.
func (w *walker) walk(set ast.SelectionSet, depth int, active map[string]bool) int {
	max := depth
	for _, sel := range set {
		w.steps++
		if w.steps > 1_000_000 {
			return 1 << 20
		}
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			w.fields++
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if strings.HasPrefix(s.Name, "__") {
				continue // introspection is bounded by the schema and the token limit
			}
			d = depth + 1
			if len(s.SelectionSet) > 0 {
				d = w.walk(s.SelectionSet, depth+1, active)
			}
		case *ast.InlineFragment:
			d = w.walk(s.SelectionSet, depth, active)
		case *ast.FragmentSpread:
			f := w.frags[s.Name]
			if f == nil || active[s.Name] {
				continue
			}
			active[s.Name] = true
			d = w.walk(f.SelectionSet, depth, active)
			delete(active, s.Name)
		}
		if d > max {
			max = d
		}
	}
	return max
}
