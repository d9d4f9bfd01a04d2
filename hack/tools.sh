#!/usr/bin/env bash
# Build the Go tools the tests need (kube-apiserver, etcd, helm, stripe-mock,
# toxiproxy, otelcol, jaeger; for the real node kubelet, kube-proxy, the controller
# manager and scheduler, kubectl, CoreDNS, Mailpit and skaffold) from their pinned Go
# modules in hack/tools/<name>/, into a cache keyed by the module files, so a second run
# only checks stamps.
#
#   hack/tools.sh            build what is missing, link it into <cache>/bin
#   hack/tools.sh helm ...   only the tools named
#   MERCADO_CACHE=/path ...  use another cache (default ~/.cache/mercado)
set -euo pipefail
command -v go >/dev/null || { echo "hack/tools.sh builds from Go modules: install Go 1.26.8 or newer first" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
cache=${MERCADO_CACHE:-$HOME/.cache/mercado}
bin="$cache/bin"
mkdir -p "$bin"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=-mod=mod

k8s_version=v1.34.4
helm_version=v3.22.0
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$k8s_version \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34 \
 -X k8s.io/component-base/version.gitTreeState=clean"

# name | binary=package ... | extra ldflags | build environment (CGO_ENABLED=0: runs in an image)
tools=(
  "etcd|etcd=go.etcd.io/etcd/server/v3|"
  "kube-apiserver|kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver|$k8s_ldflags"
  "helm|helm=helm.sh/helm/v3/cmd/helm|-X helm.sh/helm/v3/internal/version.version=$helm_version"
  "stripe-mock|stripe-mock=github.com/stripe/stripe-mock|-X main.version=v0.203.0"
  "toxiproxy|toxiproxy-server=github.com/Shopify/toxiproxy/v2/cmd/server toxiproxy-cli=github.com/Shopify/toxiproxy/v2/cmd/cli|-X github.com/Shopify/toxiproxy/v2.Version=v2.12.0"
  "kubectl|kubectl=k8s.io/kubernetes/cmd/kubectl|$k8s_ldflags"
  "kube-node|kubelet=k8s.io/kubernetes/cmd/kubelet kube-proxy=k8s.io/kubernetes/cmd/kube-proxy kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler|$k8s_ldflags"
  "coredns|coredns=github.com/coredns/coredns|-X github.com/coredns/coredns/coremain.GitCommit=v1.12.3|CGO_ENABLED=0"
  "mailpit|mailpit=github.com/axllent/mailpit|-X github.com/axllent/mailpit/config.Version=v1.33.1|CGO_ENABLED=0"
  "skaffold|skaffold=github.com/GoogleContainerTools/skaffold/v2/cmd/skaffold|-X github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=v2.16.1"
  "otelcol|otelcol=.|"
  "jaeger|jaeger=github.com/jaegertracing/jaeger/cmd/jaeger|"
)

build_tool() {
  local name=$1 targets=$2 ldflags=$3 env=$4
  local key target
  # a tool whose main package is ours (otelcol) has its *.go beside go.mod: they are in the key
  key=$(cat "$here/tools/$name/go.mod" "$here/tools/$name/go.sum" $(compgen -G "$here/tools/$name/*.go") \
    <(go env GOVERSION) <(echo "$ldflags") <(test -z "$env" || echo "$env") | sha256sum | cut -c1-16)
  local out="$cache/tools/$name-$key"
  if [ ! -f "$out/.built" ]; then
    local start=$SECONDS
    echo "building $name ..." >&2
    mkdir -p "$out"
    for target in $targets; do
      (cd "$here/tools/$name" && env $env go build -trimpath -ldflags "-s -w $ldflags" -o "$out/${target%%=*}" "${target#*=}")
    done
    touch "$out/.built"
    find "$cache/tools" -maxdepth 1 -name "$name-*" ! -name "$name-$key" -exec rm -rf {} +
    echo "built $name in $((SECONDS - start))s" >&2
  fi
  for target in $targets; do
    ln -sfn "$out/${target%%=*}" "$bin/${target%%=*}"
  done
}

names=" ${tools[*]%%|*} "
for wanted in "$@"; do
  [[ "$names" == *" $wanted "* ]] || { echo "no tool $wanted; the tools are:$names" >&2; exit 2; }
done

start=$SECONDS
for spec in "${tools[@]}"; do
  IFS='|' read -r name targets ldflags env <<<"$spec"
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  build_tool "$name" "$targets" "$ldflags" "$env"
done
echo "tools ready in $((SECONDS - start))s: $bin" >&2
