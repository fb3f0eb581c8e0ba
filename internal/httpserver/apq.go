package httpserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crmgateway/gateway/internal/apierr"
)

// apqMaxBytes bounds the memory the persisted-query cache may hold, whatever
// APQ_CACHE_SIZE says: 1000 entries of a 1 MiB body each would be a gigabyte.
const apqMaxBytes = 32 << 20

// persistedQueries is gqlgen's automatic persisted queries with the
// contract's error codes: gqlgen leaves "unsupported APQ version" and
// "provided APQ hash does not match query" without a code, which the error
// presenter would turn into INTERNAL; they are the client's mistakes.
// PERSISTED_QUERY_NOT_FOUND keeps its message (clients match on it) and is
// presented as BAD_USER_INPUT with the original code as extensions.reason.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

var (
	_ graphql.HandlerExtension          = persistedQueries{}
	_ graphql.OperationParameterMutator = persistedQueries{}
)

func newPersistedQueries(entries int) persistedQueries {
	return persistedQueries{extension.AutomaticPersistedQuery{Cache: newQueryCache(entries, apqMaxBytes)}}
}

// MutateOperationParameters resolves or registers the persisted query.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err == nil {
		return nil
	}
	if c, _ := err.Extensions["code"].(string); c == "" {
		if err.Extensions == nil {
			err.Extensions = map[string]any{}
		}
		err.Extensions["code"] = string(apierr.BadUserInput)
	}
	return err
}
