"""Tracing's own rules, without servers: when the environment turns it on, what it refuses,
which spans may start a trace, and how an event's context goes from its creation through
the relay's span to its consumer's (in memory; the e2e tests follow a real order)."""

from types import SimpleNamespace

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, TraceIdRatioBased
from opentelemetry.trace import SpanKind

from mercado_platform import tracing
from mercado_platform.config import ConfigError
from mercado_platform.messaging.events import Event, child_traceparent, current_trace
from mercado_platform.messaging.tracing import (
    DUPLICATE,
    Sending,
    for_outbox,
    mark_duplicate,
    processing,
)
from mercado_platform.tracing_sdk import NoStrayRoots, exporter

EXPORTED = InMemorySpanExporter()


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
    ],
)
def test_tracing_is_on_only_when_the_environment_names_where_spans_go(environ, on):
    assert tracing.configured(environ) is on


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OTEL_TRACES_EXPORTER", "zipkin"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
    ],
)
def test_an_exporter_this_build_cannot_make_is_refused_by_its_variable(
    monkeypatch, variable, value
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=f"{variable} '{value}' is not supported"):
        exporter()


def test_only_work_of_its_own_starts_a_trace():
    sampler = NoStrayRoots(ALWAYS_ON)
    for kind in (SpanKind.CLIENT, SpanKind.INTERNAL):
        assert sampler.should_sample(None, 1, "SELECT", kind).decision is Decision.DROP
    for kind in (SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.PRODUCER):
        assert sampler.should_sample(None, 1, "x", kind).decision is Decision.RECORD_AND_SAMPLE
    none = NoStrayRoots(TraceIdRatioBased(0.0))
    assert none.should_sample(None, 1, "GET /", SpanKind.SERVER).decision is Decision.DROP


@pytest.fixture
def traced(monkeypatch):
    """Tracing on for one test, its spans kept in memory."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(sampler=NoStrayRoots(ALWAYS_ON))
        provider.add_span_processor(SimpleSpanProcessor(EXPORTED))
        trace.set_tracer_provider(provider)
    monkeypatch.setattr(tracing, "_installed", ["test"])
    EXPORTED.clear()
    yield EXPORTED
    EXPORTED.clear()


def relayed(event: Event, tracestate: str | None) -> tuple[dict[str, str], Sending]:
    row = SimpleNamespace(
        traceparent=event.traceparent,
        tracestate=tracestate,
        routing_key=event.type,
        exchange="orders.events",
        event_id=event.id,
        attempts=0,
    )
    sending = Sending([row])
    headers = sending.headers(0, row)
    sending.end([None])
    return headers, sending


def test_an_events_context_goes_from_its_creation_through_the_relay_to_its_consumer(traced):
    with tracing.tracer().start_as_current_span("POST /api/orders", kind=SpanKind.SERVER):
        event, state = for_outbox(Event("order.placed", {"order_id": "1"}, "/orders"), "orders")
    headers, _ = relayed(event, state)
    received = Event.from_json(event.to_json())
    with processing("inventory.orders", received, headers), tracing.span("reserve"):
        pass
    spans = {span.name: span for span in traced.get_finished_spans()}
    assert set(spans) == {
        "POST /api/orders",
        "create order.placed",
        "send order.placed",
        "process order.placed",
        "reserve",
    }
    assert len({span.context.trace_id for span in spans.values()}) == 1

    def parent(name: str) -> str:
        return next(n for n, s in spans.items() if s.context.span_id == spans[name].parent.span_id)

    assert parent("create order.placed") == "POST /api/orders"
    assert parent("send order.placed") == "create order.placed"
    assert parent("process order.placed") == "send order.placed"
    assert parent("reserve") == "process order.placed"
    created = spans["create order.placed"].context
    assert received.traceparent.split("-")[1:3] == [
        f"{created.trace_id:032x}",
        f"{created.span_id:016x}",
    ], "the CloudEvent carries its creation's context"


def test_without_the_relays_header_the_cloudevents_context_is_the_parent(traced):
    with tracing.tracer().start_as_current_span("work", kind=SpanKind.SERVER):
        event, _ = for_outbox(Event("order.placed", {}, "/orders"), "orders")
    with processing("q", event, None) as span:
        mark_duplicate(span)
    spans = {span.name: span for span in traced.get_finished_spans()}
    process = spans["process order.placed"]
    assert process.parent.span_id == spans["create order.placed"].context.span_id
    assert process.attributes[DUPLICATE] is True


def test_untraced_the_consumer_still_continues_the_carried_trace():
    assert not tracing.enabled()
    carried = child_traceparent()
    event = Event("order.placed", {}, "/orders", traceparent=child_traceparent())
    with processing("q", event, {"traceparent": carried.encode()}):
        assert current_trace.get() == carried
        caused = Event("stock.reserved", {}, "/inventory")
    assert caused.traceparent.split("-")[1] == carried.split("-")[1]
    assert current_trace.get() is None
