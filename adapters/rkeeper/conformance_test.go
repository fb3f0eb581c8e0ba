package rkeeper_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/rkeeper"
	"github.com/crmgateway/gateway/adapters/rkeeper/emulator"
	"github.com/crmgateway/gateway/internal/adaptertest"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/upstream"
)

// TestConformance runs the suite every adapter passes against the
// r_keeper adapter and its emulator.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, newConformanceHarness)
}

// seededClient is a client of the emulator's seed data.
const seededClient = "10000000009188"

// conformanceHarness drives the r_keeper adapter: the read is the
// countries reference list, the read by id a client, the write a PUT of
// a client's three names (sent as they are, so no read precedes it).
type conformanceHarness struct {
	a   *rkeeper.Adapter
	emu *emulator.Emulator
	srv *adaptertest.Server
	sid string
}

func newConformanceHarness(t *testing.T, s adaptertest.Setup) adaptertest.Harness {
	emu := emulator.New()
	srv := adaptertest.Serve(t, emu)
	sid := emu.SID
	if s.WrongCredentials {
		sid = "0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d"
	}
	up, err := upstream.New(adaptertest.ClientOptions(rkeeper.Upstream, srv, emulator.BasePath+"/",
		func(r *http.Request) { r.Header.Set("sid", sid) }, sid))
	if err != nil {
		t.Fatal(err)
	}
	a := rkeeper.New(up, rkeeper.Options{ObjectID: emu.ObjectID, CacheTTL: time.Minute})
	return &conformanceHarness{a: a, emu: emu, srv: srv, sid: sid}
}

func (h *conformanceHarness) Name() string { return rkeeper.Upstream }

func (h *conformanceHarness) Read(ctx context.Context) error {
	_, err := h.a.Countries(ctx)
	return err
}

func (h *conformanceHarness) ReadByID(ctx context.Context, missing bool) error {
	id := seededClient
	if missing {
		id = "19999999999999"
	}
	_, err := h.a.Client(ctx, id)
	return err
}

func (h *conformanceHarness) Write(ctx context.Context) error {
	_, err := h.a.UpdateClient(ctx, seededClient, domain.ClientNames{
		LastName: ptr("Безногов"), FirstName: ptr("Сергей"), MiddleName: ptr("Викторович")})
	return err
}

func (h *conformanceHarness) ReadOnly() string { return "" }

func (h *conformanceHarness) Requests() int { return h.emu.Count("", "") }

func (h *conformanceHarness) Secrets() []string { return []string{h.sid} }

// envelopeCodes are the r_keeper codes of the statuses a fault may ask to
// see in an Err envelope.
var envelopeCodes = map[int]string{
	http.StatusUnauthorized: emulator.CodeBadSID,
	http.StatusForbidden:    emulator.CodeBadObject,
}

func (h *conformanceHarness) Inject(f adaptertest.Fault) {
	switch {
	case f.Down:
		h.srv.Down()
	case f.EchoSecrets:
		h.srv.Answer(func(w http.ResponseWriter, r *http.Request) {
			body, _ := json.Marshal(map[string]any{"ver": emulator.Ver, "status": "Err", "requestId": "echo",
				"errors": []map[string]string{{"code": emulator.CodeBadSID,
					"text": "Неверный ключ доступа (sid)", "details": "sid=" + r.Header.Get("sid")}}})
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(body)
		})
	default:
		ef := emulator.Fault{Status: f.Status, Reset: f.Reset, Malformed: f.Malformed, Times: f.N()}
		if f.Envelope {
			ef.Code = envelopeCodes[f.Status]
		}
		if f.RetryAfter != "" {
			ef.RetryAfter, _ = strconv.Atoi(f.RetryAfter)
		}
		if f.Stall {
			ef.Stall = time.Hour // ends when the client gives up
		}
		h.emu.Inject(ef)
	}
}
