// Package limits bounds what one GraphQL request may cost before gqlgen
// spends it: it parses, measures and validates each document once, at a
// cost bounded by the request limits, and hands gqlgen a validated document.
package limits

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/crmgateway/gateway/internal/apierr"
)

// Defaults of the limits Config leaves at zero.
const (
	DefaultMaxTokens      = 10000
	DefaultMaxDepth       = 15
	DefaultMaxAliases     = 50
	DefaultMaxFields      = 500
	DefaultMaxSelections  = 5000
	DefaultMaxDirectives  = 50
	DefaultMaxFieldPairs  = 2000
	DefaultMaxInputDepth  = 32
	DefaultMaxInputValues = 2000
	// DefaultMaxSchemaSelections is how many times one operation may ask
	// for __schema (each costs the whole schema's answer).
	DefaultMaxSchemaSelections = 1
)

// Config is the set of request limits. Each is checked before gqlgen
// validates the document; crossing one answers QUERY_TOO_COMPLEX with
// extensions.limit naming it and extensions.max its value.
type Config struct {
	MaxTokens  int // lexer tokens of one document ("tokens")
	MaxDepth   int // selection nesting, fragments expanded ("depth")
	MaxAliases int // aliased fields, once per fragment use ("aliases")
	MaxFields  int // field selections, once per fragment use ("fields")
	// MaxSelections bounds validation's walk: fields, spreads and inline
	// fragments of every operation and every fragment definition,
	// fragments expanded ("selections").
	MaxSelections int
	// MaxDirectives bounds the directives written in one document
	// ("directives").
	MaxDirectives int
	// MaxFieldPairs bounds the pairs of same-keyed fields validation
	// compares at one place of the response ("fieldPairs", see FieldPairs).
	MaxFieldPairs int
	// MaxInputDepth bounds the nesting of lists and objects in one input
	// value, in the document and in the variables ("inputDepth").
	MaxInputDepth int
	// MaxInputValues bounds the values in one argument value, in the
	// variables and in the extensions of one request ("inputValues").
	MaxInputValues int
	// MaxSchemaSelections bounds __schema selections per operation
	// ("introspection"); the shape of introspection below it is fixed.
	MaxSchemaSelections int
	// Suggestions offers "Did you mean …?" in validation errors. They name
	// schema fields and types, so they are off where introspection is.
	Suggestions bool
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxTokens, DefaultMaxTokens)
	def(&c.MaxDepth, DefaultMaxDepth)
	def(&c.MaxAliases, DefaultMaxAliases)
	def(&c.MaxFields, DefaultMaxFields)
	def(&c.MaxSelections, DefaultMaxSelections)
	def(&c.MaxDirectives, DefaultMaxDirectives)
	def(&c.MaxFieldPairs, DefaultMaxFieldPairs)
	def(&c.MaxInputDepth, DefaultMaxInputDepth)
	def(&c.MaxInputValues, DefaultMaxInputValues)
	def(&c.MaxSchemaSelections, DefaultMaxSchemaSelections)
	return c
}

// Extension is the gqlgen extension that enforces Config. It runs after
// persisted queries have supplied the document and before gqlgen parses
// it: a document in gqlgen's query cache has passed already; any other is
// parsed (token-limited), measured, validated at a bounded cost and, when
// valid, put in the cache, where gqlgen finds it without parsing or
// validating it again.
type Extension struct {
	cfg    Config
	schema *ast.Schema
	cache  graphql.Cache[*ast.QueryDocument]
}

var (
	_ graphql.HandlerExtension          = (*Extension)(nil)
	_ graphql.OperationParameterMutator = (*Extension)(nil)
)

// New builds the extension for schema. cache must be the query cache given
// to gqlgen's handler (SetQueryCache), or documents are validated twice.
func New(cfg Config, schema *ast.Schema, cache graphql.Cache[*ast.QueryDocument]) *Extension {
	return &Extension{cfg: cfg.withDefaults(), schema: schema, cache: cache}
}

// ExtensionName names the extension in gqlgen's list.
func (e *Extension) ExtensionName() string { return "RequestLimits" }

// Validate is gqlgen's hook to check the extension against the schema.
func (e *Extension) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters checks, and when valid caches, the document.
func (e *Extension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // gqlgen answers "no operation provided"
	}
	if _, ok := e.cache.Get(ctx, p.Query); ok {
		return nil
	}
	// The lexer alone first: it allocates nothing, where the parser
	// allocates for every token. (A document shorter than the token limit
	// cannot cross it: every token is a byte at least.)
	if len(p.Query) > e.cfg.MaxTokens {
		tokens, directives := lex(p.Query, e.cfg.MaxTokens)
		switch {
		case tokens > e.cfg.MaxTokens:
			return tooManyTokens(e.cfg.MaxTokens)
		case directives > e.cfg.MaxDirectives:
			return tooManyDirectives(directives, e.cfg.MaxDirectives)
		}
	}
	var timing Timing
	if graphql.HasOperationContext(ctx) {
		graphql.GetOperationContext(ctx).Stats.SetExtension(timingKey, &timing)
	}
	timing.Parsing.Start = graphql.Now()
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, e.cfg.MaxTokens)
	timing.Parsing.End = graphql.Now()
	if err != nil {
		var ge *gqlerror.Error
		if errors.As(err, &ge) && strings.Contains(ge.Message, "exceeded token limit") {
			return tooManyTokens(e.cfg.MaxTokens)
		}
		if ge == nil {
			ge = gqlerror.Wrap(err)
		}
		errcode.Set(ge, errcode.ParseFailed)
		return ge
	}
	if len(doc.Operations) == 0 {
		err := gqlerror.Errorf("no operation provided") // gqlgen's words
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	m := Measure(doc)
	if refusal := e.check(doc, m); refusal != nil {
		return refusal
	}
	timing.Validation.Start = graphql.Now()
	errs := Validate(e.schema, doc, m, e.cfg.Suggestions)
	timing.Validation.End = graphql.Now()
	if len(errs) > 0 {
		return carry(errs)
	}
	e.cache.Add(ctx, p.Query, doc)
	return nil
}

// timingKey names Timing among gqlgen's per-operation stats.
const timingKey = "RequestLimits"

// Timing is when the extension parsed and validated a document that was
// not in the query cache. gqlgen's own Stats.Parsing and Stats.Validation
// then cover a cache lookup only, so tracing reads these instead.
type Timing struct {
	Parsing, Validation graphql.TraceTiming
}

// TimingOf returns the timing recorded for op, or nil when its document
// came from the query cache.
func TimingOf(op *graphql.OperationContext) *Timing {
	t, _ := op.Stats.GetExtension(timingKey).(*Timing)
	return t
}

// check applies the limits, cheapest figures first.
func (e *Extension) check(doc *ast.QueryDocument, m Measures) *gqlerror.Error {
	c := e.cfg
	switch {
	case m.Directives > c.MaxDirectives:
		return tooManyDirectives(m.Directives, c.MaxDirectives)
	case m.InputDepth > c.MaxInputDepth:
		return tooComplex(fmt.Sprintf("an argument value nests %d lists or objects deep; at most %d are allowed", m.InputDepth, c.MaxInputDepth), "inputDepth", c.MaxInputDepth)
	case m.InputValues > c.MaxInputValues:
		return tooComplex(fmt.Sprintf("an argument value holds %d values; at most %d are allowed", m.InputValues, c.MaxInputValues), "inputValues", c.MaxInputValues)
	case m.Aliases > int64(c.MaxAliases):
		return tooComplex(fmt.Sprintf("the query uses %s aliases; at most %d are allowed", count(m.Aliases), c.MaxAliases), "aliases", c.MaxAliases)
	case m.Fields > int64(c.MaxFields):
		return tooComplex(fmt.Sprintf("the query selects %s fields; at most %d are allowed", count(m.Fields), c.MaxFields), "fields", c.MaxFields)
	case m.Depth > c.MaxDepth:
		return tooComplex(fmt.Sprintf("the query is %d levels deep; at most %d are allowed", m.Depth, c.MaxDepth), "depth", c.MaxDepth)
	case m.Selections > int64(c.MaxSelections):
		return tooComplex(fmt.Sprintf("the document expands to %s selections (every operation and fragment, fragments expanded); at most %d are allowed", count(m.Selections), c.MaxSelections), "selections", c.MaxSelections)
	case m.Schemas > int64(c.MaxSchemaSelections):
		return tooComplex(fmt.Sprintf("an operation selects __schema %d times; at most %d is allowed", m.Schemas, c.MaxSchemaSelections), "introspection", c.MaxSchemaSelections)
	case m.Introspection != "":
		return tooComplex(m.Introspection, "introspection", m.IntrospectionMax)
	}
	pairs, ok := FieldPairs(doc, int64(c.MaxSelections))
	switch {
	case !ok:
		return tooComplex(fmt.Sprintf("the document expands to more than %d selections; at most %d are allowed", c.MaxSelections, c.MaxSelections), "selections", c.MaxSelections)
	case pairs > int64(c.MaxFieldPairs):
		return tooComplex(fmt.Sprintf("the query repeats fields under the same response key so often that %s pairs would have to be compared; at most %d are allowed (select each field once per place)", count(pairs), c.MaxFieldPairs), "fieldPairs", c.MaxFieldPairs)
	}
	return nil
}

// CheckInput bounds a request's variables or extensions (name says which)
// before they are decoded: raw is their JSON text.
func (e *Extension) CheckInput(name string, raw []byte) *gqlerror.Error {
	depth, values := jsonShape(raw, e.cfg.MaxInputDepth, e.cfg.MaxInputValues)
	switch {
	case depth > e.cfg.MaxInputDepth:
		return tooComplex(fmt.Sprintf("the %s nest lists or objects more than %d deep", name, e.cfg.MaxInputDepth), "inputDepth", e.cfg.MaxInputDepth)
	case values > e.cfg.MaxInputValues:
		return tooComplex(fmt.Sprintf("the %s hold more than %d values", name, e.cfg.MaxInputValues), "inputValues", e.cfg.MaxInputValues)
	}
	return nil
}

// lex counts the tokens the parser would read (comments included, as the
// parser counts them) and the directives among them, stopping one token
// past maxTokens or at the first lexical error, which the parser then
// reports.
func lex(query string, maxTokens int) (tokens, directives int) {
	l := lexer.New(&ast.Source{Input: query})
	for tokens <= maxTokens {
		t, err := l.ReadToken()
		if err != nil || t.Kind == lexer.EOF {
			break
		}
		if t.Kind == lexer.At {
			directives++
		}
		tokens++
	}
	return tokens, directives
}

func tooManyTokens(max int) *gqlerror.Error {
	return tooComplex(fmt.Sprintf("the query has more than %d tokens", max), "tokens", max)
}

func tooManyDirectives(n, max int) *gqlerror.Error {
	return tooComplex(fmt.Sprintf("the query has %d directives; at most %d are allowed", n, max), "directives", max)
}

// count writes a measure; a saturated one is past counting.
func count(n int64) string {
	if n == math.MaxInt64 {
		return "over 2^63"
	}
	return fmt.Sprint(n)
}

func tooComplex(msg, limit string, max int) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{
		"code": string(apierr.QueryTooComplex), "limit": limit, "max": max,
	}}
}

// validationErrors carries every validation error of a document through
// gqlgen's OperationParameterMutator, which returns a single error.
type validationErrors gqlerror.List

func (v validationErrors) Error() string { return gqlerror.List(v).Error() }

// carry returns the first error with the whole list attached; Errors
// unpacks it.
func carry(list gqlerror.List) *gqlerror.Error {
	first := *list[0]
	first.Err = validationErrors(list)
	return &first
}

// Errors returns the errors gqlgen reported for a request, with the
// validation errors Extension attached to its one error unpacked.
func Errors(list gqlerror.List) gqlerror.List {
	if len(list) == 1 {
		if v, ok := list[0].Err.(validationErrors); ok {
			return gqlerror.List(v)
		}
	}
	return list
}
