"""The batch publisher against a real RabbitMQ: confirms, returns and nacks, told apart
message by message within one batch."""

import uuid
from collections.abc import Iterator

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from mercado_platform.messaging.publisher import NACKED, BatchPublisher, ConfirmTimeout, Message

EXCHANGE = "publisher.events"


@pytest.fixture
def broker(amqp_url: str) -> Iterator[pika.BlockingConnection]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.exchange_declare(EXCHANGE, "topic", durable=True)
    yield connection
    if connection.is_open:
        connection.close()


def queue(channel: BlockingChannel, key: str, **arguments: object) -> str:
    name = f"publisher.{key}.{uuid.uuid4().hex[:8]}"
    arguments = {"x-queue-type": "quorum", **arguments}
    channel.queue_declare(name, durable=True, arguments=arguments)
    channel.queue_bind(name, EXCHANGE, key)
    return name


def message(key: str, body: str, exchange: str = EXCHANGE) -> Message:
    properties = pika.BasicProperties(message_id=str(uuid.uuid4()), delivery_mode=2)
    return Message(exchange, key, body.encode(), properties)


def drain(channel: BlockingChannel, name: str) -> list[bytes]:
    bodies = []
    while (got := channel.basic_get(name, auto_ack=True))[0] is not None:
        bodies.append(got[2])
    return bodies


def test_a_batch_is_confirmed_and_every_message_is_in_its_queue_in_order(broker):
    channel = broker.channel()
    name = queue(channel, "placed")
    publisher = BatchPublisher(broker.channel())

    first = publisher.publish([message("placed", f"a{i}") for i in range(50)])
    second = publisher.publish([message("placed", f"b{i}") for i in range(3)])

    assert first == [None] * 50 and second == [None] * 3
    expected = [f"a{i}".encode() for i in range(50)] + [b"b0", b"b1", b"b2"]
    assert drain(channel, name) == expected


def test_an_unroutable_message_is_refused_alone_and_the_rest_delivered(broker):
    channel = broker.channel()
    name = queue(channel, "placed")
    batch = [message("placed", "1"), message("nobody.listens", "2"), message("placed", "3")]

    refusals = BatchPublisher(broker.channel()).publish(batch)

    assert refusals[0] is None and refusals[2] is None
    assert refusals[1] is not None and refusals[1].startswith("unroutable: 312 NO_ROUTE")
    assert drain(channel, name) == [b"1", b"3"]


def test_messages_a_full_queue_rejects_are_refused_as_nacked(broker):
    channel = broker.channel()
    # a classic queue: a quorum queue learns it is full a little after the fact
    limits = {"x-queue-type": "classic", "x-max-length": 2, "x-overflow": "reject-publish"}
    name = queue(channel, "capped", **limits)

    refusals = BatchPublisher(broker.channel()).publish(
        [message("capped", str(i)) for i in range(5)]
    )

    assert refusals[:2] == [None, None]
    assert refusals[2:] == [NACKED] * 3
    assert drain(channel, name) == [b"0", b"1"]


def test_a_missing_exchange_closes_the_channel_and_raises(broker):
    publisher = BatchPublisher(broker.channel())

    with pytest.raises(ChannelClosedByBroker) as closed:
        publisher.publish([message("placed", "1", exchange="no.such.exchange")])

    assert closed.value.reply_code == 404


def test_confirms_that_do_not_come_in_time_raise(broker):
    channel = broker.channel()
    queue(channel, "placed")
    publisher = BatchPublisher(broker.channel(), confirm_timeout=0.0)

    with pytest.raises(ConfirmTimeout, match="1 messages unconfirmed after 0 s"):
        publisher.publish([message("placed", "1")])
