package solos_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/crmgateway/gateway/adapters/solos"
	"github.com/crmgateway/gateway/adapters/solos/emulator"
	"github.com/crmgateway/gateway/internal/adaptertest"
	"github.com/crmgateway/gateway/internal/domain"
	"github.com/crmgateway/gateway/internal/upstream"
)

// TestConformance runs the suite every adapter passes against the Solos
// adapter and its emulator.
func TestConformance(t *testing.T) {
	adaptertest.Run(t, newHarness)
}

// harness drives the Solos adapter: reads are projects (a page, one by
// id); Solos has no write.
type harness struct {
	a             *solos.Adapter
	emu           *emulator.Emulator
	srv           *adaptertest.Server
	token, secret string
}

func newHarness(t *testing.T, s adaptertest.Setup) adaptertest.Harness {
	emu := emulator.New(emulator.Options{})
	srv := adaptertest.Serve(t, emu)
	token, secret := emulator.SandboxToken, emulator.SandboxSecret
	if s.WrongCredentials {
		secret = "solos-rotated-secret-94c0"
	}
	up, err := upstream.New(adaptertest.ClientOptions(solos.Name, srv, emulator.BasePath,
		solos.Authorize(token, secret), token, secret))
	if err != nil {
		t.Fatal(err)
	}
	return &harness{a: solos.New(up), emu: emu, srv: srv, token: token, secret: secret}
}

func (h *harness) Name() string { return solos.Name }

func (h *harness) Read(ctx context.Context) error {
	_, err := h.a.Projects(ctx, domain.ProjectListQuery{Count: 5})
	return err
}

func (h *harness) ReadByID(ctx context.Context, missing bool) error {
	id := "1"
	if missing {
		id = "999999"
	}
	_, err := h.a.Project(ctx, id)
	return err
}

// Write is never called: ReadOnly says why.
func (h *harness) Write(context.Context) error { return nil }

func (h *harness) ReadOnly() string { return "the Solos docs describe no write endpoint" }

func (h *harness) Requests() int { return h.emu.Count("") }

func (h *harness) Secrets() []string { return []string{h.token, h.secret} }

func (h *harness) Inject(f adaptertest.Fault) {
	switch {
	case f.Down:
		h.srv.Down()
	case f.EchoSecrets:
		h.srv.Answer(func(w http.ResponseWriter, r *http.Request) {
			body, _ := json.Marshal(map[string]string{"status": "error",
				"error": "Неверный токен " + r.Header.Get(solos.TokenHeader) + " или секретный ключ " + r.Header.Get(solos.SecretHeader)})
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(body)
		})
	default:
		// Status faults always carry Solos' JSON error object.
		ef := emulator.Fault{Status: f.Status, RetryAfter: f.RetryAfter, Reset: f.Reset,
			Malformed: f.Malformed, Times: f.N()}
		if f.Stall {
			ef.Stall = time.Hour // ends when the client gives up
		}
		h.emu.Inject(ef)
	}
}
