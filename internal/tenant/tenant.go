// Package tenant owns TENANTS_FILE: each tenant's own CRM accounts (base
// URLs and credentials by reference), like the linked accounts of
// unified-API products, and the middleware that binds a request to its
// caller's tenant.
package tenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/crmgateway/gateway/internal/apierr"
	"github.com/crmgateway/gateway/internal/caller"
	"github.com/crmgateway/gateway/internal/config"
)

// Secret is a credential given by reference, never inline: {"env": NAME}
// reads an environment variable, {"file": PATH} a file (trailing newline
// dropped), as Kubernetes secrets are mounted.
type Secret struct {
	Env  string `json:"env,omitempty"`
	File string `json:"file,omitempty"`
}

type synergyAccount struct {
	BaseURL string  `json:"baseUrl"`
	Token   *Secret `json:"token"`
}

type solosAccount struct {
	BaseURL string  `json:"baseUrl"`
	Token   *Secret `json:"token"`
	Secret  *Secret `json:"secret"`
}

type rkeeperAccount struct {
	BaseURL  string  `json:"baseUrl"`
	SID      *Secret `json:"sid"`
	ObjectID string  `json:"objectId"`
}

type accountsFile struct {
	Synergy *synergyAccount `json:"synergy"`
	Solos   *solosAccount   `json:"solos"`
	RKeeper *rkeeperAccount `json:"rkeeper"`
}

// Accounts are one tenant's CRMs, in the same shape as the process-wide
// configuration so that they are wired the same way. A backend the tenant
// lacks has an empty BaseURL.
type Accounts struct {
	Synergy config.Synergy
	Solos   config.Solos
	RKeeper config.RKeeper
}

// Secrets lists the accounts' credentials, for the process's redactor.
func (a Accounts) Secrets() []string {
	return []string{a.Synergy.Token, a.Solos.Token, a.Solos.Secret, a.RKeeper.SID}
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Load reads path and resolves every credential reference through env
// (os.LookupEnv) and the file system. base supplies each backend's tuning
// (timeouts, concurrency, retries, cache lifetime), which tenants share.
// Every problem is reported at once; no credential appears in an error.
func Load(path string, env func(string) (string, bool), base config.Config) (map[string]Accounts, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("TENANTS_FILE: %w", err)
	}
	var file map[string]accountsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("TENANTS_FILE %s: not a JSON object of tenant → {synergy, solos, rkeeper}: %w", path, err)
	}
	var errs []error
	out := map[string]Accounts{}
	names := make([]string, 0, len(file))
	for name := range file {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := file[name]
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("TENANTS_FILE tenant %q: %s", name, fmt.Sprintf(format, args...)))
		}
		if !validName.MatchString(name) {
			bad("a tenant name is 1-64 letters, digits, '.', '_' or '-'")
		}
		if name == "default" {
			bad(`"default" names the gateway's own CRM accounts (the SYNERGY_*/SOLOS_*/RKEEPER_* variables); choose another name`)
		}
		read := func(what string, s *Secret) string {
			v, err := s.resolve(env)
			if err != nil {
				bad("%s: %v", what, err)
			}
			return v
		}
		a := Accounts{Synergy: base.Synergy, Solos: base.Solos, RKeeper: base.RKeeper}
		a.Synergy.BaseURL, a.Synergy.Token = "", ""
		a.Solos.BaseURL, a.Solos.Token, a.Solos.Secret = "", "", ""
		a.RKeeper.BaseURL, a.RKeeper.SID, a.RKeeper.ObjectID = "", "", ""
		if s := f.Synergy; s != nil {
			a.Synergy.BaseURL, a.Synergy.Token = s.BaseURL, read("synergy.token", s.Token)
		}
		if s := f.Solos; s != nil {
			a.Solos.BaseURL, a.Solos.Token, a.Solos.Secret = s.BaseURL, read("solos.token", s.Token), read("solos.secret", s.Secret)
		}
		if s := f.RKeeper; s != nil {
			a.RKeeper.BaseURL, a.RKeeper.SID, a.RKeeper.ObjectID = s.BaseURL, read("rkeeper.sid", s.SID), s.ObjectID
		}
		if a.Synergy.BaseURL == "" && a.Solos.BaseURL == "" && a.RKeeper.BaseURL == "" {
			bad("names no backend")
		}
		// The process-wide rules hold for each tenant's accounts too.
		c := config.Defaults()
		c.Auth.Mode = "none"
		c.Synergy, c.Solos, c.RKeeper = a.Synergy, a.Solos, a.RKeeper
		if err := c.Validate(); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				bad("%s", envNamesToFile(line))
			}
		}
		out[name] = a
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// envNamesToFile words a configuration error in the file's terms.
func envNamesToFile(s string) string {
	return strings.NewReplacer(
		"SYNERGY_BASE_URL", "synergy.baseUrl", "SYNERGY_TOKEN", "synergy.token",
		"SOLOS_BASE_URL", "solos.baseUrl", "SOLOS_TOKEN", "solos.token", "SOLOS_SECRET", "solos.secret",
		"RKEEPER_BASE_URL", "rkeeper.baseUrl", "RKEEPER_SID", "rkeeper.sid", "RKEEPER_OBJECT_ID", "rkeeper.objectId",
	).Replace(s)
}

func (s *Secret) resolve(env func(string) (string, bool)) (string, error) {
	switch {
	case s == nil:
		return "", nil // reported as missing by the backend's own check
	case (s.Env == "") == (s.File == ""):
		return "", errors.New(`give the credential as {"env": NAME} or {"file": PATH}, never inline`)
	case s.Env != "":
		v, ok := env(s.Env)
		if !ok || strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("environment variable %s is not set", s.Env)
		}
		return strings.TrimSpace(v), nil
	default:
		data, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("cannot read %s: %v", s.File, errors.Unwrap(err))
		}
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%s is empty", s.File)
		}
		return v, nil
	}
}

// Refuser writes a refusal in the format of the route it happens on.
type Refuser func(w http.ResponseWriter, r *http.Request, status int, code apierr.Code, msg string)

// Middleware binds each request to its caller's tenant: bind is called
// with the tenant's value from byTenant, or with def for a caller without
// a tenant. A caller whose tenant is not configured is refused with 403
// FORBIDDEN before anything reaches a CRM.
func Middleware[B any](byTenant map[string]B, def B, bind func(*http.Request, B) *http.Request, write Refuser) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := caller.TenantOf(r.Context())
			if t == "" {
				next.ServeHTTP(w, bind(r, def))
				return
			}
			b, ok := byTenant[t]
			if !ok {
				write(w, r, http.StatusForbidden, apierr.Forbidden, "the caller's tenant is not configured on this gateway")
				return
			}
			next.ServeHTTP(w, bind(r, b))
		})
	}
}
