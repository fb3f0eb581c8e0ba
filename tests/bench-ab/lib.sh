# What ab.sh and tail.sh share, sourced by both: a temporary directory and
# every process started, stopped on exit; fastfake (the shared benchmark's
# fake upstream) on core 0 and gateways on core 1, as the benchmark places
# them.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$ROOT/../shared/bench
TMP=$(mktemp -d)
PIDS=()
# on_exit runs before the processes are stopped and TMP removed.
on_exit() { :; }
cleanup() {
  on_exit
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# cpu is a process's CPU time so far, in clock ticks.
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }

# start_fastfake builds and starts fastfake; FF is its port, FF_PID its pid.
start_fastfake() {
  (cd "$BENCH/fastfake" && go build -o "$TMP/fastfake" .)
  FF=$(free_port)
  taskset -c 0 "$TMP/fastfake" -addr "127.0.0.1:$FF" -token bench-token -sid bench-sid >"$TMP/ff.log" 2>&1 &
  FF_PID=$!
  PIDS+=("$FF_PID")
}

# start_gateway BINARY PORT [NAME=VALUE...] starts a gateway over
# fastfake, as the shared benchmark configures it, with any variables
# given after the port, and waits until it answers; STARTED is its pid.
start_gateway() {
  local bin=$1 port=$2
  shift 2
  env -i PATH="$PATH" HOME="$HOME" AUTH_MODE=none \
    SYNERGY_BASE_URL="http://127.0.0.1:$FF/api/v1" SYNERGY_TOKEN=bench-token \
    RKEEPER_BASE_URL="http://127.0.0.1:$FF/api/v1/crm" RKEEPER_SID=bench-sid RKEEPER_OBJECT_ID=775533 \
    LISTEN_ADDR="127.0.0.1:$port" METRICS_ADDR="127.0.0.1:$(free_port)" "$@" \
    taskset -c 1 "$bin" >"$bin.log" 2>&1 &
  STARTED=$!
  PIDS+=("$STARTED")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "the gateway $bin did not start: $(tail -5 "$bin.log")" >&2
  return 1
}
