#!/usr/bin/env bash
# Runs a command against a sandbox gateway that asks for an API key:
# issues a key with the binary given as $1 (`crm-gateway apikey`), writes
# its AUTH_API_KEYS_FILE, and runs tests/with-gateway.sh with
# AUTH_MODE=apikey and the key in BROWSER_API_KEY.
#
#   tests/browser/with-apikey.sh bin/crm-gateway node tests/browser/playground.mjs
set -euo pipefail

bin=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" apikey -name browser-test >"$dir/issued"
key=$(sed -n 2p "$dir/issued")
printf '[%s]\n' "$(sed -n 5p "$dir/issued")" >"$dir/keys.json"
case $key in crmgw_*) ;; *) echo "with-apikey: no key issued" >&2; cat "$dir/issued" >&2; exit 1 ;; esac
AUTH_MODE=apikey AUTH_API_KEYS_FILE="$dir/keys.json" BROWSER_API_KEY=$key \
  "$(dirname "$0")/../with-gateway.sh" "$bin" "$@"
