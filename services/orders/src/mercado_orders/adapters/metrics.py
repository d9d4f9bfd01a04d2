"""Gauges of orders still on their way, read when /metrics is scraped: the stuck-orders
alert watches how long the oldest has waited in each status."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mercado_platform.db import Database

OPEN = ("received", "awaiting_payment", "paid")
# one index range per status (ix_orders_status_since)
_OPEN_ORDERS = text(
    "SELECT status, count(*), extract(epoch FROM now() - min(status_since)) FROM orders "
    "WHERE status IN ('received', 'awaiting_payment', 'paid') GROUP BY status"
)


class OpenOrders(Collector):
    """How many orders are in each open status, and how long the oldest has been there."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield both gauges; nothing when the database cannot answer."""
        try:
            with self.database.engine.connect() as connection:
                rows = {
                    status: (count, age) for status, count, age in connection.execute(_OPEN_ORDERS)
                }
        except SQLAlchemyError:
            return
        count = GaugeMetricFamily("orders_open", "Orders in each open status.", labels=["status"])
        oldest = GaugeMetricFamily(
            "orders_oldest_in_status_seconds",
            "How long the oldest order in each open status has been in it.",
            labels=["status"],
        )
        for status in OPEN:
            number, age = rows.get(status, (0, 0))
            count.add_metric([status], number)
            oldest.add_metric([status], float(age or 0))
        yield count
        yield oldest


def collectors(database: Database) -> tuple[Collector, ...]:
    """What orders adds to its /metrics."""
    return (OpenOrders(database),)
