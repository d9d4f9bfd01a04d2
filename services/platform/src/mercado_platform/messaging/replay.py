"""Move dead-lettered messages back to the queue they failed on."""

import logging

import pika

from mercado_platform.broker import connection_parameters
from mercado_platform.messaging.consumer import ATTEMPTS_HEADER, REASON_HEADER
from mercado_platform.messaging.topology import dead_letter_queue

log = logging.getLogger(__name__)


def replay(amqp_url: str, queue: str, ids: set[str] | None = None) -> int:
    """Republish the dead letters of `queue` (only those in `ids`, if given); returns the count."""
    connection = pika.BlockingConnection(connection_parameters(amqp_url, name="replay"))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        source = dead_letter_queue(queue)
        waiting = channel.queue_declare(source, passive=True).method.message_count
        moved, kept = 0, []
        for _ in range(waiting):
            method, props, body = channel.basic_get(source)
            if method is None:
                break
            if ids is not None and props.message_id not in ids:
                kept.append(method.delivery_tag)
                continue
            headers = {
                k: v
                for k, v in (props.headers or {}).items()
                if k not in (ATTEMPTS_HEADER, REASON_HEADER)
            }
            props.headers = headers
            channel.basic_publish("", queue, body, props, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            moved += 1
        for tag in kept:
            channel.basic_nack(tag, requeue=True)
        log.info("replayed %d of %d dead letters from %s", moved, waiting, source)
        return moved
    finally:
        connection.close()
