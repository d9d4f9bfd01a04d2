"""Platform load benchmark: N virtual customers place orders as fast as they get answers,
for a bounded time, against Mercado in local mode (private PostgreSQL and RabbitMQ, every
service as processes, behind the gateway); then the same load on a trivial endpoint the
gateway routes to the same service, the ceiling. Every accepted order is paid as a
customer would: its `payment_url` (the payments service's local checkout) and the Pay
button, through the gateway.

    make bench                     (or: uv run python hack/bench/load.py --customers 32)
"""

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import requests

sys.path.insert(0, str(Path(__file__).parent))

from load_cpu import cpu_rows, cpu_seconds, process_groups
from load_payer import Payer
from load_report import Samples, report
from load_sql import SETTINGS, reset, sql_rows, statements, top
from load_tracing import compare

from mercado_local.invariants import Invariants, rows
from mercado_local.runner import LocalMercado
from mercado_local.servers import Servers
from mercado_local.tracing import TraceStore, available
from mercado_local.unconsumed import sink
from mercado_platform.testing.polling import eventually

PASSWORD = "Bench-Pass-9x7q"
# Enough paying customers to keep up with the orders: with fewer, payments queued in the
# bench and were made after the phase, flattering orders/s and inflating "order -> paid".
PAYERS = 32
# Routed by the gateway to orders' gunicorn like POST /api/orders, answered without a
# database or a token: what the path costs by itself.
CEILING = "/docs/orders/openapi.json"
# An open loop's requests in flight at once; more wait for a connection (their latency,
# counted from when they were due, shows it).
OPEN_LOOP_CONNECTIONS = 256


def customers(mercado: LocalMercado, count: int) -> list[tuple[str, str]]:
    """Register and log in `count` customers; (id, token) of each."""
    assert mercado.endpoints is not None
    tag, made = secrets.token_hex(3), []
    for n in range(count):
        body = {
            "login": f"bench{tag}{n}",
            "email": f"bench{tag}{n}@example.com",
            "password": PASSWORD,
            "full_name": f"Bench Customer {n}",
        }
        created = requests.post(mercado.endpoints.url("/api/users"), json=body, timeout=30)
        created.raise_for_status()
        login = {"login": body["login"], "password": PASSWORD}
        token = requests.post(mercado.endpoints.url("/api/auth/token"), json=login, timeout=30)
        token.raise_for_status()
        made.append((created.json()["id"], token.json()["access_token"]))
    return made


async def drive(
    mercado: LocalMercado,
    people: list[tuple[str, str]],
    products: tuple[dict[str, float], str],
    seconds: float,
    *,
    ceiling: bool,
    payer: Payer | None = None,
    rate: float | None = None,
) -> Samples:
    """Every customer loops: POST an order (or GET the ceiling's trivial endpoint) until
    time is up; or, given a `rate`, requests start at that many per second whatever the
    answers (an open loop, Poisson arrivals, latency counted from when each was due). The
    payer, if any, pays each accepted order meanwhile."""
    assert mercado.endpoints is not None
    samples = Samples(start=time.monotonic())
    orders_url = mercado.endpoints.url("/api/orders")
    trivial_url = mercado.endpoints.url(CEILING)
    deadline = samples.start + seconds
    catalogue, scarce = products
    prices = {**catalogue, scarce: 34.0}
    plenty = sorted(catalogue)

    async def once(customer_id: str, token: str, chooser: random.Random, due: float) -> None:
        lines = {p: chooser.randint(1, 2) for p in chooser.sample(plenty, chooser.randint(1, 2))}
        if chooser.random() < 0.05:
            lines = {scarce: 1}
        body = {
            "customer_id": customer_id,
            "products": [
                {"product_id": p, "quantity": q, "price": prices[p]} for p, q in lines.items()
            ],
        }
        try:
            if ceiling:
                answer = await session.get(trivial_url)
            else:
                headers = {"Authorization": f"Bearer {token}"}
                answer = await session.post(orders_url, json=body, headers=headers)
            payload = await answer.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            samples.errors[type(exc).__name__] += 1
            return
        samples.add(due, time.monotonic() - due, answer.status, payload)
        if payer is not None and answer.status == 200 and "order_id" in payload:
            payer.owe(payload["order_id"], token)

    async def customer(customer_id: str, token: str, chooser: random.Random) -> None:
        while (now := time.monotonic()) < deadline:
            await once(customer_id, token, chooser, now)

    async def arrivals(per_second: float) -> None:
        clock, started, due = random.Random(0), [], samples.start
        while (due := due + clock.expovariate(per_second)) < deadline:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            customer_id, token = people[len(started) % len(people)]
            chooser = random.Random(len(started))
            started.append(asyncio.create_task(once(customer_id, token, chooser, due)))
        await asyncio.gather(*started)

    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=OPEN_LOOP_CONNECTIONS if rate else len(people) + PAYERS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        paying = payer and asyncio.create_task(payer.run(session, PAYERS, deadline + 120))
        if rate:
            await arrivals(rate)
        else:
            await asyncio.gather(
                *(customer(c, t, random.Random(n)) for n, (c, t) in enumerate(people))
            )
        samples.end = time.monotonic()
        if payer is not None and paying:
            payer.close()
            await paying
    return samples


def mail_sent(notifications_db: str, timeout: float = 60) -> None:
    """Wait until no e-mail is left to send and no new one came for a delivery interval
    (the settled invariants allow e-mails pending for a while; their CPU belongs here)."""
    count = "SELECT count(*), count(*) FILTER (WHERE status = 'pending') FROM notifications"
    seen: list[tuple] = []

    def quiet() -> bool:
        seen.extend(rows(notifications_db, count))
        return seen[-1][1] == 0 and seen[-2:] == [seen[-1]] * 2

    eventually(quiet, timeout=timeout, interval=1.5, what="every e-mail sent")


def bench_products(mercado: LocalMercado, count: int = 20) -> tuple[dict[str, float], str]:
    """`count` products with a million units each, and the seed's scarce steel bottle (40
    units, in one order of twenty) to show stock running out never oversells; id -> price."""
    assert mercado.endpoints is not None and mercado.seeded is not None
    staff = {"Authorization": f"Bearer {mercado.seeded.admin_token}"}
    made, tag = {}, secrets.token_hex(3)
    for n in range(count):
        body = {"sku": f"bench-{tag}-{n}", "name": f"Bench product {n}", "price": f"{n + 1}.90"}
        created = requests.post(
            mercado.endpoints.url("/api/products"), json=body, headers=staff, timeout=10
        )
        created.raise_for_status()
        product_id = created.json()["id"]
        receipt = {"kind": "receipt", "quantity": 1_000_000, "reason": "bench"}
        url = mercado.endpoints.url(f"/api/products/{product_id}/stock-movements")
        requests.post(url, json=receipt, headers=staff, timeout=10).raise_for_status()
        made[product_id] = float(body["price"])
    return made, mercado.seeded.products["bottle-steel"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=24, help="virtual customers")
    parser.add_argument(
        "--rate",
        type=float,
        help="open loop: start this many orders per second (from the customers in turn) "
        "whatever the answers, instead of each customer ordering again once answered",
    )
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--workers", default="2", help="gunicorn workers of orders")
    parser.add_argument("--chart", default="bench-platform.png", help="PNG written here")
    parser.add_argument(
        "--top-sql", type=int, default=0, metavar="N", help="also list the N statements run most"
    )
    parser.add_argument(
        "--tracing-rounds",
        type=int,
        default=2,
        metavar="N",
        help="then the orders phase with tracing off, on at 100 %% and at 10 %%, N times in "
        "turn (0: not; needs `make trace-tools`)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mercado-bench-"))
    mercado = LocalMercado(
        workdir,
        servers=Servers(postgres_settings=SETTINGS),
        overrides={
            "orders": {"WEB_CONCURRENCY": args.workers, "LOG_LEVEL": "WARNING"},
            "inventory": {"WEB_CONCURRENCY": "1", "LOG_LEVEL": "WARNING"},
            "payments": {"LOG_LEVEL": "WARNING"},
            "notifications": {"LOG_LEVEL": "WARNING"},
        },
    )
    try:
        print(f"starting local mode (logs in {workdir}) ...", flush=True)
        mercado.start()
        orders_db = mercado.running["orders"].env["DATABASE_URL"]
        sink(mercado.servers.amqp_url)  # stock.committed / stock.released: nobody's yet
        people = customers(mercado, args.customers)
        products = bench_products(mercado)
        print(f"{len(people)} customers, {len(products[0])} products; warming up ...", flush=True)
        asyncio.run(drive(mercado, people[:4], products, 3, ceiling=False))
        print(f"orders for {args.seconds:.0f} s ...", flush=True)
        payer = Payer(mercado.endpoints.gateway)
        groups = process_groups(mercado)
        reset(mercado.servers.postgres_admin_url)
        cpu_before, started = cpu_seconds(groups), time.monotonic()
        load = asyncio.run(
            drive(
                mercado, people, products, args.seconds, ceiling=False, payer=payer, rate=args.rate
            )
        )
        accepted, at_end = len(load.accepted), cpu_seconds(groups)
        phase = time.monotonic() - started
        auditor = Invariants(
            orders_db,
            mercado.running["inventory"].env["DATABASE_URL"],
            mercado.servers.amqp_url,
            payments_db=mercado.running["payments"].env["DATABASE_URL"],
            notifications_db=mercado.running["notifications"].env["DATABASE_URL"],
        )
        auditor.accepted.update(load.accepted)
        auditor.settle(timeout=120)  # the phase's orders' work, all of it, is in the CPU rows
        mail_sent(mercado.running["notifications"].env["DATABASE_URL"])
        settled = time.monotonic() - started - phase
        cpu = cpu_rows(cpu_before, at_end, cpu_seconds(groups), phase, accepted, settled)
        sql = statements(mercado.servers.postgres_admin_url, mercado.database_prefix)
        load.errors.update(payer.failures)
        print(f"ceiling (GET {CEILING}) for {args.seconds:.0f} s ...", flush=True)
        ceiling = asyncio.run(
            drive(mercado, people, products, args.seconds, ceiling=True, rate=args.rate)
        )
        report(
            load,
            ceiling,
            orders_db,
            auditor,
            Path(args.chart),
            args,
            paid_on_checkout=payer.paid,
            more=cpu + sql_rows(sql, accepted),
        )
        if args.top_sql and accepted:
            print(top(sql, accepted, args.top_sql))
        if args.tracing_rounds:
            tracing_costs(mercado, people, products, args)
    finally:
        mercado.stop()


def tracing_costs(
    mercado: LocalMercado, people: list, products: tuple, args: argparse.Namespace
) -> None:
    """CPU per order with tracing off, at 100 % and at 10 %, printed as a table."""
    if not available():
        print("tracing: skipped (`make trace-tools` builds the collector and Jaeger)")
        return
    store = TraceStore(mercado.workdir / "traces").start()
    assert mercado.endpoints is not None

    async def phase() -> set[str]:
        payer = Payer(mercado.endpoints.gateway)
        load = await drive(
            mercado, people, products, args.seconds, ceiling=False, payer=payer, rate=args.rate
        )
        return set(load.accepted)

    try:
        rows = compare(
            mercado,
            store,
            lambda: drive(mercado, people[:4], products, 3, ceiling=False),
            phase,
            args.tracing_rounds,
        )
    finally:
        store.stop()
    width = max(len(name) for name, _ in rows)
    print("\n".join(f"{name:<{width}}  {value}" for name, value in rows))


if __name__ == "__main__":
    main()
