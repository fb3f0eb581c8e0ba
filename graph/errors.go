package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/redact"
	"github.com/crmgateway/gateway/internal/reqinfo"
)

// ErrorPresenter maps every error to the contract: extensions.code is always
// one of the closed set, extensions.upstream names the CRM that caused it,
// and internal causes never reach the client. It is the GraphQL (and so the
// REST) answer's one exit for errors: the message and every extension value
// pass through red, so no credential leaves in them whatever an upstream
// echoed. An error joining several *apierr.Error (an upstream that refused
// several fields at once) becomes one GraphQL error each.
func ErrorPresenter(log *slog.Logger, red *redact.Redactor, count func(apierr.Code)) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var out *gqlerror.Error
		if all := apiErrors(err); len(all) > 1 && graphql.GetFieldContext(ctx) != nil {
			// The first is this error; the others are added beside it,
			// each through this presenter, at the same path.
			for _, e := range all[1:] {
				graphql.AddError(ctx, &gqlerror.Error{Err: e, Message: e.Message, Path: gqlErr.Path})
			}
			err = all[0]
		}
		if e, ok := apierr.As(err); ok {
			if e.Code == apierr.BadUserInput && e.Field == "" {
				e.Field = argumentPath(ctx, gqlErr.Path)
			}
			if e.Code == apierr.Internal && e.Err != nil {
				log.ErrorContext(ctx, "internal error", slog.String("path", gqlErr.Path.String()), slog.String("error", e.Err.Error()))
			}
			out = presentAPI(gqlErr, e)
		} else {
			out = presentOther(ctx, gqlErr, err, log)
		}
		out.Message = red.String(out.Message)
		for k, v := range out.Extensions {
			out.Extensions[k] = red.Value(v)
		}
		code := out.Extensions["code"].(string)
		reqinfo.From(ctx).AddErrorCode(code)
		if count != nil {
			count(apierr.Code(code))
		}
		return out
	}
}

// apiErrors lists the *apierr.Error values err joins (errors.Join), or
// err's one *apierr.Error.
func apiErrors(err error) []*apierr.Error {
	for err != nil {
		switch x := err.(type) {
		case *apierr.Error:
			return []*apierr.Error{x}
		case interface{ Unwrap() []error }:
			var out []*apierr.Error
			for _, e := range x.Unwrap() {
				out = append(out, apiErrors(e)...)
			}
			return out
		}
		err = errors.Unwrap(err)
	}
	return nil
}

func presentAPI(gqlErr *gqlerror.Error, e *apierr.Error) *gqlerror.Error {
	out := &gqlerror.Error{Message: e.ClientMessage(), Path: gqlErr.Path, Locations: gqlErr.Locations}
	if e.Code == apierr.BadUserInput && e.Upstream == "" && e.Field != "" && !strings.HasPrefix(out.Message, e.Field+" ") {
		// The gateway's own input errors start with the input they are
		// about, as the transport words validation errors: a value a
		// scalar or a check refused is "<field> is not a valid value: …".
		out.Message = e.Field + " is not a valid value: " + out.Message
	}
	ext := map[string]any{"code": string(e.Code)}
	if e.Upstream != "" {
		ext["upstream"] = e.Upstream
	}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	if e.RequestID != "" {
		ext["requestId"] = e.RequestID
	}
	if e.UpstreamCode != "" {
		ext["upstreamCode"] = e.UpstreamCode
	}
	if e.Outcome != "" {
		ext["outcome"] = string(e.Outcome)
	}
	if e.RetryAfterSeconds > 0 {
		ext["retryAfterSeconds"] = e.RetryAfterSeconds
	}
	out.Extensions = ext
	return out
}

// presentOther handles errors gqlgen made itself (parse, validation, input
// coercion, complexity) and anything unexpected, which becomes INTERNAL with
// a generic message while the cause goes to the log.
//
// Input coercion is recognised by its path, whatever the scalar: gqlgen's
// own unmarshalers (ID, String, Int, Float, Boolean, enums) return plain
// errors, placed at the argument's path below the field ("contact", "id"),
// and a variable's at ("variable", "v", ...). Both are the client's input:
// BAD_USER_INPUT naming it in extensions.field.
func presentOther(ctx context.Context, gqlErr *gqlerror.Error, err error, log *slog.Logger) *gqlerror.Error {
	var code apierr.Code
	switch c, _ := gqlErr.Extensions["code"].(string); c {
	case errcode.ParseFailed, errcode.ValidationFailed, "PERSISTED_QUERY_NOT_SUPPORTED", "BAD_REQUEST":
		code = apierr.BadUserInput
	case "COMPLEXITY_LIMIT_EXCEEDED":
		code = apierr.QueryTooComplex
	default:
		for _, known := range apierr.Codes {
			if c == string(known) {
				code = known
			}
		}
	}
	ext := map[string]any{}
	for k, v := range gqlErr.Extensions {
		ext[k] = v
	}
	msg := gqlErr.Message
	if field := variablePath(gqlErr.Path); field != "" && code == apierr.BadUserInput {
		ext["field"] = field
	}
	if code == "" {
		if field, typ := argumentOf(ctx, gqlErr.Path); field != "" {
			code = apierr.BadUserInput
			msg = field + " is not a valid " + typ
			ext = map[string]any{"field": field}
		}
	}
	if code == "" {
		code = apierr.Internal
		msg = "internal error"
		log.ErrorContext(ctx, "unexpected resolver error", slog.String("path", gqlErr.Path.String()), slog.String("error", err.Error()))
		ext = map[string]any{}
	}
	if c, ok := ext["code"].(string); ok && c != string(code) && c != "" {
		ext["reason"] = c
	}
	ext["code"] = string(code)
	return &gqlerror.Error{Message: msg, Path: gqlErr.Path, Locations: gqlErr.Locations, Extensions: ext, Rule: gqlErr.Rule}
}

// variablePath names the variable (and the input field inside it) a
// variable coercion error is about: ["variable", "input", "firstName"] →
// "input.firstName".
func variablePath(path ast.Path) string {
	if len(path) < 2 || path[0] != ast.PathName("variable") {
		return ""
	}
	return joinPath(path[1:])
}

// argumentOf is argumentPath for errors that carry no code: it names the
// argument only when the path below the field starts with one of the
// field's arguments (an index there is a list element's own error), and
// gives the argument's type for the message.
func argumentOf(ctx context.Context, path ast.Path) (field, typ string) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil {
		return "", ""
	}
	own := fc.Path()
	if len(path) <= len(own) || path[:len(own)].String() != own.String() {
		return "", ""
	}
	name, ok := path[len(own)].(ast.PathName)
	if !ok {
		return "", ""
	}
	arg := fc.Field.Definition.Arguments.ForName(string(name))
	if arg == nil {
		return "", ""
	}
	typ = "value"
	if len(path) == len(own)+1 {
		typ = arg.Type.String()
	}
	return joinPath(path[len(own):]), typ
}

// Recover turns a resolver panic into an INTERNAL error; the process lives on.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		path := ""
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			path = fc.Path().String()
		}
		log.ErrorContext(ctx, "resolver panic", slog.String("path", path),
			slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
		return &apierr.Error{Code: apierr.Internal, Message: "internal error"}
	}
}

// argumentPath names the argument a coercion error is about: gqlgen puts
// the argument's own path (filter.createdAtGte) after the field's response
// path, so what follows the field's path is the argument.
func argumentPath(ctx context.Context, path ast.Path) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	own := fc.Path()
	if len(path) <= len(own) || path[:len(own)].String() != own.String() {
		return ""
	}
	return joinPath(path[len(own):])
}

func joinPath(path ast.Path) string {
	parts := make([]string, 0, len(path))
	for _, p := range path {
		switch x := p.(type) {
		case ast.PathName:
			parts = append(parts, string(x))
		case ast.PathIndex:
			parts = append(parts, strconv.Itoa(int(x)))
		}
	}
	return strings.Join(parts, ".")
}

// addPathError reports err at an index below the current field, for list
// resolvers whose elements fail one by one.
func addPathError(ctx context.Context, err error, index int) {
	path := append(graphql.GetFieldContext(ctx).Path(), ast.PathIndex(index))
	graphql.AddError(ctx, &gqlerror.Error{Err: err, Message: err.Error(), Path: path})
}
