"""Names and declarations of a service's exchange, queues, retry and dead-letter queues.

In a cluster the operator declares these from the MessagingTopology resource; the
`declare` command does the same for tests and local runs. Consumers declare nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel

from mercado_platform.messaging.contracts import Contracts

RETRY_DELAY_MS = 2_000
EXCHANGE_TYPE = "topic"


def exchange_for(service: str) -> str:
    """The durable topic exchange `service` publishes its events to."""
    return f"{service}.events"


def retry_queue(queue: str) -> str:
    """Where failed messages of `queue` wait before going back to it."""
    return f"{queue}.retry"


def dead_letter_queue(queue: str) -> str:
    """Where messages of `queue` that keep failing end up, visible and replayable."""
    return f"{queue}.dlq"


def queue_arguments() -> dict[str, object]:
    """Arguments of a consumed queue and of its dead-letter queue: quorum, replicated."""
    return {"x-queue-type": "quorum"}


def retry_queue_arguments(queue: str, delay_ms: int) -> dict[str, object]:
    """Arguments of `queue`'s retry queue: hold each message `delay_ms`, then send it back."""
    return {
        "x-message-ttl": delay_ms,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue,
    }


@dataclass(frozen=True)
class Subscription:
    """A queue of the consuming service and the (exchange, routing key) pairs bound to it."""

    queue: str
    bindings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Queue:
    """A queue of a consuming service: the events it takes and, for each, the fields its
    handler reads (a JSON Schema, checked against the producer's contract by the tests)."""

    name: str
    reads: Mapping[str, Mapping[str, Any]]

    def subscription(self, contracts: Contracts) -> Subscription:
        """The queue bound, for each event it reads, to the exchange of its producer."""
        bindings = sorted((exchange_for(contracts.producer_of(t)), t) for t in self.reads)
        return Subscription(self.name, tuple(bindings))


@dataclass(frozen=True)
class Topology:
    """What one service publishes to and consumes from."""

    service: str
    subscriptions: tuple[Subscription, ...] = ()
    retry_delay_ms: int = RETRY_DELAY_MS
    publishes: bool = field(default=True)

    @property
    def exchange(self) -> str:
        """The service's own exchange."""
        return exchange_for(self.service)


def declare(channel: BlockingChannel, topology: Topology) -> None:
    """Declare everything `topology` needs; safe to repeat."""
    if topology.publishes:
        channel.exchange_declare(topology.exchange, EXCHANGE_TYPE, durable=True)
    for subscription in topology.subscriptions:
        _declare_subscription(channel, subscription, topology.retry_delay_ms)


def _declare_subscription(channel: BlockingChannel, sub: Subscription, delay_ms: int) -> None:
    channel.queue_declare(sub.queue, durable=True, arguments=queue_arguments())
    channel.queue_declare(dead_letter_queue(sub.queue), durable=True, arguments=queue_arguments())
    channel.queue_declare(
        retry_queue(sub.queue), durable=True, arguments=retry_queue_arguments(sub.queue, delay_ms)
    )
    for exchange, routing_key in sub.bindings:
        channel.exchange_declare(exchange, EXCHANGE_TYPE, durable=True)
        channel.queue_bind(sub.queue, exchange, routing_key)
