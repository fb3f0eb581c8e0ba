package limits

import (
	"fmt"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Bounds of validation itself, whatever the document.
const (
	// MaxValidationErrors stops validation: past it the walk goes on with
	// no rule listening, and one last error says validation stopped. (The
	// same number as graphql-js's default.)
	MaxValidationErrors = 100
	// Suggestions ("Did you mean …?") cost a string distance to every
	// candidate name in the schema per unknown name. They are offered when
	// a document has at most this many errors…
	maxSuggestedErrors = 10
	// …and no name longer than this (the schema's longest is under 30).
	maxSuggestedName = 40
)

// suggestingRules are the specification's rules that have a variant
// without suggestions, by the name they are registered under.
var suggestingRules = map[string]core.Rule{
	rules.FieldsOnCorrectTypeRule.Name: rules.FieldsOnCorrectTypeRuleWithoutSuggestions,
	rules.KnownArgumentNamesRule.Name:  rules.KnownArgumentNamesRuleWithoutSuggestions,
	rules.KnownTypeNamesRule.Name:      rules.KnownTypeNamesRuleWithoutSuggestions,
	rules.ScalarLeafsRule.Name:         rules.ScalarLeafsRuleWithoutSuggestions,
	rules.ValuesOfCorrectTypeRule.Name: rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
}

// Validate runs the specification's validation rules over doc at a
// bounded cost: once without suggestions, stopping after
// MaxValidationErrors; and, when suggest is set and the document has few
// errors with short names, once more with suggestions so a typo gets its
// "Did you mean …?". The errors carry gqlgen's validation code.
func Validate(schema *ast.Schema, doc *ast.QueryDocument, m Measures, suggest bool) gqlerror.List {
	errs := validateWith(schema, doc, false)
	if len(errs) > 0 && suggest && len(errs) <= maxSuggestedErrors && m.LongestName <= maxSuggestedName {
		errs = validateWith(schema, doc, true)
	}
	for _, e := range errs {
		errcode.Set(e, errcode.ValidationFailed)
	}
	return errs
}

// Rules is the rule set for gqlgen's own validation
// (handler.Server.SetValidationRulesFn): the specification's rules without
// suggestions, stopping after MaxValidationErrors. gqlgen validates only
// documents missing from the query cache, which Extension fills; this
// keeps that path bounded too.
func Rules() *rules.Rules { return boundedRules(false, &budget{}) }

func validateWith(schema *ast.Schema, doc *ast.QueryDocument, suggest bool) gqlerror.List {
	b := &budget{}
	errs := validator.ValidateWithRules(schema, doc, boundedRules(suggest, b))
	if b.stopped {
		errs = append(errs, &gqlerror.Error{
			Message: fmt.Sprintf("validation stopped after %d errors; correct these and send the query again", MaxValidationErrors),
			Rule:    "MaxValidationErrors",
		})
	}
	return errs
}

// budget counts the errors of one validation; once spent it silences
// every rule.
type budget struct {
	errors  int
	stopped bool
}

func boundedRules(suggest bool, b *budget) *rules.Rules {
	out := rules.NewRules()
	for name, fn := range rules.NewDefaultRules().GetInner() {
		if alt, ok := suggestingRules[name]; ok && !suggest {
			fn = alt.RuleFunc
		}
		out.AddRule(name, b.count(fn))
	}
	out.AddRule("MaxValidationErrors", b.guard)
	return out
}

// count passes a rule's errors on while the budget lasts. Error options
// are applied only when passed on, so a silenced error costs no message.
func (b *budget) count(rule core.RuleFunc) core.RuleFunc {
	return func(observers *core.Events, addError core.AddErrFunc) {
		rule(observers, func(options ...core.ErrorOption) {
			if b.errors >= MaxValidationErrors-1 { // one place kept for the closing error
				b.stopped = true
				return
			}
			b.errors++
			addError(options...)
		})
	}
}

// guard listens to every event; once the budget is spent it replaces the
// walker's listeners with none, so the rest of the walk costs nothing.
func (b *budget) guard(observers *core.Events, _ core.AddErrFunc) {
	stop := func(w *core.Walker) {
		if b.stopped {
			w.Observers = &core.Events{}
		}
	}
	observers.OnOperation(func(w *core.Walker, _ *ast.OperationDefinition) { stop(w) })
	observers.OnField(func(w *core.Walker, _ *ast.Field) { stop(w) })
	observers.OnFragment(func(w *core.Walker, _ *ast.FragmentDefinition) { stop(w) })
	observers.OnInlineFragment(func(w *core.Walker, _ *ast.InlineFragment) { stop(w) })
	observers.OnFragmentSpread(func(w *core.Walker, _ *ast.FragmentSpread) { stop(w) })
	observers.OnDirective(func(w *core.Walker, _ *ast.Directive) { stop(w) })
	observers.OnDirectiveList(func(w *core.Walker, _ []*ast.Directive) { stop(w) })
	observers.OnValue(func(w *core.Walker, _ *ast.Value) { stop(w) })
	observers.OnVariable(func(w *core.Walker, _ *ast.VariableDefinition) { stop(w) })
}
