"""Connection parameters for RabbitMQ, shared by the probe, publisher and consumer."""

import logging
import threading
from collections.abc import Callable

import pika
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    wait_exponential_jitter,
)

log = logging.getLogger("mercado.outage")


def connection_parameters(
    url: str, *, timeout: float = 5.0, name: str = "mercado"
) -> pika.URLParameters:
    """Parameters for `url` with bounded socket, handshake and blocked timeouts."""
    params = pika.URLParameters(url)
    params.socket_timeout = timeout
    params.stack_timeout = timeout
    params.blocked_connection_timeout = timeout * 6
    params.connection_attempts = 1
    params.client_properties = {"connection_name": name}
    return params


class BrokerProbe:
    """Checks that the broker accepts an AMQP connection with our credentials."""

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        self.params = connection_parameters(url, timeout=timeout, name="readiness-probe")

    def ping(self) -> None:
        """Raise unless an AMQP handshake succeeds."""
        connection = pika.BlockingConnection(self.params)
        connection.close()


def run_reconnecting(
    work: Callable[[threading.Event], None],
    stop: threading.Event,
    outages: tuple[type[BaseException], ...],
) -> None:
    """Run `work(stop)` until it returns; through `outages`, back off (jittered, at most 15 s)
    and run it again. A stop request interrupts the backoff."""
    retrying = Retrying(
        retry=retry_if_exception_type(outages),
        wait=wait_exponential_jitter(initial=0.2, max=15),
        stop=lambda _state: stop.is_set(),
        sleep=stop.wait,
        before_sleep=_log_outage,
    )
    try:
        retrying(work, stop)
    except RetryError:
        log.info("stopped while the broker or database was unavailable")


def _log_outage(state: RetryCallState) -> None:
    """tenacity hook: say what failed and when the next attempt comes."""
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.warning(
        "broker or database unavailable (%s: %s); reconnecting in %.1fs (attempt %d)",
        type(exc).__name__,
        exc,
        wait,
        state.attempt_number,
    )
