"""The synchronous availability check against inventory over HTTP/JSON: short timeout, a
few retries, and a circuit breaker, so a slow or absent inventory never holds orders up
(inventory_grpc.py is the same over gRPC)."""

import json
import logging
import threading
import time
from collections.abc import Iterable
from decimal import Decimal

import urllib3
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential
from tenacity.retry import retry_base
from urllib3.exceptions import HTTPError, ProtocolError

from mercado_orders.domain.pricing import CatalogueEntry, RequestedLine

log = logging.getLogger(__name__)
# Worth another try: inventory not answering (yet), or the connection dropped under us.
TRANSIENT = (urllib3.exceptions.TimeoutError, ProtocolError)
# Connections kept to inventory: one per request thread in flight is plenty.
POOL_SIZE = 16


class InventoryUnavailable(Exception):
    """Inventory answered with a server error."""


class CircuitBreaker:
    """Opens after `threshold` failures in a row; lets one trial call through after `reset`."""

    def __init__(self, threshold: int, reset_seconds: float) -> None:
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self._failures = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    def allows(self) -> bool:
        """False while open; after the reset time, one caller at a time may try."""
        with self._lock:
            if self._opened_at is None:
                return True
            if time.monotonic() - self._opened_at >= self.reset_seconds:
                self._opened_at = time.monotonic()  # half-open: one trial per reset period
                return True
            return False

    def record(self, *, success: bool) -> None:
        """Count a call's outcome."""
        with self._lock:
            if success:
                self._failures, self._opened_at = 0, None
                return
            self._failures += 1
            if self._failures >= self.threshold and self._opened_at is None:
                self._opened_at = time.monotonic()
                log.warning("inventory circuit opened after %d failures", self._failures)

    @property
    def is_open(self) -> bool:
        """True while calls are being short-circuited."""
        return self._opened_at is not None


class InventoryClient:
    """Asks inventory whether lines can be served and at what price."""

    def __init__(
        self, base_url: str, *, timeout: float, attempts: int, breaker: CircuitBreaker
    ) -> None:
        self.path = "/api/stock/availability"
        self.attempts = attempts
        self.breaker = breaker
        # urllib3 itself, not requests: a peer on the service network needs no proxies,
        # cookies or auth, which requests would prepare on every call
        self.http = urllib3.connection_from_url(
            base_url,
            maxsize=POOL_SIZE,
            retries=False,
            timeout=urllib3.Timeout(total=timeout),
            headers={"Content-Type": "application/json"},
        )

    def availability(self, lines: Iterable[RequestedLine]) -> dict[str, CatalogueEntry] | None:
        """Inventory's answer per product, or None when it cannot be had quickly."""
        if not self.breaker.allows():
            return None
        body = {
            "items": [{"product_id": line.product_id, "quantity": line.quantity} for line in lines]
        }
        try:
            answer = self._post(body)
        except (HTTPError, InventoryUnavailable, ValueError) as exc:
            self.breaker.record(success=False)
            log.warning("inventory availability check failed, the reservation will decide: %s", exc)
            return None
        self.breaker.record(success=True)
        return entries(answer["items"])

    def _post(self, body: dict) -> dict:
        """Inventory's answer; a 4xx (ids it cannot even parse) means it knows none of them."""
        for attempt in retries(self.attempts, retry_if_exception_type(TRANSIENT)):
            with attempt:
                response = self.http.urlopen("POST", self.path, body=json.dumps(body))
                if 400 <= response.status < 500:
                    return {"items": []}
                if response.status >= 500:
                    raise InventoryUnavailable(f"inventory answered {response.status}")
                return json.loads(response.data)
        raise AssertionError("unreachable")


def retries(attempts: int, transient: retry_base) -> Retrying:
    """The availability check's retries, the same over HTTP and gRPC: up to `attempts`
    tries while `transient` says the failure is worth another, 50 ms, 100 ms, then at
    most 200 ms apart; the last failure is raised."""
    return Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.05, max=0.2),
        retry=transient,
        reraise=True,
    )


def entries(items: Iterable[dict]) -> dict[str, CatalogueEntry]:
    """Products inventory knows, by id, from its answer's lines (over HTTP or gRPC); it
    gives no price for a product it does not know."""
    return {
        item["product_id"]: CatalogueEntry(
            item["product_id"],
            item.get("name") or "",
            Decimal(item["price"]),
            active=item.get("reason") != "inactive_product",
            available=item.get("available_quantity"),
        )
        for item in items
        if item.get("price") is not None
    }
