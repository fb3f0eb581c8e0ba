package playground

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crmgateway/gateway/internal/globalid"
)

// ConfigPath is where the page reads its Config.
const ConfigPath = "/playground/config.json"

// Config is what the playground page learns from the gateway before it
// renders: which example data exists, whether a credential is expected
// (so the Headers tab can show where it goes), and the schema grouped by
// CRM for the docs explorer. It never holds a secret.
type Config struct {
	// Mode is "sandbox" (the built-in emulators) or "production".
	Mode string `json:"mode"`
	Auth Auth   `json:"auth"`
	// Sandbox is set in sandbox mode only.
	Sandbox *Sandbox `json:"sandbox,omitempty"`
	// Backends groups the schema by the CRM each part belongs to, core
	// last.
	Backends []Backend `json:"backends"`
}

// Auth says how a caller authenticates (AUTH_MODE), never with what.
type Auth struct {
	// Methods are AUTH_MODE's methods: "apikey", "jwt"; none when the
	// gateway serves every caller.
	Methods []string `json:"methods"`
	// Headers is the Headers tab's template: the header a credential goes
	// in with a placeholder for it; empty without authentication.
	Headers map[string]string `json:"headers,omitempty"`
}

// AuthFor describes AUTH_MODE's methods.
func AuthFor(methods []string) Auth {
	a := Auth{Methods: append([]string{}, methods...)}
	var what []string
	for _, m := range methods {
		switch m {
		case "apikey":
			what = append(what, "API key")
		case "jwt":
			what = append(what, "JWT")
		}
	}
	if len(what) > 0 {
		a.Headers = map[string]string{"Authorization": "Bearer <your " + strings.Join(what, " or ") + ">"}
	}
	return a
}

// Sandbox is the data the sandbox emulators hold that no list shows.
type Sandbox struct {
	RKeeper SandboxRKeeper `json:"rkeeper"`
}

// SandboxRKeeper: r_keeper lists no clients, so the seeded ones are
// named here, with reference ids a new address can use.
type SandboxRKeeper struct {
	ClientIDs     []string `json:"clientIds"`
	ContactTypeID string   `json:"contactTypeId"`
	AddressTypeID string   `json:"addressTypeId"`
	CityID        string   `json:"cityId"`
	StreetID      string   `json:"streetId"`
}

// Backend is one CRM's part of the schema: its root fields and the types
// declared in its schema file.
type Backend struct {
	// Name is the backend ("synergy", "solos", "rkeeper") or "core".
	Name      string   `json:"name"`
	Title     string   `json:"title"`
	Queries   []string `json:"queries"`
	Mutations []string `json:"mutations"`
	Types     []string `json:"types"`
}

var titles = map[string]string{
	globalid.Synergy: "SynergyCRM",
	globalid.Solos:   "Solos CRM",
	globalid.RKeeper: "r_keeper WebDelivery CRM",
	"core":           "Across CRMs",
}

// Backends groups the schema by CRM: a root field or type belongs to the
// backend whose schema file declares it (graph/schema/<backend>.graphqls),
// the rest to "core" (schema.graphqls). Root fields keep schema order,
// types are sorted by name.
func Backends(s *ast.Schema) []Backend {
	order := []string{globalid.Synergy, globalid.Solos, globalid.RKeeper, "core"}
	by := map[string]*Backend{}
	for _, n := range order {
		by[n] = &Backend{Name: n, Title: titles[n], Queries: []string{}, Mutations: []string{}, Types: []string{}}
	}
	of := func(pos *ast.Position) string {
		if pos == nil || pos.Src == nil {
			return "core"
		}
		if b := globalid.SchemaBackend(pos.Src.Name); b != "" {
			return b
		}
		return "core"
	}
	for _, root := range []*ast.Definition{s.Query, s.Mutation} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			b := by[of(f.Position)]
			if root == s.Query {
				b.Queries = append(b.Queries, f.Name)
			} else {
				b.Mutations = append(b.Mutations, f.Name)
			}
		}
	}
	for name, def := range s.Types {
		if strings.HasPrefix(name, "__") || def.BuiltIn || def.Position == nil || def.Position.Src == nil || def.Position.Src.BuiltIn {
			continue
		}
		if def == s.Query || def == s.Mutation || def == s.Subscription {
			continue
		}
		b := by[of(def.Position)]
		b.Types = append(b.Types, name)
	}
	out := make([]Backend, 0, len(order))
	for _, n := range order {
		sort.Strings(by[n].Types)
		out = append(out, *by[n])
	}
	return out
}

// ConfigHandler serves cfg as JSON (an empty object when nil). It may
// change with a restart only, but the page must see a new one at once.
func ConfigHandler(cfg any) http.HandlerFunc {
	if cfg == nil {
		cfg = struct{}{}
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // a Config always encodes
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", CSP)
		_, _ = w.Write(body)
	}
}
