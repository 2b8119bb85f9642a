#!/usr/bin/env bash
# Builds the `helm` command from the Go wrapper module tools/helm/ (the version its go.mod requires),
# caching it by version outside the repo like the control-plane binaries (tools/build.sh). The chart's
# tests (test/*/chart/) run it. Prints the binary's path on its last line.
# Usage: tools/helm.sh            build it when missing
#        tools/helm.sh --print    print the cached binary's path, or exit 1 when it is not built
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${STACKD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stackd}
version=$(awk '$1=="require" && $2=="helm.sh/helm/v4" {print $3}' "$here/helm/go.mod")
binary="$cache_root/bin/helm-$version/helm"

started=$SECONDS
log() { printf '[helm %4ds] %s\n' "$((SECONDS - started))" "$*" >&2; }

if [[ "${1:-}" == "--print" ]]; then
  [[ -x "$binary" ]] || { log "helm $version is not built under $cache_root/bin"; exit 1; }
  echo "$binary"
  exit 0
fi

if [[ ! -x "$binary" ]]; then
  export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
  mkdir -p "$(dirname "$binary")"
  tmp=$(mktemp -d "$(dirname "$binary")/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  log "building helm $version from its Go module (a cold build takes minutes; progress every 30s)"
  (cd "$here/helm" && go build -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$version" \
    -o "$tmp/helm" helm.sh/helm/v4/cmd/helm) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if (( (SECONDS - started) % 30 < 5 )) && kill -0 "$pid" 2>/dev/null; then
      log "still building, $((SECONDS - started))s elapsed"
    fi
  done
  wait "$pid" || { log "build FAILED"; exit 1; }
  mv -f "$tmp/helm" "$binary"
  log "built in $((SECONDS - started))s"
fi

log "$("$binary" version --short)"
echo "$binary"
