"""A tiny service for the messaging tests; `python app.py <command>` runs the real CLI."""

import sys
import threading
from argparse import Namespace
from pathlib import Path

from sqlalchemy import text

from mercado_platform.cli import run
from mercado_platform.config import ServiceSettings
from mercado_platform.db import UnitOfWork, UnitsOfWork, service_metadata
from mercado_platform.messaging.contracts import CATALOG, Contracts
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import Queue
from mercado_platform.service import Service, ServiceCommand, ServiceSpec, Worker

metadata = service_metadata()
ORDERS = Queue(
    "shop.orders",
    reads={
        "order.placed": {
            "type": "object",
            "required": ["seq"],
            "properties": {"seq": {"type": "integer"}},
        },
        "order.poisoned": {"type": "object", "required": ["seq"], "properties": {"seq": {}}},
    },
)
QUEUE = ORDERS.name


class ShopSettings(ServiceSettings):
    """The shop's settings: the platform's and how often its heartbeat beats."""

    heartbeat_interval_seconds: float = 0.2


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


def count_applied(service: Service[UnitsOfWork], args: Namespace) -> None:
    """Print how many orders were applied, or only those with `--seq`."""
    where, values = ("WHERE seq = :seq", {"seq": args.seq}) if args.seq is not None else ("", {})
    with service.dependencies().reading() as uow:
        count = uow.session.execute(text(f"SELECT count(*) FROM applied {where}"), values).scalar()
    print(f"{count} applied")


def heartbeat(units: UnitsOfWork, _stop: threading.Event) -> int:
    """A worker's pass: record a beat (negative seqs in `cures`); every second beat then
    fails, so the loop must go on past failed passes."""
    with units() as uow:
        beats = uow.session.execute(
            text(
                "INSERT INTO cures (seq) SELECT coalesce(min(seq), 0) - 1 FROM cures RETURNING -seq"
            )
        ).scalar_one()
        uow.commit()
    if beats % 2 == 0:
        raise RuntimeError(f"beat {beats} fails after it was recorded")
    return 1


SPEC = ServiceSpec(
    name="shop",
    settings_class=ShopSettings,
    metadata=metadata,
    migrations=Path(__file__).parent / "versions",
    build=lambda _settings, units: units,
    queues=(ORDERS,),
    handlers=lambda _units: {QUEUE: {"order.placed": record, "order.poisoned": record_if_cured}},
    retry_delay_ms=200,
    contracts=Contracts(CATALOG, Path(__file__).parent / "contracts"),
    workers={
        "heartbeat": Worker(
            "record a beat each pass", heartbeat, "heartbeat_interval_seconds", "{} beat(s)"
        )
    },
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
