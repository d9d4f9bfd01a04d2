"""The long-running messaging roles of a service: relay, consumers, and their shutdown."""

import logging
import signal
import threading
from types import FrameType

from mercado_platform.config import ServiceSettings
from mercado_platform.db import Database
from mercado_platform.messaging.consumer import Consumer, ConsumerSettings
from mercado_platform.messaging.metrics import MessagingMetrics
from mercado_platform.messaging.relay import Relay, RelaySettings
from mercado_platform.service import ServiceSpec

log = logging.getLogger(__name__)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so work in hand finishes before exit."""
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; finishing the work in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return stop


def run_relay(settings: ServiceSettings) -> None:
    """Relay this service's outbox until stopped."""
    metrics = MessagingMetrics("relay")
    metrics.serve(settings.metrics_port)
    relay_settings = RelaySettings(
        batch_size=settings.relay_batch_size,
        unroutable_grace_seconds=settings.relay_unroutable_grace_seconds,
    )
    Relay(settings.database_url, settings.amqp_url, settings=relay_settings, metrics=metrics).run(
        stop_on_signals()
    )


def run_consumers(spec: ServiceSpec, settings: ServiceSettings, queues: list[str] | None) -> None:
    """Consume `queues` (default: all the service handles), one thread each, and run the
    service's workers beside them, until stopped."""
    chosen = queues or list(spec.handlers)
    unknown = set(chosen) - set(spec.handlers)
    if unknown:
        raise SystemExit(
            f"mercado-{spec.name}: no handlers for queue(s) {', '.join(sorted(unknown))}"
        )
    stop = stop_on_signals()
    metrics = MessagingMetrics("consumer")
    metrics.serve(settings.metrics_port)
    database = Database(settings.database_url)
    consumer_settings = ConsumerSettings(
        prefetch=settings.consumer_prefetch,
        max_attempts=settings.consumer_max_attempts,
        batch_size=settings.consumer_batch_size,
    )
    threads = [
        threading.Thread(
            target=Consumer(
                database,
                settings.amqp_url,
                queue,
                spec.handlers[queue],
                exchange=spec.exchange,
                contracts=spec.contracts,
                settings=consumer_settings,
                metrics=metrics,
            ).run,
            args=(stop,),
            name=f"consumer:{queue}",
        )
        for queue in chosen
    ]
    threads += [
        threading.Thread(target=worker, args=(spec, settings, stop), name=f"worker:{name}")
        for name, worker in spec.workers.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database.dispose()
