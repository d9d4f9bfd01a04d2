"""A tiny service for the messaging tests; `python app.py <command>` runs the real CLI."""

import sys
import threading
from argparse import Namespace
from pathlib import Path

from sqlalchemy import text

from mercado_platform.cli import run
from mercado_platform.config import ServiceSettings
from mercado_platform.db import Database, UnitOfWork, new_metadata
from mercado_platform.messaging.contracts import CATALOG, Contracts
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.schema import add_messaging_tables
from mercado_platform.messaging.topology import Subscription, Topology
from mercado_platform.service import ServiceCommand, ServiceSpec

QUEUE = "shop.orders"
metadata = new_metadata()
add_messaging_tables(metadata)


def record(event: Event, uow: UnitOfWork) -> None:
    """Apply an order: one row per application, so a double effect shows as two rows."""
    uow.session.execute(
        text("INSERT INTO applied (event_id, seq) VALUES (:id, :seq)"),
        {"id": event.id, "seq": event.data["seq"]},
    )


def record_if_cured(event: Event, uow: UnitOfWork) -> None:
    """Fail until the test inserts a cure for this order, then apply it."""
    cured = uow.session.execute(text("SELECT 1 FROM cures WHERE seq = :seq"), event.data)
    if cured.first() is None:
        raise RuntimeError(f"cannot handle order {event.data['seq']}")
    record(event, uow)


def count_applied(_spec: ServiceSpec, settings: ServiceSettings, args: Namespace) -> None:
    """Print how many orders were applied, or only those with `--seq`."""
    database = Database(settings.database_url)
    where, values = ("WHERE seq = :seq", {"seq": args.seq}) if args.seq is not None else ("", {})
    with database.engine.connect() as connection:
        count = connection.execute(text(f"SELECT count(*) FROM applied {where}"), values).scalar()
    print(f"{count} applied")


def heartbeat(_spec: ServiceSpec, settings: ServiceSettings, stop: threading.Event) -> None:
    """A worker beside the consumer: records that it ran, then waits to be stopped."""
    database = Database(settings.database_url)
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO cures (seq) VALUES (-1) ON CONFLICT DO NOTHING"))
    stop.wait()
    database.dispose()


SPEC = ServiceSpec(
    name="shop",
    settings_class=ServiceSettings,
    metadata=metadata,
    migrations=Path(__file__).parent / "versions",
    topology=Topology(
        "shop",
        subscriptions=(Subscription(QUEUE, (("shop.events", "order.*"),)),),
        retry_delay_ms=200,
    ),
    handlers={QUEUE: {"order.placed": record, "order.poisoned": record_if_cured}},
    reads={
        "order.placed": {
            "type": "object",
            "required": ["seq"],
            "properties": {"seq": {"type": "integer"}},
        }
    },
    contracts=Contracts(CATALOG, Path(__file__).parent / "contracts"),
    workers={"heartbeat": heartbeat},
    commands={
        "count-applied": ServiceCommand(
            "how many orders were applied",
            count_applied,
            lambda parser: parser.add_argument("--seq", type=int),
        )
    },
)

if __name__ == "__main__":
    sys.exit(run(SPEC, sys.argv[1:]))
