package synergy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/synergy"
	"github.com/crmgateway/gateway/adapters/synergy/emulator"
	"github.com/crmgateway/gateway/internal/adaptertest"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/upstream"
)

// TestConformance runs the suite every adapter passes against the
// SynergyCRM adapter and its emulator.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, newHarness)
}

// harness drives the SynergyCRM adapter: reads are contacts (a page, one
// by id), the write is a PATCH of a contact's middle name.
type harness struct {
	c     *synergy.Client
	emu   *emulator.Emulator
	srv   *adaptertest.Server
	token string
}

func newHarness(t *testing.T, s adaptertest.Setup) adaptertest.Harness {
	emu := emulator.New(emulator.Options{})
	srv := adaptertest.Serve(t, emu)
	token := emu.Token()
	if s.WrongCredentials {
		token = "synergy-revoked-token-0d41"
	}
	up, err := upstream.New(adaptertest.ClientOptions(synergy.Name, srv, emulator.BasePath, synergy.Authorize(token), token))
	if err != nil {
		t.Fatal(err)
	}
	return &harness{c: synergy.New(up), emu: emu, srv: srv, token: token}
}

func (h *harness) Name() string { return synergy.Name }

func (h *harness) Read(ctx context.Context) error {
	_, err := h.c.List(ctx, domain.SynergyQuery{Type: "contacts", PageSize: 5})
	return err
}

func (h *harness) ReadByID(ctx context.Context, missing bool) error {
	id := "1001"
	if missing {
		id = "999999"
	}
	_, err := h.c.Get(ctx, "contacts", id, nil, nil)
	return err
}

func (h *harness) Write(ctx context.Context) error {
	_, err := h.c.Update(ctx, domain.SynergyWrite{Type: "contacts", ID: "1001",
		Attributes: map[string]any{"middle-name": "Петрович"}})
	return err
}

func (h *harness) ReadOnly() string { return "" }

func (h *harness) Requests() int { return h.emu.Count() }

func (h *harness) Secrets() []string { return []string{h.token} }

func (h *harness) Inject(f adaptertest.Fault) {
	switch {
	case f.Down:
		h.srv.Down()
	case f.EchoSecrets:
		h.srv.Answer(func(w http.ResponseWriter, r *http.Request) {
			body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
				"status": "401", "code": "unauthorized", "title": "Unauthorized",
				"detail": "the token in «" + r.Header.Get("Authorization") + "» is revoked",
			}}})
			w.Header().Set("Content-Type", emulator.MediaType)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(body)
		})
	default:
		// Status faults always carry a JSON:API error document.
		ef := emulator.Fault{Status: f.Status, RetryAfter: f.RetryAfter, Reset: f.Reset,
			Malformed: f.Malformed, Times: f.N()}
		if f.Stall {
			ef.Stall = time.Hour // ends when the client gives up
		}
		h.emu.Inject(ef)
	}
}
