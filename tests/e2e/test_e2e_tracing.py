"""One order followed across every service: the spans Jaeger holds of its trace (through the
collector, as the services export them), with who is whose parent, through the outbox and
RabbitMQ, a relay restart between commit and publish, and a redelivery."""

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg2
import requests

from mercado_platform.testing.polling import eventually

from .client import Client, new_product, press, wait_status

Span = dict[str, Any]
CHECK_AVAILABILITY = "/mercado.inventory.v1.Inventory/CheckAvailability"
SEND_PLACED = ("orders", "send order.placed")


@dataclass
class Trace:
    """The spans of one trace and the links between them."""

    spans: list[Span]

    def named(self, service: str, name: str) -> list[Span]:
        return [s for s in self.spans if s["serviceName"] == service and s["operationName"] == name]

    def one(self, service: str, name: str) -> Span:
        found = self.named(service, name)
        assert len(found) == 1, f"{service} {name!r}: {len(found)} spans in {self.names()}"
        return found[0]

    def parent(self, span: Span) -> Span | None:
        ids = [r["spanID"] for r in span["references"] if r["refType"] == "CHILD_OF"]
        return next((s for s in self.spans if ids and s["spanID"] == ids[0]), None)

    def children(self, span: Span) -> list[Span]:
        return [s for s in self.spans if self.parent(s) is span]

    def child(self, parent: Span, service: str, name: str) -> Span:
        """The one span so named whose parent is `parent`."""
        found = [s for s in self.named(service, name) if self.parent(s) is parent]
        assert len(found) == 1, f"{service} {name!r} under {parent['operationName']!r}: {found}"
        return found[0]

    def names(self) -> list[str]:
        return sorted(f"{s['serviceName']}:{s['operationName']}" for s in self.spans)


def tags(span: Span) -> dict[str, Any]:
    return {tag["key"]: tag["value"] for tag in span["tags"]}


def trace_of(mercado, trace_id: str, done: Callable[[Trace], bool]) -> Trace:
    """The trace once `done(trace)` holds (spans arrive in batches from every process)."""
    return eventually(
        lambda: (t := Trace(mercado.traces.spans(trace_id))) and done(t) and t,
        timeout=60,
        what=f"the spans of trace {trace_id}",
    )


def place(customer: Client, product: str, quantity: int, price: str) -> tuple[str, str]:
    """Place an order; its id and the trace id the orders API answered with."""
    body = {
        "customer_id": customer.id,
        "products": [{"product_id": product, "quantity": quantity, "price": float(price)}],
    }
    # orders prices from its replica of the catalogue, which hears of a new product by event
    placed = eventually(
        lambda: (r := customer.post("/api/orders", json=body)).status_code != 422 and r,
        timeout=30,
        what="the product in orders' catalogue",
    )
    assert placed.status_code == 200, placed.text
    version, trace_id, _span, flags = placed.headers["traceresponse"].split("-")
    assert version == "00" and int(flags, 16) & 1, "sampled"
    return placed.json()["order_id"], trace_id


def pay(customer: Client, order_id: str) -> None:
    url = eventually(
        lambda: wait_status(customer, order_id, "awaiting_payment").get("payment_url"),
        timeout=60,
        what="payment link",
    )
    assert press(url, "pay").status_code == 200
    wait_status(customer, order_id, "paid")


def test_one_order_placed_and_paid_is_one_trace_across_every_service(mercado, admin, customer):
    product = new_product(admin, "12.00", 5)
    order_id, trace_id = place(customer, product, 2, "12.00")
    pay(customer, order_id)

    def complete(trace: Trace) -> bool:
        return len(trace.named("notifications", "send e-mail order.paid")) == 1

    trace = trace_of(mercado, trace_id, complete)
    assert {s["traceID"] for s in trace.spans} == {trace_id}
    assert {s["serviceName"] for s in trace.spans} >= {
        "orders",
        "inventory",
        "payments",
        "notifications",
    }

    # orders' API: the request through the gateway is the root; availability asked of
    # inventory over gRPC (local mode's transport), inventory's call span under orders';
    # the order and its event committed together
    api = trace.one("orders", "POST /api/orders")
    assert trace.parent(api) is None and tags(api)["http.status_code"] == 200
    ask = trace.child(api, "orders", CHECK_AVAILABILITY)
    assert tags(ask)["rpc.system"] == "grpc"
    answered = trace.child(ask, "inventory", CHECK_AVAILABILITY)
    assert tags(answered)["rpc.grpc.status_code"] == 0
    trace.child(api, "orders", "commit")
    placed = trace.child(api, "orders", "create order.placed")
    assert tags(placed)["messaging.message.id"]

    # the relay publishes as a child of the event's creation; inventory reserves under it
    send = trace.child(placed, "orders", "send order.placed")
    reserving = trace.child(send, "inventory", "process order.placed")
    statements = [tags(s).get("db.statement", "") for s in trace.children(reserving)]
    assert any("reservation" in statement for statement in statements), statements
    reserved = trace.child(reserving, "inventory", "create stock.reserved")

    # the saga in orders, payments' checkout link, the customer paying (its own request,
    # linked), the payment's events, the e-mails
    step = trace.child(
        trace.child(reserved, "inventory", "send stock.reserved"),
        "orders",
        "process stock.reserved",
    )
    requested = trace.child(step, "orders", "create payment.requested")
    opening = trace.child(
        trace.child(requested, "orders", "send payment.requested"),
        "payments",
        "process payment.requested",
    )
    trace.child(opening, "payments", "open checkout")
    trace.child(opening, "payments", "create payment.link_created")
    webhook = trace.child(opening, "payments", "webhook checkout.session.completed")
    linked = [r for r in webhook["references"] if r["traceID"] != trace_id]
    assert len(linked) == 1, "the webhook's own request, a trace of its own, is linked"
    succeeded = trace.child(webhook, "payments", "create payment.succeeded")
    paid_step = trace.child(
        trace.child(succeeded, "payments", "send payment.succeeded"),
        "orders",
        "process payment.succeeded",
    )
    order_paid = trace.child(paid_step, "orders", "create order.paid")
    mailing = trace.child(
        trace.child(order_paid, "orders", "send order.paid"), "notifications", "process order.paid"
    )
    trace.child(mailing, "notifications", "send e-mail order.paid")

    # the gateway logged the request with the trace id the service answered with
    access = mercado.gateway.prefix / "access.log"
    logged = [json.loads(line) for line in access.read_text().splitlines()]
    assert any(entry["trace_id"] == trace_id for entry in logged)
    # and the services' logs carry it beside the request id
    lines = (mercado.workdir / "orders-serve.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if trace_id in line]
    assert any(r.get("request_id") and r.get("span_id") for r in records), records[:3]


def test_the_gateway_passes_a_callers_trace_and_drops_a_malformed_one(mercado, api):
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    continued = requests.get(
        f"{api.gateway}/api/products",
        headers={"traceparent": f"00-{trace_id}-{span_id}-01"},
        timeout=15,
    )
    assert continued.headers["traceresponse"].split("-")[1] == trace_id
    trace = trace_of(mercado, trace_id, lambda t: bool(t.named("inventory", "GET /api/products")))
    served = trace.one("inventory", "GET /api/products")
    assert [r["spanID"] for r in served["references"]] == [span_id]

    malformed = requests.get(
        f"{api.gateway}/api/products",
        headers={"traceparent": f"00-{trace_id}-{span_id}-zz"},
        timeout=15,
    )
    assert malformed.headers["traceresponse"].split("-")[1] != trace_id


def outbox_traceparent(mercado, order_id: str) -> str | None:
    with (
        psycopg2.connect(mercado.running["orders"].env["DATABASE_URL"]) as db,
        db.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT traceparent FROM outbox WHERE routing_key = 'order.placed' "
            "AND sent_at IS NULL AND body::json -> 'data' ->> 'order_id' = %s",
            (order_id,),
        )
        row = cursor.fetchone()
    return row[0] if row else None


def test_the_trace_survives_a_relay_restart_between_commit_and_publish(mercado, admin, customer):
    orders = mercado.running["orders"]
    product = new_product(admin, "7.00", 5)
    orders.stop("relay")
    try:
        order_id, trace_id = place(customer, product, 1, "7.00")
        kept = outbox_traceparent(mercado, order_id)
        assert kept is not None and kept.split("-")[1] == trace_id, "the outbox row keeps the trace"
    finally:
        restarted = time.time()
        orders.start("relay")
    wait_status(customer, order_id, "awaiting_payment")

    def complete(trace: Trace) -> bool:  # the restarted relay exports on its own schedule
        return all(
            trace.named(*span) for span in (SEND_PLACED, ("orders", "process stock.reserved"))
        )

    trace = trace_of(mercado, trace_id, complete)
    placed = trace.one("orders", "create order.placed")
    assert placed["spanID"] == kept.split("-")[2], "the stored context is the creating span's"
    send = trace.child(placed, "orders", "send order.placed")
    assert send["startTime"] / 1e6 >= restarted > (placed["startTime"] + placed["duration"]) / 1e6
    reserving = trace.child(send, "inventory", "process order.placed")
    trace.child(reserving, "inventory", "create stock.reserved")


def test_a_redelivered_event_shows_as_a_duplicate_span_with_no_second_effect(
    mercado, admin, customer
):
    orders = mercado.running["orders"]
    product = new_product(admin, "5.00", 5)
    orders.stop("relay")
    order_id, trace_id = place(customer, product, 2, "5.00")
    # this relay publishes the order's event, then dies before marking it sent
    orders.env["MERCADO_FAILPOINT"] = "relay.after_publish"
    try:
        orders.start("relay")
        crashed = orders.running["relay"]
        eventually(lambda: crashed.poll() is not None, timeout=30, what="the relay killed")
    finally:
        del orders.env["MERCADO_FAILPOINT"]
        orders.start("relay")  # and this one publishes it again
    wait_status(customer, order_id, "awaiting_payment")

    def both(trace: Trace) -> bool:  # the second relay exports its send span on its own schedule
        deliveries = trace.named("inventory", "process order.placed")
        later = [d for d in deliveries if tags(d).get("mercado.message.duplicate") is True]
        return len(deliveries) == 2 and all(trace.parent(d) for d in later)

    trace = trace_of(mercado, trace_id, both)
    deliveries = trace.named("inventory", "process order.placed")
    assert len({tags(d)["messaging.message.id"] for d in deliveries}) == 1, "the same message"
    duplicate = [d for d in deliveries if tags(d).get("mercado.message.duplicate") is True]
    handled = [d for d in deliveries if d not in duplicate]
    assert len(duplicate) == len(handled) == 1
    assert [
        s["operationName"]
        for s in trace.children(duplicate[0])
        if s["operationName"].startswith("create ")
    ] == []
    assert len(trace.named("inventory", "create stock.reserved")) == 1
    # the duplicate came through the second relay, itself a child of the event's creation
    placed = trace.one("orders", "create order.placed")
    assert trace.parent(trace.parent(duplicate[0])) is placed
    stock = Client(mercado.endpoints).get(f"/api/products/{product}").json()
    assert stock["reserved"] == 2, "reserved once"
