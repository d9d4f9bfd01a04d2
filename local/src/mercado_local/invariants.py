"""The platform's promises, checked from the outside after a failure or a load run: every
accepted order decided, no stock oversold or leaked, no payment applied twice, one payment
per order and never refunded twice, no event stuck in an outbox, no e-mail stuck or failed,
no dead letter nobody expected."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pika
import psycopg2

from mercado_platform.messaging.topology import dead_letter_queue
from mercado_platform.testing.polling import eventually

SETTLED = {"awaiting_payment", "paid", "completed", "rejected", "cancelled"}
HOLDING = "awaiting_payment"


def rows(url: str, query: str, parameters: tuple = ()) -> list[tuple]:
    """Run one statement on its own connection, outside a transaction; its rows (none for
    a statement that returns none)."""
    connection = psycopg2.connect(url, connect_timeout=10)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(query, parameters)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


@dataclass
class Invariants:
    """Orders' and inventory's databases and the broker, seen by an auditor."""

    orders_db: str
    inventory_db: str
    amqp_url: str
    payments_db: str | None = None
    notifications_db: str | None = None
    accepted: set[str] = field(default_factory=set)
    expected_dead: dict[str, int] = field(default_factory=dict)

    @property
    def queues(self) -> tuple[str, ...]:
        """The queues of the services audited."""
        queues = ["orders.saga", "orders.replicas", "inventory.orders"]
        if self.payments_db:
            queues.append("payments.orders")
        if self.notifications_db:
            queues += ["notifications.mail", "notifications.customers"]
        return tuple(queues)

    def violations(self) -> list[str]:
        """Every broken promise, described; empty when all hold."""
        return [
            *self._undecided_orders(),
            *self._stock(),
            *self._payments(),
            *self._payment_rows(),
            *self._outboxes(),
            *self._mail(),
            *self._dead_letters(),
        ]

    def settle(self, timeout: float = 60) -> None:
        """Wait until every promise holds (events may still be on their way); fail naming them."""
        last: list[str] = []

        def holds() -> bool:
            last[:] = self.violations()
            return not last

        try:
            eventually(holds, timeout=timeout, what="the invariants")
        except AssertionError:
            raise AssertionError("invariants broken:\n  " + "\n  ".join(last[:30])) from None

    def _undecided_orders(self) -> Iterable[str]:
        statuses = dict(rows(self.orders_db, "SELECT id, status FROM orders"))
        for order_id in sorted(self.accepted):
            status = statuses.get(order_id)
            if status is None:
                yield f"order {order_id} was accepted but is lost"
            elif status not in SETTLED:
                yield f"order {order_id} is still {status}"

    def _stock(self) -> Iterable[str]:
        held = Counter(
            {
                product: int(quantity)
                for product, quantity in rows(
                    self.orders_db,
                    "SELECT l.product_id, sum(l.quantity) FROM order_lines l JOIN orders o"
                    f" ON o.id = l.order_id WHERE o.status = '{HOLDING}' GROUP BY l.product_id",
                )
            }
        )
        ledger = dict(
            rows(
                self.inventory_db,
                "SELECT product_id::text, sum(quantity) FROM stock_movements GROUP BY 1",
            )
        )
        products = rows(self.inventory_db, "SELECT id::text, on_hand, reserved FROM products")
        for product, on_hand, reserved in products:
            if reserved > on_hand or on_hand < 0 or reserved < 0:
                yield f"product {product} oversold: on hand {on_hand}, reserved {reserved}"
            if reserved != held[product]:
                yield f"product {product}: reserved {reserved}, open orders hold {held[product]}"
            if on_hand != ledger.get(product, 0):
                yield f"product {product}: on hand {on_hand}, ledger sums {ledger.get(product)}"

    def _payments(self) -> Iterable[str]:
        for (order_id,) in rows(
            self.orders_db,
            "SELECT order_id FROM order_status_history WHERE status = 'paid'"
            " GROUP BY order_id HAVING count(*) > 1",
        ):
            yield f"order {order_id} was paid twice"
        for order_id, product in rows(
            self.inventory_db,
            "SELECT order_id, product_id FROM stock_movements WHERE kind = 'sale'"
            " GROUP BY 1, 2 HAVING count(*) > 1",
        ):
            yield f"order {order_id} sold product {product} twice"

    def _payment_rows(self) -> Iterable[str]:
        """Payments agree with orders: one per order, paid orders paid, refunds only once."""
        if not self.payments_db:
            return
        statuses = dict(rows(self.orders_db, "SELECT id, status FROM orders"))
        payments = rows(self.payments_db, "SELECT order_id, status FROM payments")
        for order_id, count in Counter(order_id for order_id, _ in payments).items():
            if count > 1:
                yield f"order {order_id} has {count} payments"
        for order_id, status in payments:
            order = statuses.get(order_id)
            if status == "succeeded" and order not in ("paid", "completed"):
                yield f"order {order_id} is {order} but its payment succeeded"
            if status in ("refunding", "refunded") and order != "cancelled":
                yield f"order {order_id} is {order} but its payment is {status}"
        for (order_id,) in rows(
            self.payments_db,
            "SELECT body::json->'data'->>'order_id' FROM outbox"
            " WHERE routing_key = 'payment.refunded' GROUP BY 1 HAVING count(*) > 1",
        ):
            yield f"order {order_id} was refunded twice"

    def _mail(self) -> Iterable[str]:
        """Every e-mail owed was sent (or skipped on purpose); none failed or overdue."""
        if not self.notifications_db:
            return
        for status, count in rows(
            self.notifications_db,
            "SELECT status, count(*) FROM notifications WHERE status = 'failed'"
            " OR (status = 'pending' AND next_attempt_at < now() - interval '30 seconds')"
            " GROUP BY 1",
        ):
            yield f"{count} e-mail(s) {status} (or overdue) in notifications"

    def _outboxes(self) -> Iterable[str]:
        outboxes = [("orders", self.orders_db), ("inventory", self.inventory_db)]
        if self.payments_db:
            outboxes.append(("payments", self.payments_db))
        for name, url in outboxes:
            [(unsent,)] = rows(url, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            if unsent:
                yield f"{unsent} event(s) unsent in {name}'s outbox"

    def _dead_letters(self) -> Iterable[str]:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        try:
            channel = connection.channel()
            for queue in self.queues:
                dlq = dead_letter_queue(queue)
                count = channel.queue_declare(dlq, passive=True).method.message_count
                expected = self.expected_dead.get(queue, 0)
                if count != expected:
                    yield f"{count} message(s) in {dlq}, {expected} expected"
        finally:
            connection.close()
