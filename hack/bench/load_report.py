"""What the platform benchmark measured: samples while it runs, then a table and a chart."""

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import psycopg2

from mercado_local.invariants import Invariants

matplotlib.use("Agg")
from matplotlib import pyplot

SAGA = """
SELECT extract(epoch FROM o.created_at),
  extract(epoch FROM min(h.at) FILTER (WHERE h.status = 'awaiting_payment') - o.created_at),
  extract(epoch FROM min(h.at) FILTER (WHERE h.status = 'paid') - o.created_at)
FROM orders o JOIN order_status_history h ON h.order_id = o.id
WHERE o.id = ANY(%s) GROUP BY o.id
"""
HELD = """
SELECT l.product_id, sum(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE o.status IN ('awaiting_payment', 'paid', 'completed') GROUP BY 1
"""
STOCKED = "SELECT product_id::text, sum(quantity) FROM stock_movements"
STOCKED += " WHERE kind IN ('receipt', 'adjustment') GROUP BY 1"


@dataclass
class Samples:
    """Each answer's time, latency and status; accepted order ids; errors by kind."""

    start: float
    end: float = 0.0
    times: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    def add(self, at: float, latency: float, status: int, payload: object) -> None:
        """Record one answer."""
        self.times.append(at - self.start)
        self.latencies.append(latency)
        if status == 200 and isinstance(payload, dict) and "order_id" in payload:
            self.accepted.append(payload["order_id"])
        elif status != 200:
            code = payload.get("code") if isinstance(payload, dict) else None
            self.errors[f"{status} {code}"] += 1

    @property
    def rate(self) -> float:
        """Answers per second."""
        return len(self.latencies) / (self.end - self.start)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in the unit given; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _query(url: str, sql: str, *args: object) -> list[tuple]:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall()
    finally:
        connection.close()


def oversold_units(auditor: Invariants) -> int:
    """Units orders hold or sold beyond what inventory ever had, summed over products."""
    held = dict(_query(auditor.orders_db, HELD))
    stocked = dict(_query(auditor.inventory_db, STOCKED))
    return sum(max(0, int(q) - int(stocked.get(p, 0))) for p, q in held.items())


def report(
    load: Samples,
    ceiling: Samples,
    orders_db: str,
    auditor: Invariants,
    chart: Path,
    args: argparse.Namespace,
    *,
    paid_on_checkout: int,
    more: Sequence[tuple[str, str]] = (),
) -> None:
    """Print the table (with `more` rows at its end); write the chart."""
    saga = _query(orders_db, SAGA, load.accepted)
    reserved = [float(r[1]) for r in saga if r[1] is not None]
    paid = [float(r[2]) for r in saga if r[2] is not None]
    accepted_rate = len(load.accepted) / (load.end - load.start)
    ms = [x * 1000 for x in load.latencies]
    rows = [
        ("load / phase length", f"{_load(args)} / {args.seconds:.0f} s"),
        ("orders accepted/s", f"{accepted_rate:.1f}  (target >= 150)"),
        ("POST /api/orders p50 / p95 / p99", _ms(ms, 50, 95, 99) + "  (target p99 < 100)"),
        ("order -> awaiting_payment p50 / p99", _ms([x * 1000 for x in reserved], 50, 99)),
        ("order -> paid p50 / p99", _ms([x * 1000 for x in paid], 50, 99)),
        ("orders accepted / refused", f"{len(load.accepted)} / {sum(load.errors.values())}"),
        ("orders paid on the checkout page", str(paid_on_checkout)),
        ("errors by kind", ", ".join(f"{k}: {n}" for k, n in load.errors.most_common()) or "none"),
        ("oversold units", str(oversold_units(auditor))),
        ("invariants broken", str(len(auditor.violations()))),
        ("ceiling: GET /docs/orders/openapi.json req/s", f"{ceiling.rate:.1f}"),
        ("ceiling p50 / p99", _ms([x * 1000 for x in ceiling.latencies], 50, 99)),
        ("ratio orders/s : ceiling req/s", f"{accepted_rate / ceiling.rate:.2f}"),
        *more,
    ]
    width = max(len(name) for name, _ in rows)
    print("\n".join(f"{name:<{width}}  {value}" for name, value in rows))
    _chart(load, ceiling, saga, chart)
    print(f"chart: {chart.resolve()}")


def _load(args: argparse.Namespace) -> str:
    if args.rate:
        return f"open loop, {args.rate:g} requests/s offered"
    return f"{args.customers} customers, closed loop"


def _ms(values: list[float], *ps: float) -> str:
    return " / ".join(f"{percentile(values, p):.0f}" for p in ps) + " ms"


def _chart(load: Samples, ceiling: Samples, saga: list[tuple], path: Path) -> None:
    figure, (top, bottom) = pyplot.subplots(2, 1, figsize=(11, 8))
    for samples, label, colour in (
        (load, "POST /api/orders", "C0"),
        (ceiling, "GET /docs/orders/openapi.json", "C2"),
    ):
        top.scatter(samples.times, [x * 1000 for x in samples.latencies], s=2, c=colour, alpha=0.3)
        seconds = _per_second(samples)
        top.plot(
            list(seconds),
            [percentile(v, 50) for v in seconds.values()],
            colour,
            label=f"{label} p50",
        )
        top.plot(
            list(seconds),
            [percentile(v, 99) for v in seconds.values()],
            colour + "--",
            label=f"{label} p99",
        )
    top.set(xlabel="seconds into the phase", ylabel="latency (ms)", yscale="log")
    top.legend(loc="upper right")
    if saga:
        first = min(float(r[0]) for r in saga)
        for index, label in ((1, "to awaiting_payment"), (2, "to paid")):
            points = [(float(r[0]) - first, float(r[index]) * 1000) for r in saga if r[index]]
            bottom.scatter(*zip(*points, strict=True), s=2, label=label, alpha=0.4)
    bottom.set(xlabel="seconds into the orders phase", ylabel="saga latency (ms)", yscale="log")
    bottom.legend(loc="upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _per_second(samples: Samples) -> dict[int, list[float]]:
    seconds: dict[int, list[float]] = {}
    for at, latency in zip(samples.times, samples.latencies, strict=True):
        seconds.setdefault(int(at), []).append(latency * 1000)
    return dict(sorted(seconds.items()))
