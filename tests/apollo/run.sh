#!/usr/bin/env bash
# Apollo Client against a running gateway (tests/with-gateway.sh sets
# GATEWAY_URL): GraphQL Code Generator types the documents from the live
# schema, tsc checks them with the client, and the compiled client pages
# the cross-CRM connections (src/client.ts). Versions are pinned in
# package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
: "${GATEWAY_URL:?run through tests/with-gateway.sh}"
rm -rf gen build
npx graphql-codegen --config codegen.ts
npx tsc -p .
node build/src/client.js
