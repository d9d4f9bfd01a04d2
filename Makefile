# Mercado's developer commands. `make help` lists them.
SHELL := /bin/bash
UV ?= uv
PYTEST_ARGS ?=

.PHONY: help test-deps tools sync test test-fast lint format
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

test-deps: ## install PostgreSQL and RabbitMQ servers (Debian, needs root)
	hack/install-test-deps.sh

tools: ## build the pinned Go tools (kube-apiserver, etcd, helm, stripe-mock, toxiproxy) into the cache
	hack/tools.sh

sync: ## create .venv with every workspace package, exactly as uv.lock pins
	$(UV) sync --all-packages --locked

test: sync tools ## run every test in the repo against real servers
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

.PHONY: contracts
contracts: sync ## regenerate the AsyncAPI document from the event contracts
	$(UV) run --no-sync python -m tests.contracts

.PHONY: bench-inventory
bench-inventory: sync ## reservations/s (1- and 5-line orders, hot and spread products) vs pgbench ceiling
	$(UV) run --no-sync python hack/bench/inventory.py

.PHONY: run-local
run-local: sync ## Mercado as local processes (private PostgreSQL + RabbitMQ, seeded); Ctrl-C stops it
	$(UV) run --no-sync mercado-local $(LOCAL_ARGS)

.PHONY: bench
bench: sync ## whole-platform load: orders/s, POST and saga latency, oversell, ceiling; table + PNG
	$(UV) run --no-sync python hack/bench/load.py $(BENCH_ARGS)
