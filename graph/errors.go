package graph

import (
	"context"
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
)

// ErrorPresenter maps every error to the contract: extensions.code is always
// one of the closed set, extensions.upstream names the CRM that caused it,
// and internal causes never reach the client.
func ErrorPresenter(log *slog.Logger, count func(apierr.Code)) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var out *gqlerror.Error
		if e, ok := apierr.As(err); ok {
			if e.Code == apierr.BadUserInput && e.Field == "" {
				e.Field = argumentPath(ctx, gqlErr.Path)
			}
			if e.Code == apierr.Internal && e.Err != nil {
				log.ErrorContext(ctx, "internal error", slog.String("path", gqlErr.Path.String()), slog.String("error", e.Err.Error()))
			}
			out = present(gqlErr, e)
		} else {
			out = presentOther(gqlErr, err, log, ctx)
		}
		if count != nil {
			count(apierr.Code(out.Extensions["code"].(string)))
		}
		return out
	}
}

func present(gqlErr *gqlerror.Error, e *apierr.Error) *gqlerror.Error {
	out := &gqlerror.Error{Message: e.ClientMessage(), Path: gqlErr.Path, Locations: gqlErr.Locations}
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
func presentOther(gqlErr *gqlerror.Error, err error, log *slog.Logger, ctx context.Context) *gqlerror.Error {
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
	var parts []string
	for _, p := range path[len(own):] {
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
