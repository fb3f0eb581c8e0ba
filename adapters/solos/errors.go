package solos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/upstream"
)

// do sends one request and turns every failure into an *apierr.Error
// naming Solos. The caller releases a returned answer once decoded (the
// decoders copy the records before cutting values from them). Every Solos call is a read, POST /projects/filter included,
// so no error carries a write outcome.
func (a *Adapter) do(ctx context.Context, req *upstream.Request, what string) (*upstream.Response, error) {
	resp, err := a.c.Do(ctx, req)
	if err != nil {
		return nil, asRead(err)
	}
	if resp.Status >= 200 && resp.Status < 300 {
		return resp, nil
	}
	defer resp.Release()
	return nil, statusError(resp, a.c.Redact(string(resp.Body)), what)
}

// statusError maps a Solos HTTP error status to the contract's codes. The
// upstream's own error text (body, already redacted: Solos may echo the
// credentials it refuses) is kept as the internal cause only.
func statusError(resp *upstream.Response, body, what string) *apierr.Error {
	var msg string
	switch s := resp.Status; {
	case s == http.StatusUnauthorized:
		msg = "Solos refused the gateway's credentials (X-Crypto-Token / X-Crypto-Secret)"
	case s == http.StatusForbidden:
		msg = "Solos denied access to " + what
	case s == http.StatusNotFound || s == http.StatusGone:
		msg = what + " was not found in Solos"
	case s == http.StatusTooManyRequests:
		msg = "Solos is rate limiting the gateway; try again later"
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		msg = "Solos refused the parameters of the request for " + what
	case s >= 500:
		msg = fmt.Sprintf("Solos failed to answer the request for %s (HTTP %d)", what, s)
	default:
		msg = fmt.Sprintf("Solos answered the request for %s with HTTP %d", what, s)
	}
	e := upstream.StatusError(Name, http.MethodGet, resp.Status, msg)
	if resp.Status == http.StatusTooManyRequests {
		if d, ok := upstream.RetryAfter(resp.Header, time.Now()); ok {
			e.RetryAfterSeconds = int((d + time.Second - 1) / time.Second)
		}
	}
	if len(body) > 0 {
		e.Err = fmt.Errorf("upstream body: %s", truncate(body, 300))
	}
	return e
}

// asRead strips the write outcome the shared client attaches to failed
// POSTs: the Solos search changes nothing, so its failures are reads.
func asRead(err error) error {
	e, ok := apierr.As(err)
	if !ok || e.Outcome == "" {
		return err
	}
	c := *e
	c.Outcome = ""
	if i := strings.Index(c.Message, "; the write"); i >= 0 {
		c.Message = c.Message[:i]
	}
	return &c
}

// malformed is the error of an answer the gateway cannot read. The cause
// may quote the answer, so it is redacted.
func (a *Adapter) malformed(what string, cause error) *apierr.Error {
	msg := "Solos answered the request for " + what + " with a body the gateway could not read"
	if errors.Is(cause, errUpstreamReported) {
		msg = "Solos reported a failure answering the request for " + what
	}
	e := &apierr.Error{Code: apierr.UpstreamError, Upstream: Name, Message: msg}
	if cause != nil {
		e.Err = errors.New(a.c.Redact(cause.Error()))
	}
	return e
}

func notFound(what string) *apierr.Error {
	return &apierr.Error{Code: apierr.NotFound, Upstream: Name, Message: what + " was not found in Solos"}
}
