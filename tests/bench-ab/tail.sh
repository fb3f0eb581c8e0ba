#!/bin/bash
# The latency tail at a fixed rate, told apart from the host's: the
# working tree's gateway, a bare net/http proxy making the same upstream
# call (tests/bench-ab/proxy) and the upstream alone (the shared
# benchmark's S0), each loaded with the benchmark's vegeta command for
# ROUNDS rounds of 10 s, in turn, so that all three meet the machine's slow
# and fast moments alike.
#
#   tests/bench-ab/tail.sh [ROUNDS] [RATE]
#
# vegeta, a Go client, asks for gzip, which the gateway grants and the
# proxy does not; ACCEPT_ENCODING=identity sends that instead to both.
#
# Scenario S3; cores as in the shared benchmark: fastfake and vegeta on
# core 0, the gateway and the proxy (GOMAXPROCS 1) on core 1. Needs go,
# curl, taskset and vegeta (~/.cache/crm-bench/bin/vegeta, where the shared
# benchmark installs it, else built here).
set -euo pipefail
ROUNDS=${1:-3}
RATE=${2:-1000}
. "$(dirname "$0")/lib.sh"

(cd "$ROOT" && go build -o "$TMP/gateway" . && go build -o "$TMP/proxy" ./tests/bench-ab/proxy)
VEGETA=$HOME/.cache/crm-bench/bin/vegeta
if [ ! -x "$VEGETA" ]; then
  GOBIN=$TMP go install github.com/tsenart/vegeta/v12@v12.13.0
  VEGETA=$TMP/vegeta
fi

start_fastfake
GW=$(free_port) PX=$(free_port)
start_gateway "$TMP/gateway" "$GW"
declare -A PID=([gateway]=$STARTED [direct]=$FF_PID)

Q='{"query": "{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } } } }"}'
printf '%s' "$Q" >"$TMP/q.json"
curl -sf -H 'Content-Type: application/json' --data-binary @"$TMP/q.json" "http://127.0.0.1:$GW/graphql" >"$TMP/answer.json"
grep -q '"stage":{"name"' "$TMP/answer.json" || { echo "the gateway's S3 answer: $(head -c 300 "$TMP/answer.json")" >&2; exit 1; }
# The page the gateway asks for: the include plan and sparse fieldsets.
UP="http://127.0.0.1:$FF/api/v1/deals?fields%5Bcompanies%5D=name&fields%5Bcontacts%5D=first-name&fields%5Bdeal-stages%5D=name&fields%5Bdeal-statuses%5D=name&fields%5Bdeals%5D=name%2Ccompany%2Ccontact%2Cstage%2Cstatus&include=company%2Ccontact%2Cstage%2Cstatus&page%5Bnumber%5D=1&page%5Bsize%5D=50"
taskset -c 1 "$TMP/proxy" -addr "127.0.0.1:$PX" -upstream "$UP" -token bench-token -answer "$TMP/answer.json" >"$TMP/proxy.log" 2>&1 &
PIDS+=($!)
PID[proxy]=$!
for _ in $(seq 100); do curl -sf -o /dev/null --data-binary @"$TMP/q.json" "http://127.0.0.1:$PX/graphql" && break; sleep 0.1; done

B64=$(base64 -w0 "$TMP/q.json")
H='"Content-Type":["application/json"]'
[ -n "${ACCEPT_ENCODING:-}" ] && H="$H,\"Accept-Encoding\":[\"$ACCEPT_ENCODING\"]"
printf '{"method":"POST","url":"http://127.0.0.1:%s/graphql","header":{%s},"body":"%s"}\n' "$GW" "$H" "$B64" >"$TMP/gateway.t"
printf '{"method":"POST","url":"http://127.0.0.1:%s/graphql","header":{%s},"body":"%s"}\n' "$PX" "$H" "$B64" >"$TMP/proxy.t"
printf '{"method":"GET","url":"%s","header":{"Authorization":["Bearer bench-token"]}}\n' "$UP" >"$TMP/direct.t"

attack() { # target seconds rate
  taskset -c 0 "$VEGETA" attack -format=json -targets="$TMP/$1.t" -rate="$3/1s" -duration="$2s" -max-body=0
}
for v in direct gateway proxy; do attack "$v" 2 $((RATE / 2)) >/dev/null; done
for _ in $(seq "$ROUNDS"); do
  for v in direct gateway proxy; do
    c0=$(cpu "${PID[$v]}")
    rep=$(attack "$v" 10 "$RATE" | "$VEGETA" report -type=json)
    c1=$(cpu "${PID[$v]}")
    echo "$v $(($c1 - $c0)) $rep"
  done
done | python3 -c '
import json, os, statistics as st, sys
hz, rate = os.sysconf("SC_CLK_TCK"), int(sys.argv[1])
rows = {}
for line in sys.stdin:
    v, ticks, rep = line.split(" ", 2)
    r = json.loads(rep)
    lat = r["latencies"]
    ok = r["status_codes"].get("200", 0) == r["requests"]
    rows.setdefault(v, []).append((lat["50th"] / 1e6, lat["99th"] / 1e6, int(ticks) / hz * 1e6 / r["requests"], ok))
n = len(rows["direct"])
print(f"S3 at {rate}/s, {n} rounds of 10 s; CPU is the process under test (fastfake for direct)")
for v in ("direct", "gateway", "proxy"):
    xs = rows[v]
    print(f"{v:8s} p50 ms {[round(x[0], 2) for x in xs]} p99 ms {[round(x[1], 2) for x in xs]} CPU µs/query {[round(x[2]) for x in xs]}"
          + ("" if all(x[3] for x in xs) else "  (non-200 answers)"))
for v in ("gateway", "proxy"):
    added = [round(a[1] - d[1], 2) for a, d in zip(rows[v], rows["direct"])]
    print(f"{v:8s} added p99 ms, round by round: {added}; median {st.median(added):.2f}")
' "$RATE"
