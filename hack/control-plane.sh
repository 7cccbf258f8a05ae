#!/usr/bin/env bash
# Builds kube-apiserver and etcd from Go modules (no download site is reachable
# here, the Go module proxy is) and caches them by version outside git.
# Prints the directory holding both binaries; envtest uses it as
# KUBEBUILDER_ASSETS.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
CACHE="${KALE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kale/tools}"
OUT="$CACHE/control-plane/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" ]]; then
	echo "$OUT"
	exit 0
fi
mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log() { echo "control-plane: $*" >&2; }

# etcd: a scratch module that requires the server module and builds its main package.
if [[ ! -x "$OUT/etcd" ]]; then
	log "building etcd $ETCD_VERSION"
	mkdir -p "$work/etcd"
	(
		cd "$work/etcd"
		go mod init scratch/etcd >/dev/null 2>&1
		go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
		CGO_ENABLED=0 go build -trimpath -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
	)
	mv "$OUT/etcd.tmp" "$OUT/etcd"
fi

# kube-apiserver: k8s.io/kubernetes requires its staging modules at v0.0.0;
# replace each with the published module of the matching minor version.
if [[ ! -x "$OUT/kube-apiserver" ]]; then
	log "building kube-apiserver $K8S_VERSION (takes several minutes)"
	staging="v0.${K8S_VERSION#v1.}"
	mkdir -p "$work/kas"
	(
		cd "$work/kas"
		go mod init scratch/kas >/dev/null 2>&1
		modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
		if [[ ! -f "$modfile" ]]; then
			go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null
		fi
		grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$modfile" | awk '{print $1}' | sort -u | while read -r m; do
			go mod edit -replace "$m=$m@$staging"
		done
		go mod edit -require "k8s.io/kubernetes@$K8S_VERSION"
		cat >tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
		go mod tidy >&2
		CGO_ENABLED=0 go build -trimpath -tags=providerless \
			-ldflags "-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#v1.}" \
			-o "$OUT/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2
	)
	mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
fi
echo "$OUT"
