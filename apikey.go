package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/crmgateway/gateway/internal/auth"
	"github.com/crmgateway/gateway/internal/caller"
)

// apikeyCommand issues an API key: `crm-gateway apikey -name NAME -scopes
// LIST [-tenant T]` prints the key (give it to the caller, once) and the
// line to add to AUTH_API_KEYS_FILE, which holds only the key's SHA-256.
func apikeyCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apikey", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var all []string
	for _, s := range caller.Scopes {
		all = append(all, string(s))
	}
	name := fs.String("name", "", "the key's name: how logs and metrics will call its holder (required)")
	scopes := fs.String("scopes", strings.Join(all, ","), "comma-separated scopes")
	tenant := fs.String("tenant", "", "the tenant (from TENANTS_FILE) the key is bound to, if any")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var list []string
	for _, s := range strings.Split(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	key, entry, err := auth.NewKey(*name, list, *tenant)
	if err != nil {
		fmt.Fprintln(stderr, "apikey:", err)
		return 2
	}
	line, _ := json.Marshal(entry)
	fmt.Fprintf(stdout, "API key (give it to its holder; it is not stored anywhere):\n%s\n\n", key)
	fmt.Fprintf(stdout, "Add this entry to the JSON array in AUTH_API_KEYS_FILE:\n%s\n", line)
	return 0
}
