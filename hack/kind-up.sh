#!/usr/bin/env bash
# `make up`: a kind cluster running Mercado, from nothing. Needs Docker; installs the pinned
# kind/kubectl/helm into ./bin when missing. Safe to run again (it upgrades in place).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/bin"
cluster="${CLUSTER:-mercado}"
namespace="${NAMESPACE:-mercado}"
tag="${TAG:-dev}"
services=(users inventory orders payments notifications)
context="kind-$cluster"
cd "$root"

command -v curl >/dev/null || { echo "make up needs curl (apt-get install curl)" >&2; exit 1; }
command -v docker >/dev/null && docker info >/dev/null 2>&1 || {
  echo "make up needs a running Docker (docker info failed); without Docker: make run-local" >&2
  exit 1
}
hack/install-kind-tools.sh kind kubectl helm

step() { printf '\n==> %s\n' "$*" >&2; }

step "kind cluster $cluster"
if ! "$bin/kind" get clusters | grep -qx "$cluster"; then
  "$bin/kind" create cluster --name "$cluster" --config kind-config.yaml --wait 120s
fi

step "images (tag $tag)"
for service in "${services[@]}"; do
  docker build -q -f services/Dockerfile --build-arg SERVICE="$service" -t "mercado/$service:$tag" .
done
docker build -q -f operator/Dockerfile -t "mercado/operator:$tag" .
# `kind load docker-image` fails with Docker's containerd image store (kind #3795, #3996);
# an archive from `docker save` loads with either store
archive="$(mktemp -d)"
trap 'rm -rf "$archive"' EXIT
for image in "${services[@]/#/mercado/}" mercado/operator; do
  docker save -o "$archive/image.tar" "$image:$tag"
  "$bin/kind" load image-archive --name "$cluster" "$archive/image.tar"
  rm -f "$archive/image.tar"
done

# the same install and wait steps as the real node's (hack/install-charts.sh)
HELM="$bin/helm" KUBECTL="$bin/kubectl" TAG="$tag" NAMESPACE="$namespace" \
  hack/install-charts.sh "$context"

cat <<DONE

Mercado is running on kind:
  API gateway   http://localhost:8080        (e.g. curl http://localhost:8080/api/products)
  Swagger UI    http://localhost:8080/docs
  e-mails       $bin/kubectl --context $context -n $namespace port-forward svc/mercado-mailpit 8025, then http://localhost:8025
  smoke test    $bin/helm --kube-context $context test mercado -n $namespace
  remove it     make down
DONE
