"""What tracing costs: the same orders phase with tracing off, on sampling every trace, and
on sampling 10 %, in turns (off, 100 %, 10 %, off, ...), every service restarted with the
mode's OTEL_* variables, spans exported to a collector in front of Jaeger. Each phase's CPU
per accepted order counts all the work its orders made until the platform settled; the
collector's and Jaeger's CPU are counted apart. Medians of the rounds."""

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from load_cpu import cpu_seconds, process_groups

from mercado_local.invariants import Invariants
from mercado_local.runner import LocalMercado
from mercado_local.tracing import TraceStore

MODES: dict[str, dict[str, str]] = {
    "off": {},
    "on, 100 %": {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "1",
    },
    "on, 10 %": {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    },
}
STORE = ("otelcol", "jaeger")
# every span the phase made has left its process: the SDK's default export delay is 5 s
EXPORTED_AFTER = 6.0


def restart(mercado: LocalMercado, store: TraceStore, mode: dict[str, str]) -> None:
    """Every service's roles again, with the mode's variables (none: tracing off)."""
    traced = {**store.settings(), **mode} if mode else {}
    traced.pop("OTEL_BSP_SCHEDULE_DELAY", None)  # the SDK's defaults, as in production
    for processes in mercado.running.values():
        processes.stop()
        for name in [n for n in processes.env if n.startswith("OTEL_")]:
            del processes.env[name]
        processes.env.update(traced)
        processes.start()


def compare(
    mercado: LocalMercado,
    store: TraceStore,
    warm_up: Callable[[], Awaitable[Any]],
    phase: Callable[[], Awaitable[set[str]]],
    rounds: int,
) -> list[tuple[str, str]]:
    """Run `phase` (an orders phase; its accepted order ids) in each mode, after `warm_up`,
    `rounds` times in turn; table rows of the medians."""
    per_order: dict[str, list[float]] = {mode: [] for mode in MODES}
    store_cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
    for turn in range(rounds):
        for mode, variables in MODES.items():
            print(f"tracing {mode}, round {turn + 1} of {rounds} ...", flush=True)
            restart(mercado, store, variables)
            asyncio.run(warm_up())
            groups = process_groups(mercado) | {
                process.pid: name for name, process in store.processes.items()
            }
            before = cpu_seconds(groups)
            accepted = asyncio.run(phase())
            settle(mercado, accepted)
            time.sleep(EXPORTED_AFTER)
            spent = cpu_seconds(groups) - before
            own = sum(spent[name] for name in STORE)
            if accepted:
                per_order[mode].append(1000 * (spent.total() - own) / len(accepted))
                store_cpu[mode].append(1000 * own / len(accepted))
    return [_row(mode, per_order, store_cpu) for mode in MODES]


def settle(mercado: LocalMercado, accepted: set[str]) -> None:
    """Wait until every accepted order's work is done (its CPU belongs to its phase)."""
    auditor = Invariants(
        mercado.running["orders"].env["DATABASE_URL"],
        mercado.running["inventory"].env["DATABASE_URL"],
        mercado.servers.amqp_url,
        payments_db=mercado.running["payments"].env["DATABASE_URL"],
        notifications_db=mercado.running["notifications"].env["DATABASE_URL"],
    )
    auditor.accepted.update(accepted)
    auditor.settle(timeout=180)


def _row(mode: str, per_order: dict, store_cpu: dict) -> tuple[str, str]:
    runs = per_order[mode]
    if not runs:
        return (f"tracing {mode}: CPU per order", "n/a")
    base = statistics.median(per_order["off"]) if per_order["off"] else None
    ratio = f", x{statistics.median(runs) / base:.2f} of off" if base else ""
    each = " / ".join(f"{value:.1f}" for value in runs)
    store = statistics.median(store_cpu[mode])
    return (
        f"tracing {mode}: CPU per order (services, median)",
        f"{statistics.median(runs):.1f} ms{ratio}  (rounds: {each}; collector + Jaeger "
        f"{store:.1f} ms more)",
    )
