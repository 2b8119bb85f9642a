#!/usr/bin/env bash
# Fetches HAProxy from the Debian package (the candidate version apt knows) without installing it:
# `apt-get download` + `dpkg-deb -x` into <cache>/haproxy/<version>/, then checks that every shared
# library resolves (installing the package's library dependencies with apt-get when one does not).
# Prints the binary's path on its last line.
# Usage: tools/haproxy.sh            fetch what is missing
#        tools/haproxy.sh --print    print the cached binary's path, or exit 1 when it is not cached
set -euo pipefail

cache_root=${STACKD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stackd}
log() { printf '[haproxy] %s\n' "$*" >&2; }

candidate() { apt-cache policy haproxy 2>/dev/null | awk '$1=="Candidate:" && $2!="(none)" {print $2}'; }

# The newest cached binary, for --print when apt knows no candidate (lists cleaned).
newest_cached() {
  local found
  found=$(ls -d "$cache_root"/haproxy/*/usr/sbin/haproxy 2>/dev/null | sort -V | tail -1 || true)
  [[ -n "$found" && -x "$found" ]] && echo "$found"
}

version=$(candidate)
if [[ "${1:-}" == "--print" ]]; then
  if [[ -n "$version" && -x "$cache_root/haproxy/$version/usr/sbin/haproxy" ]]; then
    echo "$cache_root/haproxy/$version/usr/sbin/haproxy"
    exit 0
  fi
  newest_cached || { log "not cached under $cache_root/haproxy"; exit 1; }
  exit 0
fi

as_root() {
  if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi
}

if [[ -z "$version" ]]; then
  log "apt knows no haproxy candidate: apt-get update"
  as_root apt-get update -qq
  version=$(candidate)
  [[ -n "$version" ]] || { log "no haproxy package in the apt sources"; exit 1; }
fi

dest="$cache_root/haproxy/$version"
binary="$dest/usr/sbin/haproxy"
if [[ ! -x "$binary" ]]; then
  work=$(mktemp -d)
  chmod 0755 "$work" # apt-get download runs as _apt when root
  trap 'rm -rf "$work"' EXIT
  log "downloading haproxy $version (Debian package)"
  if ! (cd "$work" && apt-get download -qq "haproxy=$version" >&2); then
    log "download failed: apt-get update and retry"
    as_root apt-get update -qq
    (cd "$work" && apt-get download -qq "haproxy=$version" >&2)
  fi
  deb=$(ls "$work"/haproxy_*.deb)
  mkdir -p "$cache_root/haproxy"
  staging=$(mktemp -d "$cache_root/haproxy/.extract.XXXXXX")
  dpkg-deb -x "$deb" "$staging"
  dpkg-deb -f "$deb" Depends >"$staging/DEPENDS"
  rm -rf "$dest"
  mv "$staging" "$dest"
  log "extracted into $dest"
fi

missing=$(ldd "$binary" | awk '/not found/ {print $1}')
if [[ -n "$missing" ]]; then
  log "unresolved libraries: $(echo $missing); installing the package's library dependencies"
  libs=$(tr ',' '\n' <"$dest/DEPENDS" | awk '{print $1}' | grep '^lib' | tr '\n' ' ')
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $libs >&2
  missing=$(ldd "$binary" | awk '/not found/ {print $1}')
  [[ -z "$missing" ]] || { log "still unresolved: $(echo $missing)"; exit 1; }
fi

"$binary" -v | head -1 >&2
echo "$binary"
