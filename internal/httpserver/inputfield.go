package httpserver

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Every input error names the input it is about in extensions.field, the
// way the resolvers' own errors do ("first", "input.firstName",
// "filter.created.from"). gqlparser's validation errors about argument
// values carry only a location, and gqlgen's variable coercion errors only
// a path below "variable"; nameInputFields completes them before they are
// presented, and words each kind of input error one way whatever found it,
// the input's path first, as the resolvers' own errors are worded:
//
//   - missing: "<field> is required"
//   - unknown: "<field> is unknown" (with the validator's "Did you mean …")
//   - a value of the wrong type: "<field> is not a valid value: <detail>"
//
// Errors about a variable's use rather than its value (declared and never
// used, of the wrong type for its position) get the field and keep their
// message.

var (
	// ProvidedRequiredArguments: the location is the field's, the argument
	// is in the message.
	requiredArgument = regexp.MustCompile(`^Field "[^"]+" argument "([^"]+)" of type "[^"]+" is required, but it was not provided\.$`)
	// ValuesOfCorrectType on an input object: the location is the
	// object's, the missing field is in the message.
	requiredInputField = regexp.MustCompile(`^Field "[^".]+\.([^"]+)" of required type "[^"]+" was not provided\.$`)
	// KnownArgumentNames: the location is the field's, the argument is in
	// the message.
	unknownArgument = regexp.MustCompile(`^Unknown argument "([^"]+)" on `)
	// ValuesOfCorrectType on an input object's unknown field: the location
	// is the field's own.
	unknownInputField = regexp.MustCompile(`^Field "[^"]+" is not defined by type "[^"]+"\.`)
	// The validator's suggestion, kept with the unknown kind.
	suggestion = regexp.MustCompile(` (Did you mean .*)$`)
)

// The kinds of input error, each with its one wording.
const (
	kindOther = iota // the field is named, the message kept
	kindRequired
	kindUnknown
	kindInvalid
)

// nameInputFields sets extensions.field on the validation and variable
// errors of an operation that name an input without saying which.
// query is the operation's text: validation errors come before gqlgen
// keeps the parsed document, so it is parsed again (on this error path
// only) for the positions of the inputs.
func nameInputFields(opCtx *graphql.OperationContext, query string, errs gqlerror.List) {
	if opCtx != nil && opCtx.RawQuery != "" {
		query = opCtx.RawQuery
	}
	var doc *ast.QueryDocument
	if opCtx != nil {
		doc = opCtx.Doc
	}
	var at map[ast.Position]string
	for _, e := range errs {
		if e == nil {
			continue
		}
		if _, ok := e.Extensions["field"]; ok {
			continue
		}
		if c, ok := e.Extensions["code"].(string); ok && c != errcode.ValidationFailed {
			continue // parse errors, limits: about the document, not an input
		}
		field := ""
		kind := kindOther
		switch {
		case len(e.Path) >= 2 && e.Path[0] == ast.PathName("variable"):
			field = joinInputPath(e.Path[1:])
			switch e.Message {
			case "must be defined":
				kind = kindRequired
			case "unknown field":
				kind = kindUnknown
			default:
				kind = kindInvalid
			}
		case len(e.Locations) == 1 && query != "":
			if at == nil {
				if doc == nil {
					doc, _ = parser.ParseQuery(&ast.Source{Input: query})
				}
				at = map[ast.Position]string{}
				if doc != nil {
					at = inputPositions(doc)
				}
			}
			loc := e.Locations[0]
			here := at[ast.Position{Line: loc.Line, Column: loc.Column}]
			switch m1, m2, m3 := requiredArgument.FindStringSubmatch(e.Message), unknownArgument.FindStringSubmatch(e.Message),
				requiredInputField.FindStringSubmatch(e.Message); {
			case m1 != nil:
				field, kind = m1[1], kindRequired
			case m2 != nil:
				field, kind = m2[1], kindUnknown
			case m3 != nil && here != "":
				field, kind = here+"."+m3[1], kindRequired
			case unknownInputField.MatchString(e.Message):
				field, kind = here, kindUnknown
			case e.Rule == "ValuesOfCorrectType":
				field, kind = here, kindInvalid
			default:
				field = here
			}
		}
		if field == "" {
			continue
		}
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		e.Extensions["field"] = field
		orig := e.Message
		switch kind {
		case kindRequired:
			e.Message = field + " is required"
		case kindUnknown:
			e.Message = field + " is unknown"
			if m := suggestion.FindStringSubmatch(orig); m != nil {
				e.Message += ". " + m[1]
			}
		case kindInvalid:
			e.Message = field + " is not a valid value: " + orig
		}
	}
}

// inputPositions maps the position of every argument, input object field,
// list element and variable definition of doc to the input's path:
// `contacts(first: "x")` puts "first" at the argument and at its value.
func inputPositions(doc *ast.QueryDocument) map[ast.Position]string {
	out := map[ast.Position]string{}
	put := func(p *ast.Position, path string) {
		if p != nil {
			if _, ok := out[ast.Position{Line: p.Line, Column: p.Column}]; !ok {
				out[ast.Position{Line: p.Line, Column: p.Column}] = path
			}
		}
	}
	var value func(v *ast.Value, path string)
	value = func(v *ast.Value, path string) {
		if v == nil {
			return
		}
		put(v.Position, path)
		for i, c := range v.Children {
			child := path + "." + strconv.Itoa(i)
			if v.Kind == ast.ObjectValue {
				child = path + "." + c.Name
				put(c.Position, child)
			}
			value(c.Value, child)
		}
	}
	var selections func(set ast.SelectionSet)
	directives := func(ds ast.DirectiveList) {
		for _, d := range ds {
			for _, a := range d.Arguments {
				put(a.Position, a.Name)
				value(a.Value, a.Name)
			}
		}
	}
	selections = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					put(a.Position, a.Name)
					value(a.Value, a.Name)
				}
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.InlineFragment:
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.FragmentSpread:
				directives(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		for _, v := range op.VariableDefinitions {
			put(v.Position, v.Variable)
			value(v.DefaultValue, v.Variable)
		}
		directives(op.Directives)
		selections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		selections(f.SelectionSet)
	}
	return out
}

// joinInputPath writes a variable path as extensions.field does:
// ["in", "addresses", 0, "house"] → "in.addresses.0.house".
func joinInputPath(p ast.Path) string {
	parts := make([]string, len(p))
	for i, e := range p {
		switch x := e.(type) {
		case ast.PathName:
			parts[i] = string(x)
		case ast.PathIndex:
			parts[i] = strconv.Itoa(int(x))
		}
	}
	return strings.Join(parts, ".")
}
