"""`mercado-notifications deliver`: send pending e-mails, retrying failures with backoff."""

import logging
import threading
from argparse import ArgumentParser, Namespace
from typing import cast

from sqlalchemy.exc import OperationalError

from mercado_notifications.adapters.smtp import SmtpMailer
from mercado_notifications.config import Settings
from mercado_notifications.service_layer.delivery import Delivery, deliver_next
from mercado_platform.broker import run_reconnecting
from mercado_platform.config import ServiceSettings
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.service import ServiceCommand, ServiceSpec
from mercado_platform.workers import stop_on_signals

log = logging.getLogger(__name__)


def deliver_due(database: Database, delivery: Delivery, stop: threading.Event) -> int:
    """Try every notification due now, one transaction each; returns how many were tried."""
    tried = 0
    with delivery.mailer.session():
        while not stop.is_set() and deliver_next(UnitOfWork(database), delivery) is not None:
            tried += 1
    return tried


def run(_spec: ServiceSpec, settings: ServiceSettings, args: Namespace) -> None:
    """Deliver until SIGTERM, looking for due e-mails every interval and riding out database
    outages with backoff; or one pass with --once."""
    settings = cast(Settings, settings)
    database = Database(settings.database_url, pool_size=1)
    mailer = SmtpMailer.from_settings(settings)
    delivery = Delivery(mailer, settings.retry_policy(), settings.mail_from)
    stop = stop_on_signals()
    try:
        if args.once:
            print(f"tried {deliver_due(database, delivery, stop)} notification(s)")
            return

        def every_interval(stop: threading.Event) -> None:
            while True:
                deliver_due(database, delivery, stop)
                if stop.wait(settings.delivery_interval_seconds):
                    return

        log.info("delivering through %s:%d (%s)", mailer.host, mailer.port, mailer.security)
        run_reconnecting(every_interval, stop, (OperationalError,))
    finally:
        database.dispose()


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one pass over what is due, then exit")


DELIVER = ServiceCommand(
    "send pending e-mails through SMTP, retrying with backoff, until stopped", run, _arguments
)
