"""The long-running roles of a service: relay, consumers, workers, and their shutdown."""

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from sqlalchemy.exc import OperationalError

from mercado_platform.broker import run_reconnecting
from mercado_platform.config import ServiceSettings
from mercado_platform.messaging.consumer import Consumer, ConsumerSettings
from mercado_platform.messaging.metrics import MessagingMetrics
from mercado_platform.messaging.relay import Relay, RelaySettings
from mercado_platform.service import Service, Worker

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


def run_consumers(service: Service[Any], queues: list[str] | None) -> None:
    """Consume `queues` (default: every queue of the service), one thread each, until
    stopped."""
    handlers = service.handlers()
    chosen = queues or list(handlers)
    unknown = set(chosen) - set(handlers)
    if unknown:
        raise SystemExit(
            f"mercado-{service.spec.name}: no handlers for queue(s) {', '.join(sorted(unknown))}"
        )
    stop = stop_on_signals()
    settings = service.settings
    metrics = MessagingMetrics("consumer")
    metrics.serve(settings.metrics_port)
    consumer_settings = ConsumerSettings(
        prefetch=settings.consumer_prefetch,
        max_attempts=settings.consumer_max_attempts,
        batch_size=settings.consumer_batch_size,
    )
    threads = [
        threading.Thread(
            target=Consumer(
                service.units,
                settings.amqp_url,
                queue,
                handlers[queue],
                settings=consumer_settings,
                metrics=metrics,
            ).run,
            args=(stop,),
            name=f"consumer:{queue}",
        )
        for queue in chosen
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_worker(
    service: Service[Any], name: str, *, once: bool = False, interval: float | None = None
) -> int:
    """Run the worker `name` until stopped (every `interval`, else its setting's), or one
    pass with `once`; returns how much its passes did."""
    worker: Worker = service.spec.workers[name]
    stop = stop_on_signals()

    def work(stop: threading.Event) -> int:
        return worker.work(service.dependencies, stop)

    if once:
        return work(stop)
    every = interval if interval is not None else getattr(service.settings, worker.interval_setting)
    return poll(work, every, stop, name=name, done=worker.done)


def poll(
    work: Callable[[threading.Event], int],
    interval: float,
    stop: threading.Event,
    *,
    name: str,
    done: str = "{} done",
) -> int:
    """Run `work` every `interval` seconds until `stop` is set; returns how much it did.

    A pass that fails is logged and the next one tries again; a database outage is ridden
    out with backoff instead, since every pass would fail the same way until it ends.
    """
    total = 0

    def passes(stop: threading.Event) -> None:
        nonlocal total
        while not stop.is_set():
            try:
                if count := work(stop):
                    total += count
                    log.info("%s: %s", name, done.format(count))
            except OperationalError:
                raise
            except Exception:  # one bad pass must not stop the loop for good
                log.exception("%s: a pass failed; trying again in %.1fs", name, interval)
            stop.wait(interval)

    run_reconnecting(passes, stop, (OperationalError,))
    return total
