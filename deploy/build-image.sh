#!/usr/bin/env bash
# Builds the gateway's OCI image with podman, offline: FROM scratch with the
# static binary given as $1 and this machine's CA roots
# (deploy/Containerfile.scratch). Nothing is pulled, so it works where base
# images cannot be fetched. The build is reproducible (every timestamp is
# the commit's): the same binary at the same commit gives the same image id.
#
#   deploy/build-image.sh bin/crm-gateway localhost/crm-gateway:dev
set -euo pipefail

bin=$1
image=$2
cd "$(dirname "$0")/.."
ca=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca" ] || { echo "build-image: $ca is missing (Debian package ca-certificates)" >&2; exit 1; }

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$bin" "$context/crm-gateway"
cp "$ca" "$context/ca-certificates.crt"

previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
podman build --pull=never --timestamp "$(git log -1 --format=%ct 2>/dev/null || echo 0)" \
  --label org.opencontainers.image.title=crm-gateway \
  --label org.opencontainers.image.revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  -f deploy/Containerfile.scratch -t "$image" "$context"
# A rebuild moves the tag; the image it leaves behind is of no use.
current=$(podman image inspect --format '{{.Id}}' "$image")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
