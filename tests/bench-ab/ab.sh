#!/bin/bash
# Two builds of the gateway side by side over one fastfake (the shared
# benchmark's fake SynergyCRM), loaded in turn with the benchmark's wrk
# command for ROUNDS short rounds each: the rounds alternate, so both builds
# meet the machine's slow and fast moments alike, which one full run of the
# shared benchmark per build (minutes apart) does not ensure.
#
#   tests/bench-ab/ab.sh OLD_REF [ROUNDS] [SCENARIO]
#
# OLD_REF is a commit of this repository (built from a temporary worktree);
# the other build is the working tree. SCENARIO is S1, S2 or S3 (default).
# OLD_ENV and NEW_ENV add variables to either gateway's environment, e.g.
# OLD=HEAD OLD_ENV=UPSTREAM_COALESCE=false to weigh a setting alone. Each
# line also gives the upstream calls per query, counted at fastfake.
# Cores as in the shared benchmark: fastfake and wrk on core 0, the
# gateways (GOMAXPROCS 1) on core 1. Needs go, git, wrk and taskset.
set -euo pipefail
OLD=${1:?usage: ab.sh OLD_REF [ROUNDS] [S1|S2|S3]}
ROUNDS=${2:-8}
SCEN=${3:-S3}
. "$(dirname "$0")/lib.sh"
on_exit() { git -C "$ROOT" worktree remove --force "$TMP/old-src" 2>/dev/null || true; }

git -C "$ROOT" worktree add --detach "$TMP/old-src" "$OLD" >/dev/null 2>&1
(cd "$TMP/old-src" && go build -o "$TMP/gw-old" .)
(cd "$ROOT" && go build -o "$TMP/gw-new" .)
start_fastfake
declare -A PORT PID
for v in old new; do
  PORT[$v]=$(free_port)
  extra=OLD_ENV
  [ "$v" = new ] && extra=NEW_ENV
  # shellcheck disable=SC2086 # NAME=VALUE words, split on purpose
  start_gateway "$TMP/gw-$v" "${PORT[$v]}" ${!extra:-}
  PID[$v]=$STARTED
done

case $SCEN in
  S1) Q='{ countries { name } }' ;;
  S2) Q='{ deals(first: 50) { nodes { name } } }' ;;
  S3) Q='{ deals(first: 50) { nodes { name company { name } contact { firstName } stage { name } status { name } } } }' ;;
  *) echo "scenario $SCEN: S1, S2 or S3" >&2; exit 2 ;;
esac
cat >"$TMP/q.lua" <<LUA
wrk.method = "POST"
wrk.body = [==[{"query": "$Q"}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
LUA

for v in old new; do
  taskset -c 0 wrk -t1 -c32 -d3s -s "$TMP/q.lua" "http://127.0.0.1:${PORT[$v]}/graphql" >/dev/null
done
# upstream_calls is how many calls fastfake has answered so far.
upstream_calls() { curl -s "http://127.0.0.1:$FF/__stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'; }
for _ in $(seq "$ROUNDS"); do
  for v in old new; do
    c0=$(cpu "${PID[$v]}")
    u0=$(upstream_calls)
    out=$(taskset -c 0 wrk -t1 -c32 -d3s -s "$TMP/q.lua" "http://127.0.0.1:${PORT[$v]}/graphql")
    u1=$(upstream_calls)
    c1=$(cpu "${PID[$v]}")
    echo "$v $(awk '/Requests\/sec/{print $2}' <<<"$out") $((c1 - c0)) $(awk '/requests in/{print $1}' <<<"$out") $((u1 - u0))"
  done
done | python3 -c '
import os, statistics as st, sys
hz = os.sysconf("SC_CLK_TCK")
rows = [l.split() for l in sys.stdin]
got = {v: [(float(r), int(t), int(n), int(u)) for w, r, t, n, u in rows if w == v] for v in ("old", "new")}
for v, xs in got.items():
    rps = [r for r, *_ in xs]
    cpu = [t / hz / (r * 3) * 1e6 for r, t, *_ in xs]
    calls = [u / n for _, _, n, u in xs]
    print(f"{v}: queries/s median {st.median(rps):,.0f} (rounds {[round(r) for r in rps]}), "
          f"CPU µs/query median {st.median(cpu):.0f}, upstream calls per query median {st.median(calls):.3f}")
pairs = [n[0] / o[0] for o, n in zip(got["old"], got["new"])]
print(f"new / old queries/s, round by round: {[round(p, 2) for p in pairs]}; median {st.median(pairs):.2f}")
'
