"""What a MessagingTopology asks the broker for, named and shaped exactly as the messaging
core names them, so a service's `consume`, `relay` and `replay` work against it."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mercado_platform.messaging.topology import (
    EXCHANGE_TYPE,
    RETRY_DELAY_MS,
    dead_letter_queue,
    exchange_for,
    queue_arguments,
    retry_queue,
    retry_queue_arguments,
)

DEFAULT_EXCHANGE = "amq.default"


@dataclass(frozen=True)
class QueuePlan:
    """One queue to declare, its arguments, and the bindings it must have (exactly)."""

    name: str
    arguments: dict[str, Any]
    bindings: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class TopologyPlan:
    """Everything one service's topology needs, in the order to declare it."""

    exchange_type: str
    exchanges: tuple[str, ...]
    queues: tuple[QueuePlan, ...]
    consumed: tuple[str, ...]
    permissions: dict[str, str]


def plan(spec: Mapping[str, Any]) -> TopologyPlan:
    """The exchanges, queues, bindings and user permissions `spec` stands for."""
    own = (exchange_for(spec["service"]),) if spec.get("publishes", True) else ()
    consumed = [q["name"] for q in spec.get("queues", [])]
    sources = {b["exchange"] for q in spec.get("queues", []) for b in q.get("bindings", [])}
    queues = [plan for q in spec.get("queues", []) for plan in _queue_plans(q)]
    writable = [*own, DEFAULT_EXCHANGE] if consumed else list(own)
    return TopologyPlan(
        exchange_type=EXCHANGE_TYPE,
        exchanges=tuple(sorted(set(own) | sources)),
        queues=tuple(queues),
        consumed=tuple(consumed),
        permissions={
            "configure": "^$",
            "write": _exactly(writable),
            "read": _exactly(n for q in consumed for n in (q, dead_letter_queue(q))),
        },
    )


def username(spec: Mapping[str, Any], namespace: str) -> str:
    """The broker user of the service: as named in the spec, else `<namespace>.<service>`."""
    return spec.get("username") or f"{namespace}.{spec['service']}"


def _queue_plans(queue: Mapping[str, Any]) -> list[QueuePlan]:
    """The dead-letter queue, the retry queue, then the queue itself with its bindings."""
    name = queue["name"]
    delay = queue.get("retryDelayMs", RETRY_DELAY_MS)
    kind = queue.get("type", "quorum")
    arguments = queue_arguments() if kind == "quorum" else {"x-queue-type": kind}
    if "deliveryLimit" in queue:
        arguments.update(
            {
                "x-delivery-limit": queue["deliveryLimit"],
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": dead_letter_queue(name),
            }
        )
    bindings = frozenset((b["exchange"], b["routingKey"]) for b in queue.get("bindings", []))
    return [
        QueuePlan(dead_letter_queue(name), queue_arguments()),
        QueuePlan(retry_queue(name), retry_queue_arguments(name, delay)),
        QueuePlan(name, {**arguments, **queue.get("arguments", {})}, bindings),
    ]


def _exactly(names: Iterable[str]) -> str:
    """A permission regex matching exactly `names` (none: nothing at all)."""
    escaped = sorted(re.escape(name) for name in names)
    return f"^({'|'.join(escaped)})$" if escaped else "^$"
