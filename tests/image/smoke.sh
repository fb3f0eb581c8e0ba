#!/usr/bin/env bash
# Smoke-tests the gateway's image without running a container, which these
# machines refuse (crun and runc both fail on setrlimit): checks its
# configuration (numeric non-root user, entrypoint, ports, size), its files
# (the binary and the CA roots, nothing else, owned by root), then takes
# the binary out of the image and runs it against the built-in emulators
# (tests/with-gateway.sh): probes and a GraphQL query across the three CRMs.
#
#   tests/image/smoke.sh localhost/crm-gateway:dev
set -euo pipefail
cd "$(dirname "$0")/../.."

image=$1
max_bytes=${IMAGE_MAX_BYTES:-41943040} # 40 MiB: the binary is about 28 MB
fail() {
  echo "image smoke test: $*" >&2
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
cid=$(podman create "$image")
trap 'podman rm -f "$cid" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# Regular files: exactly the binary and the CA roots, root-owned, so the
# runtime user can change neither.
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

tests/with-gateway.sh "$work/crm-gateway" bash -c '
  set -euo pipefail
  for path in /livez /healthz /readyz; do
    curl -fsS "$GATEWAY_URL$path" | grep -q "\"status\"" || { echo "$path did not answer" >&2; exit 1; }
  done
  body=$(curl -fsS "$GATEWAY_URL/graphql" -H "Content-Type: application/json" \
    -d "{\"query\":\"{ deals(first: 1) { totalCount } projects(first: 1) { nodes { name } } countries { name } }\"}")
  case $body in
    *\"errors\"*) echo "the query failed: $body" >&2; exit 1 ;;
    *\"totalCount\":*\"projects\":*\"countries\":[{\"name\":*) ;;
    *) echo "unexpected answer: $body" >&2; exit 1 ;;
  esac
'
echo "image smoke test: $image passed (user $user, $size bytes)"
