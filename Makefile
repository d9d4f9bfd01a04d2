# Mercado's developer commands. `make help` lists them.
# On a fresh machine each target installs what it needs first (Debian packages through
# sudo when not root, uv from PyPI, Go tools built from hack/tools/) into MERCADO_CACHE.
SHELL := /bin/bash
MERCADO_CACHE ?= $(HOME)/.cache/mercado
export MERCADO_CACHE
UV ?= $(or $(shell command -v uv),$(MERCADO_CACHE)/bin/uv)
HELM ?= $(shell command -v $(CURDIR)/bin/helm || echo $(MERCADO_CACHE)/bin/helm)
PYTEST_ARGS ?=

.PHONY: help test-deps tools uv helm sync test test-fast lint format
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

test-deps: ## install the PostgreSQL, RabbitMQ and nginx servers when missing (Debian, root or sudo)
	hack/install-test-deps.sh

tools: ## build the pinned Go tools (kube-apiserver, etcd, helm, stripe-mock, toxiproxy, otelcol, jaeger) into the cache
	hack/tools.sh

uv: ## install the pinned uv into the cache when there is none
	@command -v $(UV) >/dev/null || hack/install-uv.sh

helm: ## build the pinned helm into the cache when there is none
	@test -x $(HELM) || hack/tools.sh helm

sync: uv ## create .venv with every workspace package, exactly as uv.lock pins
	$(UV) sync --all-packages --locked

test: test-deps sync tools ## run every test in the repo against real servers
	$(UV) run --no-sync pytest $(PYTEST_ARGS)

test-fast: sync ## only the tests that need no server (seconds)
	$(UV) run --no-sync pytest -m "not servers" $(PYTEST_ARGS)

lint: sync ## ruff, as CI runs it
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .

format: sync ## apply ruff's formatting and safe fixes
	$(UV) run --no-sync ruff format .
	$(UV) run --no-sync ruff check --fix .

.PHONY: bench-messaging
bench-messaging: sync ## relay vs raw pika throughput, commit-to-delivery latency (prints figures)
	$(UV) run --no-sync python hack/bench/messaging.py

.PHONY: bench-availability
bench-availability: sync ## orders' availability check over gRPC vs HTTP/JSON: p50/p99 and CPU per call
	$(UV) run --no-sync python hack/bench/availability.py

.PHONY: contracts
contracts: sync ## regenerate the AsyncAPI document from the event contracts
	$(UV) run --no-sync python -m tests.contracts

.PHONY: bench-inventory
bench-inventory: sync ## reservations/s (1- and 5-line orders, hot and spread products) vs pgbench ceiling
	$(UV) run --no-sync python hack/bench/inventory.py

# --- kind, images, charts ------------------------------------------------------------
SERVICES := users inventory orders payments notifications
TAG ?= dev
REGISTRY ?=
PLATFORMS ?= linux/amd64,linux/arm64
CLUSTER ?= mercado

.PHONY: kind-tools images images-multiarch up down dev charts-lint
kind-tools: ## install the pinned kind, kubectl, helm and skaffold into ./bin (if missing)
	hack/install-kind-tools.sh

images: ## build every image with Docker: mercado/<service>:$(TAG), mercado/operator:$(TAG)
	for service in $(SERVICES); do \
	  docker build -f services/Dockerfile --build-arg SERVICE=$$service -t mercado/$$service:$(TAG) . || exit 1; \
	done
	docker build -f operator/Dockerfile -t mercado/operator:$(TAG) .

images-multiarch: ## build and push every image for amd64 and arm64 (REGISTRY=ghcr.io/you TAG=0.1.0)
	@test -n "$(REGISTRY)" || { echo "set REGISTRY, e.g. make images-multiarch REGISTRY=ghcr.io/you" >&2; exit 1; }
	for service in $(SERVICES); do \
	  docker buildx build --platform $(PLATFORMS) -f services/Dockerfile --build-arg SERVICE=$$service \
	    -t $(REGISTRY)/mercado/$$service:$(TAG) --push . || exit 1; \
	done
	docker buildx build --platform $(PLATFORMS) -f operator/Dockerfile -t $(REGISTRY)/mercado/operator:$(TAG) --push .

up: ## kind cluster + images + charts, waits until ready, prints the URL (needs Docker)
	CLUSTER=$(CLUSTER) TAG=$(TAG) hack/kind-up.sh

down: ## delete the kind cluster (and everything in it)
	hack/install-kind-tools.sh kind
	bin/kind delete cluster --name $(CLUSTER)

dev: ## skaffold dev on the kind cluster: rebuild, redeploy, sync *.py with gunicorn reload
	hack/install-kind-tools.sh
	@bin/kind get clusters | grep -qx $(CLUSTER) || bin/kind create cluster --name $(CLUSTER) --config kind-config.yaml
	PATH=$(CURDIR)/hack/skaffold-kind:$(CURDIR)/bin:$$PATH bin/skaffold dev

charts-lint: helm ## helm lint every chart with each values set (kind, production, dev, node)
	$(HELM) lint --strict charts/mercado-operator
	$(HELM) lint --strict charts/mercado
	$(HELM) lint --strict charts/mercado -f charts/mercado/values-production.yaml
	$(HELM) lint --strict charts/mercado -f charts/mercado/values-dev.yaml
	$(HELM) lint --strict charts/mercado-dev-infra
	$(HELM) lint --strict charts/mercado-dev-infra --set mailpit.enabled=false
	$(HELM) lint --strict charts/mercado-operator -f charts/mercado-operator/values-node.yaml
	$(HELM) lint --strict charts/mercado -f charts/mercado/values-node.yaml
	$(HELM) lint --strict charts/mercado-dev-infra -f charts/mercado-dev-infra/values-node.yaml

.PHONY: local-deps run-local trace-tools
trace-tools: ## build the OpenTelemetry Collector and Jaeger into the cache when missing
	hack/tools.sh otelcol jaeger

local-deps: test-deps helm trace-tools ## what run-local needs besides Python: PostgreSQL, RabbitMQ, nginx, helm, the trace store

run-local: sync local-deps ## Mercado as local processes (private PostgreSQL + RabbitMQ, seeded); Ctrl-C stops it
	HELM=$(HELM) $(UV) run --no-sync mercado-local $(LOCAL_ARGS)

.PHONY: bench
bench: sync ## whole-platform load: orders/s, POST and saga latency, oversell, ceiling; table + PNG
	$(UV) run --no-sync python hack/bench/load.py $(BENCH_ARGS)

# --- the real node: a single-node Kubernetes on this machine, no Docker or kind ------------
NODE_KUBECONFIG ?= $(or $(MERCADO_NODE_DIR),/var/lib/mercado-node)/kubeconfig
KUBECTL ?= $(shell command -v $(CURDIR)/bin/kubectl || echo $(HOME)/.cache/mercado/bin/kubectl)

.PHONY: cluster-up cluster-images cluster-install cluster-down test-cluster
cluster-up: tools ## a real node here (etcd, apiserver, kubelet, containerd, CoreDNS; needs root)
	hack/cluster/install-deps.sh
	hack/cluster/up.sh

cluster-images: ## build Mercado's images with buildah and import them into the node (TAG=dev)
	hack/cluster/images.sh all $(TAG)

cluster-install: ## the three charts on the node, as `make up` installs them on kind
	KUBECONFIG=$(NODE_KUBECONFIG) HELM=$(HELM) KUBECTL=$(KUBECTL) TAG=$(TAG) \
	  hack/install-charts.sh mercado-node node

cluster-down: ## stop the node and remove all of it (processes, mounts, netns, cgroups, state)
	hack/cluster/down.sh

test-cluster: sync tools ## only the real-node tests (tests/cluster; starts the node if it is not up)
	hack/cluster/install-deps.sh
	$(UV) run --no-sync pytest tests/cluster $(PYTEST_ARGS)
