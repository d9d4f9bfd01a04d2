"""orders' availability check over gRPC against the same check over HTTP/JSON, in one run:
orders' two real clients against inventory's real `serve` (gunicorn) and `grpc` processes
on a private PostgreSQL, one caller at a time, in alternating rounds; per transport the
median over rounds of p50/p99 latency and of CPU per call (the calling client, inventory's
process, PostgreSQL).

    uv run --no-sync python hack/bench/availability.py [--rounds 5] [--calls 400] [--lines 2]
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from load_cpu import cpu_seconds

from mercado_inventory.bootstrap import SPEC
from mercado_inventory.domain.products import MovementKind
from mercado_inventory.service_layer import catalogue, stock
from mercado_local.servers import Servers
from mercado_local.services import ServiceProcesses
from mercado_orders.adapters.inventory import CircuitBreaker, InventoryClient
from mercado_orders.adapters.inventory_grpc import GrpcInventoryClient
from mercado_orders.domain.pricing import RequestedLine
from mercado_platform.db import Database

Check = Callable[[list[RequestedLine]], object]


def products(database_url: str, count: int) -> list[RequestedLine]:
    """`count` products with stock, as lines of one order."""
    units = SPEC.units(Database(database_url, pool_size=1))
    lines = []
    for n in range(count):
        product = catalogue.create_product(
            units(), sku=f"bench-{n}", name=f"Bench {n}", price=Decimal("9.90")
        )
        stock.record_movement(units(), product.id, MovementKind.RECEIPT, 1000, "bench", "bench")
        lines.append(RequestedLine(product.id, 1 + n, Decimal("9.90")))
    units.database.dispose()
    return lines


def measure(check: Check, lines: list[RequestedLine], calls: int, groups: dict[int, str]) -> dict:
    """One round: latencies and CPU per call of `calls` checks made one after another."""
    latencies = []
    cpu_before, client_before = cpu_seconds(groups), time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        answer = check(lines)
        latencies.append(time.perf_counter() - started)
        assert answer, "the check gave up: the figures would be a breaker's"
    client = (time.process_time() - client_before) / calls
    spent = cpu_seconds(groups) - cpu_before
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "p50": quantiles[49],
        "p99": quantiles[98],
        "client": client,
        "inventory": spent["inventory"] / calls,
        "postgres": spent["postgres"] / calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=400, help="checks per transport per round")
    parser.add_argument("--lines", type=int, default=2, help="lines per check")
    args = parser.parse_args()
    servers = Servers().start()
    workdir = Path(tempfile.mkdtemp(prefix="mercado-bench-availability-"))
    inventory = ServiceProcesses("inventory", {}, workdir)
    try:
        url = servers.database("bench_inventory")
        inventory.env.update(DATABASE_URL=url, AMQP_URL=servers.amqp_url, GRPC_THREADS="4")
        inventory.prepare().start("serve", "grpc")
        lines = products(url, args.lines)
        limits = {"timeout": 5.0, "attempts": 1}
        checks: dict[str, Check] = {
            "http/json": InventoryClient(
                inventory.url, breaker=CircuitBreaker(10**9, 1), **limits
            ).availability,
            "grpc": GrpcInventoryClient(
                inventory.grpc_target, breaker=CircuitBreaker(10**9, 1), **limits
            ).availability,
        }
        answers = {name: check(lines) for name, check in checks.items()}
        assert answers["grpc"] == answers["http/json"], answers
        postgres = {pid: "postgres" for pid in servers.pids()}
        groups = {
            "http/json": {inventory.running["serve"].pid: "inventory", **postgres},
            "grpc": {inventory.running["grpc"].pid: "inventory", **postgres},
        }
        for name, check in checks.items():  # warm both: connections, caches, JIT-free paths
            measure(check, lines, 200, groups[name])
        rounds: dict[str, list[dict]] = {name: [] for name in checks}
        for number in range(args.rounds):
            order = list(checks) if number % 2 == 0 else list(reversed(checks))
            for name in order:
                rounds[name].append(measure(checks[name], lines, args.calls, groups[name]))
        report(rounds, args)
    finally:
        inventory.stop()
        servers.stop()


def report(rounds: dict[str, list[dict]], args: argparse.Namespace) -> None:
    """One line per transport (medians over rounds), then gRPC against HTTP/JSON."""
    median = {
        name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for name, runs in rounds.items()
    }
    print(
        f"availability check, {args.lines} lines, one caller, {args.rounds} rounds x "
        f"{args.calls} calls per transport (medians over rounds):"
    )
    for name, m in median.items():
        total = m["client"] + m["inventory"] + m["postgres"]
        print(
            f"  {name:<9} p50 {m['p50'] * 1000:.2f} ms  p99 {m['p99'] * 1000:.2f} ms  "
            f"CPU/call {total * 1000:.2f} ms (orders' client {m['client'] * 1000:.2f}, "
            f"inventory {m['inventory'] * 1000:.2f}, postgres {m['postgres'] * 1000:.2f})"
        )
    grpc, http = median["grpc"], median["http/json"]

    def cpu(m: dict) -> float:
        return m["client"] + m["inventory"] + m["postgres"]

    print(
        f"  grpc/http: p50 {grpc['p50'] / http['p50']:.2f}x  p99 {grpc['p99'] / http['p99']:.2f}x"
        f"  CPU/call {cpu(grpc) / cpu(http):.2f}x  (client "
        f"{grpc['client'] / http['client']:.2f}x, inventory "
        f"{grpc['inventory'] / http['inventory']:.2f}x)"
    )


if __name__ == "__main__":
    main()
