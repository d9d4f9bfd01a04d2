"""How an event's trace context crosses the outbox and the broker.

The outbox row keeps the context its event was created in (`traceparent`, `tracestate`),
so the relay, whenever it runs, publishes as a child of it and sends its own context in
the AMQP headers; the CloudEvent carries the creating context too (its distributed-tracing
extension). A consumer continues the AMQP header's context, else the CloudEvent's: one
trace from the request that caused an event to everything the event causes, across commits,
relay restarts and redeliveries. A batch handled in one transaction is a span of its own,
linked to each message's; each message still gets its own span in its own trace.
"""

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate
from opentelemetry.trace import (
    Link,
    Span,
    SpanKind,
    Status,
    StatusCode,
    format_span_id,
    get_current_span,
    set_span_in_context,
)

from mercado_platform import tracing
from mercado_platform.messaging.events import (
    Event,
    child_traceparent,
    current_trace,
    valid_traceparent,
)

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
DUPLICATE = "mercado.message.duplicate"
SYSTEM = {"messaging.system": "rabbitmq"}


def traceparent_of(span: Span) -> tuple[str, str | None]:
    """The W3C traceparent and tracestate of `span`."""
    context = span.get_span_context()
    parent = (
        f"00-{context.trace_id:032x}-{format_span_id(context.span_id)}-{context.trace_flags:02x}"
    )
    return parent, context.trace_state.to_header() or None


def for_outbox(event: Event, exchange: str) -> tuple[Event, str | None]:
    """`event` as the outbox keeps it, and its tracestate: traced, it is created in a span
    of its own (a child of the current one) whose context it then carries."""
    if not tracing.enabled():
        return event, None
    with tracing.tracer().start_as_current_span(
        f"create {event.type}",
        kind=SpanKind.PRODUCER,
        attributes={
            **SYSTEM,
            "messaging.operation.type": "create",
            "messaging.destination.name": exchange,
            "messaging.rabbitmq.destination.routing_key": event.type,
            "messaging.message.id": event.id,
        },
    ) as span:
        parent, state = traceparent_of(span)
    return dataclasses.replace(event, traceparent=parent), state


def carrier(traceparent: str | None, tracestate: str | None) -> dict[str, str]:
    """AMQP headers (or any carrier) holding this trace context."""
    headers = {TRACEPARENT: traceparent} if traceparent else {}
    if traceparent and tracestate:
        headers[TRACESTATE] = tracestate
    return headers


class Sending:
    """The relay's spans for one batch, each a child of its row's stored context."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self.spans: list[Span | None] = [None] * len(rows)
        if not tracing.enabled():
            return
        for index, row in enumerate(rows):
            parent = propagate.extract(carrier(row.traceparent, row.tracestate))
            self.spans[index] = tracing.tracer().start_span(
                f"send {row.routing_key}",
                context=parent,
                kind=SpanKind.PRODUCER,
                attributes={
                    **SYSTEM,
                    "messaging.operation.type": "send",
                    "messaging.destination.name": row.exchange,
                    "messaging.rabbitmq.destination.routing_key": row.routing_key,
                    "messaging.message.id": row.event_id,
                    "mercado.outbox.attempts": row.attempts,
                },
            )

    def headers(self, index: int, row: Any) -> dict[str, str]:
        """The AMQP headers of row `index`: the relay's span, else the stored context."""
        span = self.spans[index]
        if span is None:
            return carrier(row.traceparent, row.tracestate)
        headers: dict[str, str] = {}
        propagate.inject(headers, context=set_span_in_context(span))
        return headers

    def end(
        self, refusals: Sequence[str | None] | None, error: BaseException | None = None
    ) -> None:
        """End every span: refused rows and a failed batch are errors."""
        for index, span in enumerate(self.spans):
            if span is None:
                continue
            reason = str(error) if error else refusals[index] if refusals else None
            if reason:
                span.set_status(Status(StatusCode.ERROR, reason[:200]))
            span.end()


@contextmanager
def processing(
    queue: str, event: Event, headers: Mapping[str, Any] | None
) -> Iterator[Span | None]:
    """Around one event's handling: its consumer span, a child of the context the message
    carries, or (tracing off) that context as the current trace of the events it causes."""
    traceparent = valid_traceparent(_text((headers or {}).get(TRACEPARENT))) or event.traceparent
    if not tracing.enabled():
        token = current_trace.set(traceparent)
        try:
            yield None
        finally:
            current_trace.reset(token)
        return
    parent = propagate.extract(carrier(traceparent, _text((headers or {}).get(TRACESTATE))))
    batch = _batch_link()
    with tracing.tracer().start_as_current_span(
        f"process {event.type}",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=[batch] if batch else None,
        attributes={
            **SYSTEM,
            "messaging.operation.type": "process",
            "messaging.destination.name": queue,
            "messaging.message.id": event.id,
            "messaging.rabbitmq.destination.routing_key": event.type,
            "cloudevents.event_source": event.source,
        },
    ) as span:
        yield span


@contextmanager
def batch(
    queue: str, events: Sequence[Event], headers: Sequence[Mapping[str, Any] | None]
) -> Iterator[None]:
    """Around a batch applied in one transaction: a span linked to every message's context."""
    if not tracing.enabled():
        yield
        return
    links = []
    for event, carried in zip(events, headers, strict=True):
        traceparent = (
            valid_traceparent(_text((carried or {}).get(TRACEPARENT))) or event.traceparent
        )
        parent = propagate.extract(carrier(traceparent, None))
        links.append(Link(get_current_span(parent).get_span_context()))
    with tracing.tracer().start_as_current_span(
        f"process {queue} batch",
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={
            **SYSTEM,
            "messaging.operation.type": "process",
            "messaging.destination.name": queue,
            "messaging.batch.message_count": len(events),
        },
    ):
        yield


def mark_duplicate(span: Span | None) -> None:
    """Say on the consumer's span that the inbox had this message already: no effect."""
    if span is not None:
        span.set_attribute(DUPLICATE, True)
        span.add_event("duplicate: already in the inbox, not applied again")


def _batch_link() -> Link | None:
    """A link to the batch span in progress, if this message is handled in one."""
    current = get_current_span()
    context = current.get_span_context()
    if context.is_valid and getattr(current, "name", "").endswith(" batch"):
        return Link(context)
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return value if isinstance(value, str) else None


def current_traceparent() -> str:
    """The context to store with a row whose later work belongs to the current trace (a
    payment's webhook, a notification's delivery): the span in progress, else the trace
    being continued, else a new one."""
    span = get_current_span()
    if span.get_span_context().is_valid:
        return traceparent_of(span)[0]
    return current_trace.get() or child_traceparent()


@contextmanager
def continuing(traceparent: str | None, name: str, **attributes: Any) -> Iterator[None]:
    """Around work done later for a stored context: a span in that trace, linked to the
    span in progress (the webhook's request, the worker's pass); untraced, the events it
    causes continue that trace all the same."""
    stored = valid_traceparent(traceparent)
    if stored is None:
        with tracing.span(name, **attributes):
            yield
        return
    if not tracing.enabled():
        token = current_trace.set(stored)
        try:
            yield
        finally:
            current_trace.reset(token)
        return
    here = get_current_span().get_span_context()
    with tracing.tracer().start_as_current_span(
        name,
        context=propagate.extract(carrier(stored, None)),
        links=[Link(here)] if here.is_valid else None,
        attributes=attributes,
    ):
        yield
