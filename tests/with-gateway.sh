#!/usr/bin/env bash
# Runs a command against a real gateway: starts the binary given as $1 in
# sandbox mode (no CRM configured, so the built-in emulators answer) on a
# free loopback port, waits for /readyz, runs the rest of the arguments with
# GATEWAY_URL set, then stops the gateway. Exits with the command's status.
#
#   tests/with-gateway.sh bin/crm-gateway node tests/http-audit/audit.mjs
set -euo pipefail

bin=$1
shift
log=$(mktemp)
# Sandbox mode: no CRM base URL or credential reaches the gateway.
env -u SYNERGY_BASE_URL -u SYNERGY_TOKEN -u SOLOS_BASE_URL -u SOLOS_TOKEN -u SOLOS_SECRET \
  -u RKEEPER_BASE_URL -u RKEEPER_SID -u RKEEPER_OBJECT_ID -u CORS_ALLOWED_ORIGINS \
  LISTEN_ADDR=127.0.0.1:0 LOG_LEVEL=info "$bin" >"$log" 2>&1 &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT

# The gateway logs the address it listens on; port 0 means the kernel chose
# a free one, so parallel runs never collide.
addr=""
for _ in $(seq 1 200); do
  addr=$(sed -n 's/.*"msg":"listening","addr":"\([^"]*\)".*/\1/p' "$log" | head -n1)
  [ -n "$addr" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "with-gateway: the gateway exited:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.05
done
if [ -z "$addr" ]; then
  echo "with-gateway: the gateway did not report its address:" >&2
  cat "$log" >&2
  exit 1
fi
url="http://$addr"
for _ in $(seq 1 200); do
  curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && break
  sleep 0.05
done
curl -fsS -o /dev/null "$url/readyz" || { echo "with-gateway: $url/readyz never answered" >&2; cat "$log" >&2; exit 1; }

echo "with-gateway: gateway (pid $pid) ready at $url"
status=0
GATEWAY_URL=$url "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "with-gateway: gateway log:" >&2
  tail -n 50 "$log" >&2
fi
exit "$status"
