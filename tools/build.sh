#!/usr/bin/env bash
# Builds the local control-plane binaries from the Go wrapper modules beside this script,
# caching them by version outside the repo. Prints the bin folder on its last line.
# Usage: tools/build.sh            build what is missing
#        tools/build.sh --print    print the bin folder only (no build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${STACKD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stackd}

k8s_version=$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$here/k8s/go.mod")
etcd_version=$(awk '$1=="require" && $2=="go.etcd.io/etcd/server/v3" {print $3}' "$here/etcd/go.mod")
kwok_version=$(awk '$1=="require" && $2=="sigs.k8s.io/kwok" {print $3}' "$here/kwok/go.mod")
bin="$cache_root/bin/k8s-$k8s_version-etcd-$etcd_version-kwok-$kwok_version"

if [[ "${1:-}" == "--print" ]]; then
  echo "$bin"
  exit 0
fi

export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$bin"

started=$SECONDS
log() { printf '[build %4ds] %s\n' "$((SECONDS - started))" "$*" >&2; }

# build_piece NAME MODULE_DIR LDFLAGS OUTPUTS... -- PACKAGES...
build_piece() {
  local name=$1 dir=$2 ldflags=$3
  shift 3
  local outputs=() packages=()
  while [[ $1 != "--" ]]; do outputs+=("$1"); shift; done
  shift
  packages=("$@")
  local missing=0
  for out in "${outputs[@]}"; do [[ -x "$bin/$out" ]] || missing=1; done
  if [[ $missing == 0 ]]; then
    log "$name: cached"
    return
  fi
  log "$name: building ${outputs[*]} (cold builds take minutes; progress every 30s)"
  local piece_start=$SECONDS tmp
  tmp=$(mktemp -d "$bin/.build.XXXXXX")
  local target="$tmp/"
  (( ${#packages[@]} == 1 )) && target="$tmp/${outputs[0]}"
  (cd "$here/$dir" && go build -trimpath -ldflags "$ldflags" -o "$target" "${packages[@]}") &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if (( (SECONDS - piece_start) % 30 < 5 )) && kill -0 "$pid" 2>/dev/null; then
      log "$name: still building, $((SECONDS - piece_start))s elapsed"
    fi
  done
  if ! wait "$pid"; then
    rm -rf "$tmp"
    log "$name: build FAILED"
    exit 1
  fi
  for out in "${outputs[@]}"; do mv -f "$tmp/$out" "$bin/$out"; done
  rm -rf "$tmp"
  log "$name: done in $((SECONDS - piece_start))s"
}

minor=${k8s_version#v1.}; minor=${minor%%.*}
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitTreeState=clean"

build_piece etcd etcd "-s -w" etcd -- go.etcd.io/etcd/server/v3
build_piece kwok kwok "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version" kwok -- sigs.k8s.io/kwok/cmd/kwok
build_piece kubernetes k8s "$k8s_ldflags" kube-apiserver kube-controller-manager kube-scheduler kubectl -- \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl

# kwok drops its built-in stages when a config names any Stage; keep the module's own stage files
# beside the binary so the cluster config can list the defaults plus the chaos stage.
stages="$bin/kwok-stages"
if [[ ! -f "$stages/.complete" ]]; then
  kwok_dir=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  mkdir -p "$stages"
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete pod/chaos/pod-container-running-failed; do
    cp "$kwok_dir/kustomize/stage/$stage.yaml" "$stages/"
  done
  chmod 644 "$stages"/*.yaml
  touch "$stages/.complete"
  log "kwok stages copied from $kwok_dir"
fi

log "all binaries ready in $bin ($(du -sh "$bin" | cut -f1))"
echo "$bin"
