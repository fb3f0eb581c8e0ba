#!/usr/bin/env bash
# Smoke-tests the gateway's image: its configuration (numeric non-root user,
# entrypoint, ports, size) and files (the binary and the CA roots, nothing
# else, owned by root, the binary static), then runs it as a container the
# way deploy/kubernetes does (its own user, read-only root filesystem, no
# capabilities, no privilege escalation) in sandbox mode: the process must
# run as that user with no capability, answer its probes and a query
# across the three CRMs, and drain and exit 0 on SIGTERM.
#
#   tests/image/smoke.sh localhost/crm-gateway:dev
#
# The container runs under runc with explicit --ulimit values: on these
# machines the runtimes are refused raising RLIMIT_NOFILE/RLIMIT_NPROC to
# podman's defaults (crun: "setrlimit `RLIMIT_NOFILE`: Operation not
# permitted"), and crun also refuses --ulimit here ("cgroups in hybrid mode
# not supported").
set -euo pipefail
cd "$(dirname "$0")/../.."

image=$1
max_bytes=${IMAGE_MAX_BYTES:-67108864} # 64 MiB: the stripped binary is about 43 MB
fail() {
  echo "image smoke test: $*" >&2
  [ -n "${cid:-}" ] && podman logs "$cid" 2>&1 | tail -n 20 >&2
  exit 1
}

inspect() { podman image inspect --format "$1" "$image"; }
user=$(inspect '{{.Config.User}}')
entrypoint=$(inspect '{{json .Config.Entrypoint}}')
ports=$(inspect '{{json .Config.ExposedPorts}}')
size=$(inspect '{{.Size}}')
uid=${user%%:*}
[[ $uid =~ ^[0-9]+$ && $uid != 0 ]] || fail "USER is '$user'; Kubernetes' runAsNonRoot needs a numeric non-root uid"
[ "$entrypoint" = '["/crm-gateway"]' ] || fail "ENTRYPOINT is $entrypoint"
[[ $ports == *'"8080/tcp"'* && $ports == *'"9090/tcp"'* ]] || fail "exposed ports are $ports"
[ "$size" -lt "$max_bytes" ] || fail "the image is $size bytes, over $max_bytes"

work=$(mktemp -d)
cid=""
cleanup() {
  [ -n "$cid" ] && podman rm -f "$cid" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# Regular files: exactly the binary and the CA roots, root-owned, so the
# runtime user can change neither.
cid=$(podman create "$image")
podman export "$cid" | tar -tvf - >"$work/listing"
files=$(awk '$1 ~ /^-/ { print $6 }' "$work/listing" | sort | tr '\n' ' ')
[ "$files" = "crm-gateway etc/ssl/certs/ca-certificates.crt " ] || fail "regular files: $files"
awk '$1 ~ /^-/ && ($2 != "0/0" || substr($1, 9, 1) == "w") { bad = bad " " $6 } END { if (bad) { print bad; exit 1 } }' \
  "$work/listing" || fail "files not owned by root or writable by others"
podman cp "$cid:/crm-gateway" "$work/crm-gateway"
podman cp "$cid:/etc/ssl/certs/ca-certificates.crt" "$work/ca.crt"
grep -q 'BEGIN CERTIFICATE' "$work/ca.crt" || fail "the CA bundle holds no certificate"
# FROM scratch has no C library: the binary must be static.
go version -m "$work/crm-gateway" | grep -q 'CGO_ENABLED=0' || fail "the binary was not built with CGO_ENABLED=0"
podman rm "$cid" >/dev/null
cid=""

# Run it. Host networking: the sandbox listens on loopback only, and the
# container's loopback is then this machine's, on a port the kernel picks.
limit() {
  local hard
  hard=$(ulimit -H "$1")
  [ "$hard" = unlimited ] && hard=4096
  echo $((hard < 4096 ? hard : 4096))
}
nofile=$(limit -n)
nproc=$(limit -u)
cid=$(podman --runtime runc run -d --network host \
  --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
  --read-only --cap-drop ALL --security-opt no-new-privileges \
  -e LISTEN_ADDR=127.0.0.1:0 -e SHUTDOWN_DELAY=1s "$image")
addr=""
for _ in $(seq 1 200); do
  addr=$(podman logs "$cid" 2>&1 | sed -n 's/.*"msg":"listening","addr":"\([^"]*\)".*/\1/p' | head -n1)
  [ -n "$addr" ] && break
  [ "$(podman inspect --format '{{.State.Running}}' "$cid")" = true ] || fail "the container exited"
  sleep 0.05
done
[ -n "$addr" ] || fail "the gateway in the container never reported its address"

pid=$(podman inspect --format '{{.State.Pid}}' "$cid")
status=$(cat "/proc/$pid/status")
[[ $(grep '^Uid:' <<<"$status") =~ ^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid$ ]] ||
  fail "the process is not running as uid $uid: $(grep '^Uid:' <<<"$status")"
grep -q '^CapEff:[[:space:]]*0000000000000000$' <<<"$status" || fail "the process holds capabilities: $(grep '^CapEff:' <<<"$status")"
grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$status" || fail "the process may gain privileges"

url="http://$addr"
for path in /livez /healthz /readyz; do
  curl -fsS "$url$path" | grep -q '"status"' || fail "$path did not answer"
done
body=$(curl -fsS "$url/graphql" -H 'Content-Type: application/json' \
  -d '{"query":"{ deals(first: 1) { totalCount } projects(first: 1) { nodes { name } } countries { name } }"}')
case $body in
  *'"errors"'*) fail "the query failed: $body" ;;
  *'"totalCount":'*'"projects":'*'"countries":[{"name":'*) ;;
  *) fail "unexpected answer: $body" ;;
esac

# PID 1 in the container must handle SIGTERM: drain, then exit 0.
podman stop -t 30 "$cid" >/dev/null
[ "$(podman inspect --format '{{.State.ExitCode}}' "$cid")" = 0 ] || fail "exit status $(podman inspect --format '{{.State.ExitCode}}' "$cid") after SIGTERM"
podman logs "$cid" 2>&1 | grep -q '"msg":"stopped"' || fail "no drain after SIGTERM"

echo "image smoke test: $image passed (user $user, $size bytes, ran read-only without capabilities)"
