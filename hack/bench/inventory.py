"""Inventory benchmark: reservations/s through the consumer's own code (inbox, row locks,
outbox) for 1-line and 5-line orders on hot and on spread products, against the PostgreSQL
ceiling measured in the same run (pgbench, a one-row-update transaction), on a private server.

    make bench-inventory            (or: uv run python hack/bench/inventory.py --clients 4)
"""

import argparse
import multiprocessing
import random
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from multiprocessing.queues import Queue

from sqlalchemy import text

from mercado_inventory.bootstrap import SPEC
from mercado_inventory.config import Settings
from mercado_inventory.entrypoints.consumers import ORDERS
from mercado_platform.db import Database
from mercado_platform.messaging.consumer import Consumer
from mercado_platform.messaging.events import Event
from mercado_platform.migrations import upgrade
from mercado_platform.testing.postgres import PG_BIN, PostgresServer
from mercado_platform.testing.processes import find_binary

HOT, SPREAD = 5, 1000
SCENARIOS = {  # name: (lines per order, products drawn from)
    "1-line, hot product": (1, "hot"),
    "5-line, hot products": (5, "hot"),
    "1-line, spread": (1, "spread"),
    "5-line, spread": (5, "spread"),
}
SEED = f"""
INSERT INTO products (id, sku, name, price, on_hand)
  SELECT gen_random_uuid(), 'BENCH-' || n, 'Bench product ' || n, 1.00, 1000000000
  FROM generate_series(1, {HOT + SPREAD}) n;
INSERT INTO stock_movements (product_id, kind, quantity, on_hand_after, reason, actor)
  SELECT id, 'receipt', on_hand, on_hand, 'bench stock', 'bench' FROM products;
CREATE TABLE pgbench_stock (id int PRIMARY KEY, on_hand int NOT NULL, reserved int NOT NULL,
  CHECK (reserved <= on_hand));
INSERT INTO pgbench_stock SELECT n, 1000000000, 0 FROM generate_series(1, {SPREAD}) n;
"""
PGBENCH_SCRIPTS = {
    "hot": "UPDATE pgbench_stock SET reserved = reserved + 1 WHERE id = 1;\n",
    "spread": f"\\set id random(1, {SPREAD})\n"
    "UPDATE pgbench_stock SET reserved = reserved + 1 WHERE id = :id;\n",
}


def reserve_worker(database_url: str, products: dict, commands: Queue, results: Queue) -> None:
    """One consumer: for each command, handles order.placed events until its deadline."""
    settings = Settings(database_url=database_url, amqp_url="amqp://unused/")
    service = SPEC.start(settings, pool_size=1)
    handlers = service.handlers()[ORDERS.name]
    consumer = Consumer(service.units, settings.amqp_url, ORDERS.name, handlers)
    rng = random.Random()
    consumer.handle(order_placed(products["spread"][:1]))  # connected, code paths warm
    results.put("ready")
    while (command := commands.get()) is not None:
        lines, pool, start_at, seconds = command
        handled = failed = 0
        time.sleep(max(0.0, start_at - time.time()))  # every worker starts at the same instant
        while time.time() < start_at + seconds:
            chosen = products[pool][:lines] if pool == "hot" else rng.sample(products[pool], lines)
            outcome, _ = consumer.handle(order_placed(chosen))
            handled += outcome == "handled"
            failed += outcome != "handled"
        results.put((handled, failed))
    service.close()


def order_placed(product_ids: list[str]) -> bytes:
    items = [{"product_id": p, "quantity": 1, "unit_price": "1.00"} for p in product_ids]
    data = {
        "order_id": str(uuid.uuid4()),
        "customer_id": "bench",
        "items": items,
        "total": f"{len(items)}.00",
        "currency": "eur",
    }
    return Event("order.placed", data, "/mercado/orders").to_json()


def reservations_per_second(
    commands: Queue,
    results: Queue,
    clients: int,
    lines: int,
    pool: str,
    seconds: float,
) -> float:
    start_at = time.time() + 0.5
    for _ in range(clients):
        commands.put((lines, pool, start_at, seconds))
    outcomes = [results.get() for _ in range(clients)]
    if any(failed for _, failed in outcomes):
        raise SystemExit(f"{sum(f for _, f in outcomes)} reservations failed; see the log above")
    return sum(handled for handled, _ in outcomes) / seconds


def pgbench_tps(database_url: str, script: str, clients: int, seconds: float) -> float:
    """Transactions/s of pgbench running `script` (prepared statements, the best case)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(script)
        file.flush()
        run = subprocess.run(
            [
                find_binary("pgbench", f"{PG_BIN}/pgbench"),
                "-n",
                "-M",
                "prepared",
                "-f",
                file.name,
                "-c",
                str(clients),
                "-j",
                str(clients),
                "-T",
                str(round(seconds)),
                database_url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    return float(re.search(r"tps = ([0-9.]+)", run.stdout)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2, help="consumers, and pgbench clients")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("starting a private PostgreSQL ...", flush=True)
    postgres = PostgresServer().start()
    context = multiprocessing.get_context("spawn")
    commands, results = context.Queue(), context.Queue()
    workers = []
    try:
        database_url = postgres.create_database()
        upgrade(database_url, SPEC.migrations, SPEC.metadata)
        database = Database(database_url)
        with database.engine.begin() as connection:
            connection.execute(text(SEED))
            ids = connection.execute(text("SELECT id::text FROM products ORDER BY id")).scalars()
            ids = list(ids)
        database.dispose()
        products = {"hot": ids[:HOT], "spread": ids[HOT:]}
        workers = [
            context.Process(target=reserve_worker, args=(database_url, products, commands, results))
            for _ in range(args.clients)
        ]
        for worker in workers:
            worker.start()
        assert [results.get(timeout=120) for _ in workers] == ["ready"] * args.clients
        ceiling: dict[str, list[float]] = {"hot": [], "spread": []}
        rates: dict[str, list[float]] = {name: [] for name in SCENARIOS}
        for round_ in range(1, args.rounds + 1):
            for pool, script in PGBENCH_SCRIPTS.items():
                ceiling[pool].append(pgbench_tps(database_url, script, args.clients, args.seconds))
            for name, (lines, pool) in SCENARIOS.items():
                rate = reservations_per_second(
                    commands, results, args.clients, lines, pool, args.seconds
                )
                rates[name].append(rate)
            summary = ", ".join(f"{name} {rates[name][-1]:,.0f}/s" for name in SCENARIOS)
            print(
                f"round {round_}: pgbench hot {ceiling['hot'][-1]:,.0f} tx/s, "
                f"spread {ceiling['spread'][-1]:,.0f} tx/s; reservations: {summary}",
                flush=True,
            )
        report(ceiling, rates, args)
        check_invariants(database_url)
    finally:
        for _ in workers:
            commands.put(None)
        for worker in workers:
            worker.join(30)
        postgres.destroy()


def check_invariants(database_url: str) -> None:
    """After the run, nothing is oversold and every reserved unit belongs to a reservation."""
    database = Database(database_url)
    with database.engine.connect() as connection:
        oversold = connection.execute(
            text("SELECT count(*) FROM products WHERE reserved > on_hand OR reserved < 0")
        ).scalar_one()
        reserved, held = connection.execute(
            text(
                "SELECT (SELECT sum(reserved) FROM products), (SELECT sum(quantity) FROM "
                "reservation_lines JOIN reservations USING (order_id) WHERE status = 'reserved')"
            )
        ).one()
    database.dispose()
    print(
        f"after the run: {oversold} oversold products; {reserved:,} units reserved, {held:,} held"
    )
    if oversold or reserved != held:
        raise SystemExit("the benchmark broke an invariant")


def report(
    ceiling: dict[str, list[float]], rates: dict[str, list[float]], args: argparse.Namespace
) -> None:
    """Print the medians and each scenario's ratio to the ceiling of the same product pool."""
    medians = {pool: statistics.median(values) for pool, values in ceiling.items()}
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:.0f} s, {args.clients} clients")
    print(f"pgbench one-row update, one hot row (ceiling):        {medians['hot']:>8,.0f} tx/s")
    print(
        f"pgbench one-row update, {SPREAD} rows (ceiling):        {medians['spread']:>8,.0f} tx/s"
    )
    for name, (lines, pool) in SCENARIOS.items():
        rate = statistics.median(rates[name])
        print(
            f"reservations, {name + ':':<22} {rate:>8,.0f} orders/s "
            f"({rate * lines:,.0f} lines/s)  ratio to {pool} ceiling {rate / medians[pool]:.3f}"
        )


if __name__ == "__main__":
    main()
