import json

import pytest

from mercado_platform.messaging.events import Event, child_traceparent, current_trace

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_envelope_is_structured_cloudevents_json():
    event = Event(
        "order.placed",
        {"order_id": "987654", "total": "69.97"},
        "/mercado/orders",
        subject="987654",
    )
    document = json.loads(event.to_json())
    assert document["specversion"] == "1.0"
    assert document["type"] == "order.placed"
    assert document["source"] == "/mercado/orders"
    assert document["datacontenttype"] == "application/json"
    assert document["dataschema"] == "urn:mercado:event:order.placed:v1"
    assert document["subject"] == "987654"
    assert document["data"] == {"order_id": "987654", "total": "69.97"}
    assert {"id", "time", "traceparent"} <= document.keys()


def test_round_trip_keeps_every_field():
    event = Event("stock.reserved", {"lines": [1, 2]}, "/mercado/inventory", version=2)
    assert Event.from_json(event.to_json()) == event


def test_events_continue_the_current_trace_with_a_new_span():
    token = current_trace.set(TRACE)
    try:
        event = Event("order.placed", {}, "/mercado/orders")
    finally:
        current_trace.reset(token)
    _, trace_id, span_id, flags = event.traceparent.split("-")
    assert trace_id == TRACE.split("-")[1] and flags == "01"
    assert span_id != TRACE.split("-")[2]


def test_without_a_current_trace_a_new_one_starts():
    assert child_traceparent().split("-")[1] != child_traceparent().split("-")[1]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"specversion": "0.3"}',
        b'{"specversion": "1.0", "id": "1", "type": "x"}',
    ],
)
def test_documents_that_are_not_cloudevents_are_refused(body):
    with pytest.raises(ValueError):
        Event.from_json(body)


def test_a_malformed_incoming_traceparent_is_replaced():
    event = Event("x", {}, "/s", traceparent="garbage")
    parsed = Event.from_json(event.to_json())
    assert parsed.traceparent != "garbage" and len(parsed.traceparent.split("-")) == 4
