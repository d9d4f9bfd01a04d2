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
kubectl=("$bin/kubectl" --context "$context")
helm=("$bin/helm" --kube-context "$context")
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
for image in "${services[@]/#/mercado/}" mercado/operator; do
  "$bin/kind" load docker-image --name "$cluster" "$image:$tag"
done

step "operator (CRDs, RBAC) in mercado-system"
"${helm[@]}" upgrade --install mercado-operator charts/mercado-operator \
  --namespace mercado-system --create-namespace \
  --set image.tag="$tag" --set image.pullPolicy=Never --wait --timeout 5m

step "PostgreSQL and RabbitMQ in $namespace"
"${helm[@]}" upgrade --install mercado-dev-infra charts/mercado-dev-infra \
  --namespace "$namespace" --create-namespace --wait --timeout 10m

step "the platform in $namespace (the migration Jobs run once the operator wrote the Secrets)"
# no --wait: relays and consumers only settle after the post-install migration Jobs
"${helm[@]}" upgrade --install mercado charts/mercado --namespace "$namespace" \
  --set image.tag="$tag" --set image.pullPolicy=Never --timeout 10m

step "waiting until everything is ready"
"${kubectl[@]}" -n "$namespace" wait --for=condition=Ready databases,messagingtopologies --all --timeout 5m
"${kubectl[@]}" -n "$namespace" wait --for=condition=Available deployments --all --timeout 10m

cat <<DONE

Mercado is running on kind:
  API gateway   http://localhost:8080        (e.g. curl http://localhost:8080/api/products)
  Swagger UI    http://localhost:8080/docs
  e-mails       $bin/kubectl --context $context -n $namespace port-forward svc/mercado-mailpit 8025, then http://localhost:8025
  smoke test    $bin/helm --kube-context $context test mercado -n $namespace
  remove it     make down
DONE
