"""The synchronous availability check against inventory over gRPC: the HTTP client's
deadline per attempt, retries and circuit breaker, on one HTTP/2 channel per process."""

import logging
from collections.abc import Iterable

import grpc
from tenacity import retry_if_exception

from mercado.inventory.v1 import inventory_pb2
from mercado.inventory.v1.inventory_pb2_grpc import InventoryStub
from mercado_orders.adapters.inventory import CircuitBreaker, entries, retries
from mercado_orders.domain.pricing import CatalogueEntry, RequestedLine

log = logging.getLogger(__name__)
# Worth another try: inventory not answering in time, or not reachable (yet).
TRANSIENT = frozenset({grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE})
CHANNEL_OPTIONS = [
    ("grpc.enable_retries", 0),  # tenacity retries, as the HTTP client does: one policy
    # a restarted inventory is reached again within a second, not after gRPC's default
    # reconnect backoff (up to two minutes)
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, grpc.RpcError) and exc.code() in TRANSIENT  # type: ignore[attr-defined]


class GrpcInventoryClient:
    """Asks inventory's CheckAvailability whether lines can be served and at what price."""

    def __init__(
        self, target: str, *, timeout: float, attempts: int, breaker: CircuitBreaker
    ) -> None:
        self.timeout = timeout
        self.attempts = attempts
        self.breaker = breaker
        self.channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.check = InventoryStub(self.channel).CheckAvailability

    def availability(self, lines: Iterable[RequestedLine]) -> dict[str, CatalogueEntry] | None:
        """Inventory's answer per product, or None when it cannot be had quickly."""
        if not self.breaker.allows():
            return None
        request = inventory_pb2.CheckAvailabilityRequest(
            items=[
                inventory_pb2.AvailabilityLine(product_id=line.product_id, quantity=line.quantity)
                for line in lines
            ]
        )
        try:
            answer = self._ask(request)
        except grpc.RpcError as exc:
            self.breaker.record(success=False)
            log.warning(
                "inventory availability check failed, the reservation will decide: %s %s",
                exc.code().name,  # type: ignore[attr-defined]
                exc.details(),  # type: ignore[attr-defined]
            )
            return None
        self.breaker.record(success=True)
        return answer

    def _ask(self, request: inventory_pb2.CheckAvailabilityRequest) -> dict[str, CatalogueEntry]:
        """Inventory's answer; INVALID_ARGUMENT (ids it cannot even parse) means it knows
        none of them."""
        for attempt in retries(self.attempts, retry_if_exception(_transient)):
            with attempt:
                try:
                    response = self.check(request, timeout=self.timeout)
                except grpc.RpcError as exc:
                    if exc.code() is grpc.StatusCode.INVALID_ARGUMENT:  # type: ignore[attr-defined]
                        return {}
                    raise
                return entries(_line(item) for item in response.items)
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the channel."""
        self.channel.close()


def _line(item: inventory_pb2.LineAvailability) -> dict:
    """One line of the answer as the HTTP API writes it."""
    return {
        "product_id": item.product_id,
        "name": item.name if item.HasField("name") else None,
        "price": item.price if item.HasField("price") else None,
        "reason": item.reason if item.HasField("reason") else None,
        "available_quantity": item.available_quantity,
    }
