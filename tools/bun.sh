#!/usr/bin/env bash
# Runs Bun for this repo on a machine that only has Node and npm: installs the pinned Bun from the
# npm registry into a cache outside the repo (once per version), installs the locked dependencies
# when needed, then runs `bun "$@"`. Example: tools/bun.sh run dev
set -euo pipefail

bun_version=1.4.5
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${STACKD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stackd}
bun_prefix="$cache_root/bun-$bun_version"
bun_bin="$bun_prefix/node_modules/.bin/bun"

if [[ ! -x "$bun_bin" ]] || [[ "$("$bun_bin" --version 2>/dev/null)" != "$bun_version" ]]; then
  echo "[bun.sh] installing Bun $bun_version from the npm registry into $bun_prefix" >&2
  mkdir -p "$bun_prefix"
  npm install --prefix "$bun_prefix" --no-audit --no-fund --loglevel=error "bun@$bun_version" >&2
fi
export PATH="$bun_prefix/node_modules/.bin:$PATH"

stamp="$repo/node_modules/.stackd-lock-stamp"
if [[ ! -f "$stamp" ]] || ! cmp -s "$repo/bun.lock" "$stamp"; then
  echo "[bun.sh] installing dependencies from bun.lock" >&2
  (cd "$repo" && bun install --frozen-lockfile >&2)
  cp "$repo/bun.lock" "$stamp"
fi

cd "$repo"
exec bun "$@"
