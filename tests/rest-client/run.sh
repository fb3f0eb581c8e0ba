#!/usr/bin/env bash
# What an integrator does with the REST facade, against a running gateway
# (tests/with-gateway.sh sets GATEWAY_URL): lint the served OpenAPI
# document with Redocly's recommended rules (any error fails), generate a
# TypeScript client from it with openapi-typescript, compile it with tsc
# and run it (src/client.ts) with openapi-fetch. Versions are pinned in
# package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
: "${GATEWAY_URL:?run through tests/with-gateway.sh}"
# Redocly CLI reports usage and checks for updates over the network
# unless told not to; these machines reach no such host.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
rm -rf gen build
mkdir gen
curl -fsS "$GATEWAY_URL/rest/v1/openapi.json" -o gen/openapi.json
npx redocly lint --extends recommended --format=stylish gen/openapi.json
npx openapi-typescript gen/openapi.json -o gen/api.d.ts
npx tsc -p .
node build/src/client.js
