"""Events a service publishes that no service subscribes to yet. The relay publishes with
`mandatory`, so they are unroutable: retried for RELAY_UNROUTABLE_GRACE_SECONDS (10 minutes),
then set aside. The failure and load tests are shorter than that, so they bind a capped queue
to them and the "outbox empty" invariant audits every other event."""

import pika

from mercado_platform.messaging.topology import exchange_for

UNCONSUMED: tuple[tuple[str, str], ...] = (
    (exchange_for("inventory"), "stock.committed"),
    (exchange_for("users"), "customer.address_changed"),
)


def sink(
    amqp_url: str, queue: str = "local.unconsumed", bindings: tuple[tuple[str, str], ...] = ()
) -> None:
    """Declare `queue` (capped) bound to the unconsumed events and to `bindings`."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.queue_declare(queue, durable=True, arguments={"x-max-length": 10_000})
        for exchange, routing_key in (*UNCONSUMED, *bindings):
            channel.exchange_declare(exchange, "topic", durable=True)
            channel.queue_bind(queue, exchange, routing_key)
    finally:
        connection.close()
