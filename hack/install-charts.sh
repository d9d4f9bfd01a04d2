#!/usr/bin/env bash
# Install or upgrade Mercado's three charts, in the order they need each other, and wait
# until everything is ready. `make up` (kind) and the real node (`make cluster-install`,
# tests/cluster) run this same script; only the kube context and the values differ.
#   hack/install-charts.sh CONTEXT [VALUES]
# CONTEXT  the kube context (kind-mercado, mercado-node)
# VALUES   a name: charts/<chart>/values-VALUES.yaml is added for each chart that has one
#          (node: the real node's local images)
# Environment: HELM, KUBECTL (the binaries), KUBECONFIG, TAG (image tag, dev),
# NAMESPACE (mercado), TIMEOUT (per wait, 10m).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
context=${1:?usage: $0 CONTEXT [VALUES]}
values_name=${2:-}
namespace=${NAMESPACE:-mercado}
tag=${TAG:-dev}
timeout=${TIMEOUT:-10m}
helm=("${HELM:-helm}" --kube-context "$context")
kubectl=("${KUBECTL:-kubectl}" --context "$context")
cd "$root"

step() { printf '\n==> %s (%ss)\n' "$*" "$SECONDS" >&2; }

# values CHART: the -f option of CHART's values file for VALUES, if there is one
values() {
  local file=charts/$1/values-$values_name.yaml
  if [ -n "$values_name" ] && [ -f "$file" ]; then echo "-f $file"; fi
}

step "operator (CRDs, RBAC) in mercado-system"
# shellcheck disable=SC2046
"${helm[@]}" upgrade --install mercado-operator charts/mercado-operator \
  --namespace mercado-system --create-namespace $(values mercado-operator) \
  --set image.tag="$tag" --set image.pullPolicy=Never --wait --timeout "$timeout"

step "PostgreSQL, RabbitMQ and Mailpit in $namespace"
# shellcheck disable=SC2046
"${helm[@]}" upgrade --install mercado-dev-infra charts/mercado-dev-infra \
  --namespace "$namespace" --create-namespace $(values mercado-dev-infra) --wait --timeout "$timeout"

step "the platform in $namespace (the migration Jobs run once the operator wrote the Secrets)"
# no --wait: relays and consumers only settle after the post-install migration Jobs,
# which helm waits for (and deletes once they succeeded)
# shellcheck disable=SC2046
"${helm[@]}" upgrade --install mercado charts/mercado --namespace "$namespace" $(values mercado) \
  --set image.tag="$tag" --set image.pullPolicy=Never --timeout "$timeout"

step "waiting until everything is ready"
"${kubectl[@]}" -n "$namespace" wait --for=condition=Ready databases,messagingtopologies --all --timeout "$timeout"
"${kubectl[@]}" -n "$namespace" wait --for=condition=Available deployments --all --timeout "$timeout"
step "ready"
