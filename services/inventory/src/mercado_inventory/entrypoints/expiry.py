"""`mercado-inventory expire-reservations`: release reservations nobody paid in time."""

import logging
import threading
from argparse import ArgumentParser, Namespace

from sqlalchemy.exc import OperationalError

from mercado_inventory.service_layer.reservations import expire_next
from mercado_platform.broker import run_reconnecting
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
    """Expire due reservations every interval until SIGTERM (riding out database outages
    with backoff), or in one pass with --once."""
    database = Database(settings.database_url)
    try:
        if args.once:
            print(f"released {expire_due(spec, database)} expired reservation(s)")
            return
        interval = args.interval if args.interval is not None else settings.expiry_interval_seconds

        def every_interval(stop: threading.Event) -> None:
            while True:
                if expired := expire_due(spec, database):
                    log.info("released %d expired reservation(s)", expired)
                if stop.wait(interval):
                    return

        run_reconnecting(every_interval, stop_on_signals(), (OperationalError,))
    finally:
        database.dispose()


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument(
        "--interval", type=float, help="seconds between passes (default: EXPIRY_INTERVAL_SECONDS)"
    )


EXPIRE_RESERVATIONS = ServiceCommand(
    "release reservations past their expiry, every interval until stopped", run, _arguments
)
