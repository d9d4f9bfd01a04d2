#!/usr/bin/env bash
# Install the pinned kind, kubectl, helm and skaffold into ./bin (only those missing or at
# another version), each checked against the checksum its project publishes next to it.
#   hack/install-kind-tools.sh [kind|kubectl|helm|skaffold ...]
set -euo pipefail

KIND_VERSION=v0.29.0
KUBECTL_VERSION=v1.34.4   # the kube-apiserver version the tests run
HELM_VERSION=v3.22.0      # the helm the tests run (hack/tools/helm/go.mod)
SKAFFOLD_VERSION=v2.16.1

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/bin"
mkdir -p "$bin"
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

# fetch URL CHECKSUM_URL DEST: download, verify the sha256, install executable
fetch() {
  local url="$1" sums="$2" dest="$3" tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  curl -fsSL --retry 3 -o "$tmp/download" "$url"
  expected="$(curl -fsSL --retry 3 "$sums" | awk '{print $1}')"
  actual="$(sha256sum "$tmp/download" | awk '{print $1}')"
  if [ "$expected" != "$actual" ]; then
    echo "checksum mismatch for $url: expected $expected, got $actual" >&2
    exit 1
  fi
  if [[ "$url" == *.tar.gz ]]; then
    tar -xzf "$tmp/download" -C "$tmp"
    install -m 0755 "$tmp/$os-$arch/helm" "$dest"
  else
    install -m 0755 "$tmp/download" "$dest"
  fi
}

# has TOOL VERSION: the installed tool reports that version
has() {
  [ -x "$bin/$1" ] && "$bin/$1" "${@:3}" 2>/dev/null | grep -q -- "${2#v}"
}

install_kind() {
  has kind "$KIND_VERSION" version && return
  fetch "https://kind.sigs.k8s.io/dl/$KIND_VERSION/kind-$os-$arch" \
    "https://kind.sigs.k8s.io/dl/$KIND_VERSION/kind-$os-$arch.sha256sum" "$bin/kind"
}

install_kubectl() {
  has kubectl "$KUBECTL_VERSION" version --client && return
  local base="https://dl.k8s.io/release/$KUBECTL_VERSION/bin/$os/$arch/kubectl"
  fetch "$base" "$base.sha256" "$bin/kubectl"
}

install_helm() {
  has helm "$HELM_VERSION" version --short && return
  local base="https://get.helm.sh/helm-$HELM_VERSION-$os-$arch.tar.gz"
  fetch "$base" "$base.sha256sum" "$bin/helm"
}

install_skaffold() {
  has skaffold "$SKAFFOLD_VERSION" version && return
  local base="https://storage.googleapis.com/skaffold/releases/$SKAFFOLD_VERSION/skaffold-$os-$arch"
  fetch "$base" "$base.sha256" "$bin/skaffold"
}

for tool in "${@:-kind kubectl helm skaffold}"; do
  for each in $tool; do
    "install_$each"
    echo "$each: $bin/$each" >&2
  done
done
