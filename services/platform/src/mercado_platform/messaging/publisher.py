"""Publishing a batch with its publisher confirms outstanding together.

pika's BlockingChannel waits for each message's confirm before it sends the next, so a
batch costs one round trip and one broker write per message. Here the whole batch is sent,
then one wait collects every confirm, so RabbitMQ writes and confirms the batch together.
This uses pika 1.x's asynchronous channel under the blocking one, and the
blocking channel's own wait, which raises when the broker closes the channel or the
connection drops, as a blocking publish does.
"""

import logging
import time
from collections.abc import Sequence
from typing import NamedTuple

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.channel import Channel
from pika.exceptions import AMQPError
from pika.frame import Method
from pika.spec import Basic

log = logging.getLogger(__name__)
UNROUTABLE = "unroutable"
NACKED = "nacked by the broker"


class ConfirmTimeout(AMQPError):
    """The broker did not confirm a batch in time: the connection is no longer trusted."""


class Message(NamedTuple):
    """One message to publish (always mandatory); its properties say if it is persistent."""

    exchange: str
    routing_key: str
    body: bytes
    properties: pika.BasicProperties


class BatchPublisher:
    """Publishes batches on one channel in confirm mode; says which the broker refused.

    Each message of a batch needs a `message_id` of its own: a message returned as
    unroutable is known by it.
    """

    def __init__(self, channel: BlockingChannel, *, confirm_timeout: float = 30.0) -> None:
        self._channel = channel
        self._timeout = confirm_timeout
        self._async: Channel = channel._impl
        self._sent = 0
        self._unconfirmed: dict[int, int] = {}
        self._batch: Sequence[Message] = ()
        self._refusals: list[str | None] = []
        selected: list[Method] = []
        self._async.confirm_delivery(self._on_confirm, callback=selected.append)
        self._async.add_on_return_callback(self._on_return)
        channel._flush_output(lambda: bool(selected))

    def publish(self, messages: Sequence[Message]) -> list[str | None]:
        """Publish `messages` and wait until the broker confirmed or refused each; for each,
        in order, why it was refused (None when it was accepted)."""
        if not messages:
            return []
        self._batch = messages
        self._refusals = [None] * len(messages)
        for index, message in enumerate(messages):
            self._async.basic_publish(*message, mandatory=True)
            self._sent += 1
            self._unconfirmed[self._sent] = index
        self._wait_for_confirms()
        return self._refusals

    def _wait_for_confirms(self) -> None:
        deadline = time.monotonic() + self._timeout
        connection = self._channel.connection
        alarm = connection.call_later(self._timeout, lambda: None)  # wakes the wait at its end
        try:
            self._channel._flush_output(
                lambda: not self._unconfirmed or time.monotonic() >= deadline
            )
        finally:
            connection.remove_timeout(alarm)
        if self._unconfirmed:
            raise ConfirmTimeout(
                f"{len(self._unconfirmed)} messages unconfirmed after {self._timeout:g} s"
            )

    def _on_confirm(self, frame: Method) -> None:
        method = frame.method
        if method.multiple:
            tags = [tag for tag in self._unconfirmed if tag <= method.delivery_tag]
        else:
            tags = [method.delivery_tag]
        for tag in tags:
            index = self._unconfirmed.pop(tag, None)
            if index is not None and isinstance(method, Basic.Nack):
                self._refusals[index] = self._refusals[index] or NACKED

    def _on_return(
        self,
        _channel: Channel,
        method: Basic.Return,
        properties: pika.BasicProperties,
        _body: bytes,
    ) -> None:
        # RabbitMQ returns an unroutable mandatory message before it confirms it; returns are
        # rare, so the batch is searched here rather than indexed for every batch
        ids = [message.properties.message_id for message in self._batch]
        if properties.message_id not in ids:
            log.warning("returned message %r is not in the batch", properties.message_id)
            return
        refusal = f"{UNROUTABLE}: {method.reply_code} {method.reply_text}"
        self._refusals[ids.index(properties.message_id)] = refusal
