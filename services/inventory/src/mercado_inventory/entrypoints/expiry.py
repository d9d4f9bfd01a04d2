"""`mercado-inventory expire-reservations`: release reservations nobody paid in time."""

import logging
from argparse import ArgumentParser, Namespace

from mercado_inventory.service_layer.reservations import expire_next
from mercado_platform.config import ServiceSettings
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.service import ServiceCommand, ServiceSpec
from mercado_platform.workers import stop_on_signals

log = logging.getLogger(__name__)


def expire_due(spec: ServiceSpec, database: Database) -> int:
    """Release every reservation past its expiry, one transaction each; returns how many."""
    expired = 0
    while True:
        with UnitOfWork(database, spec.exchange, spec.contracts) as uow:
            if expire_next(uow) is None:
                return expired
        expired += 1


def run(spec: ServiceSpec, settings: ServiceSettings, args: Namespace) -> None:
    """Expire due reservations every interval until SIGTERM, or once with --once."""
    interval = args.interval or settings.expiry_interval_seconds
    database = Database(settings.database_url)
    stop = stop_on_signals()
    try:
        while True:
            expired = expire_due(spec, database)
            if expired or args.once:
                log.info("released %d expired reservation(s)", expired)
            if args.once or stop.wait(interval):
                break
    finally:
        database.dispose()
    if args.once:
        print(f"released {expired} expired reservation(s)")


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument(
        "--interval", type=float, help="seconds between passes (default: EXPIRY_INTERVAL_SECONDS)"
    )


EXPIRE_RESERVATIONS = ServiceCommand(
    "release reservations past their expiry, every interval until stopped", run, _arguments
)
