"""Where the order path spends its time: cProfile of POST /api/orders (the orders Flask app
in-process, inventory and users real processes of local mode), then of the inventory and
orders consumers draining the events those orders made, on real PostgreSQL and RabbitMQ.

    uv run --no-sync python hack/bench/profile_paths.py --orders 300 [--top 25]
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pika

sys.path.insert(0, str(Path(__file__).parent))

from load import bench_products, customers

from mercado_inventory.bootstrap import SPEC as INVENTORY
from mercado_local.runner import LocalMercado
from mercado_orders.bootstrap import SPEC as ORDERS
from mercado_orders.config import Settings as OrdersSettings
from mercado_platform.config import load_settings
from mercado_platform.messaging.consumer import Consumer
from mercado_platform.service import ServiceSpec, create_app


def profiled(what: str, run: Callable[[], int], top: int) -> None:
    """Run `run` under cProfile; print its rate and the costliest functions."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    count = run()
    profile.disable()
    elapsed = time.perf_counter() - started
    print(f"\n== {what}: {count} in {elapsed:.2f} s = {count / elapsed:.0f}/s (under cProfile)")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
        print("\n".join(out.getvalue().splitlines()[6:]))
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats("mercado_")
    print("\n".join(out.getvalue().splitlines()[6:]))


def post_orders(mercado: LocalMercado, count: int) -> Callable[[], int]:
    """POST `count` orders through an in-process orders app (its own DB, real inventory)."""
    env = mercado.running["orders"].env
    settings = OrdersSettings(
        database_url=env["DATABASE_URL"],
        amqp_url=env["AMQP_URL"],
        jwks_url=env["JWKS_URL"],
        inventory_url=env["INVENTORY_URL"],
    )
    client = create_app(ORDERS, settings).test_client()
    people = customers(mercado, 4)
    catalogue, _scarce = bench_products(mercado)
    chooser = random.Random(7)

    def run() -> int:
        for n in range(count):
            customer_id, token = people[n % len(people)]
            lines = {p: chooser.randint(1, 2) for p in chooser.sample(sorted(catalogue), 2)}
            body = {
                "customer_id": customer_id,
                "products": [
                    {"product_id": p, "quantity": q, "price": catalogue[p]}
                    for p, q in lines.items()
                ],
            }
            answer = client.post(
                "/api/orders", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 200, answer.get_json()
        return count

    return run


def drain(mercado: LocalMercado, spec: ServiceSpec, queue: str) -> Callable[[], int]:
    """Consume `queue` in this thread until it has been empty for a second."""
    env = mercado.running[spec.name].env
    os.environ.update(env)  # the service's settings, as its consumer process reads them
    service = spec.start(load_settings(spec.settings_class))
    consumer = Consumer(service.units, env["AMQP_URL"], queue, service.handlers()[queue])
    stop = threading.Event()

    def watch() -> None:
        connection = pika.BlockingConnection(pika.URLParameters(env["AMQP_URL"]))
        channel = connection.channel()
        idle_since = None
        while not stop.is_set():
            waiting = channel.queue_declare(queue, passive=True).method.message_count
            if waiting == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 1:
                    stop.set()
            else:
                idle_since = None
            time.sleep(0.1)
        connection.close()

    def run() -> int:
        before = consumer.metrics.consumed.labels(queue, "handled")._value.get()
        threading.Thread(target=watch, daemon=True).start()
        consumer._consume(stop)
        return int(consumer.metrics.consumed.labels(queue, "handled")._value.get() - before)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mercado-profile-"))
    quiet = {"LOG_LEVEL": "WARNING"}
    mercado = LocalMercado(workdir, overrides={"orders": quiet, "inventory": quiet})
    try:
        mercado.start()
        mercado.running["inventory"].stop("consume")
        mercado.running["orders"].stop("consume")
        profiled("POST /api/orders", post_orders(mercado, args.orders), args.top)
        profiled("inventory.orders", drain(mercado, INVENTORY, "inventory.orders"), args.top)
        profiled("orders.saga", drain(mercado, ORDERS, "orders.saga"), args.top)
    finally:
        mercado.stop()


if __name__ == "__main__":
    main()
