"""orders' gRPC API on a real server and database: every method, the same validation,
errors and auth as REST (the bearer token in metadata), and the caller's deadline."""

import time
import uuid

import grpc
import pytest

from mercado.orders.v1 import orders_pb2 as pb
from mercado.orders.v1.orders_pb2_grpc import OrdersStub
from mercado_orders.bootstrap import SPEC
from mercado_orders.config import Settings
from mercado_platform.testing.polling import eventually
from mercado_platform.testing.rpc import bearer, refusal
from mercado_platform.testing.tokens import SigningKey

from .support import CUSTOMER_SCOPES, STAFF_SCOPES, count, outbox, product


@pytest.fixture
def start_orders(orders_db, database_url, amqp_url, jwks_server, make_grpc_server, inventory):
    """A real gRPC server of orders (availability checked with the HTTP stand-in)."""

    def start(**settings) -> OrdersStub:
        values = {
            "database_url": database_url,
            "amqp_url": amqp_url,
            "jwks_url": jwks_server.url,
            "inventory_url": inventory.url,
            "inventory_timeout_seconds": 0.3,
            **settings,
        }
        server = make_grpc_server(SPEC, Settings(**values))
        channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        stub = OrdersStub(channel)
        stub.server = server
        return stub

    return start


@pytest.fixture
def orders(start_orders):
    return start_orders()


class Customer:
    """Someone with a token calling the gRPC API."""

    def __init__(self, orders: OrdersStub, signing_key: SigningKey, scopes: str) -> None:
        self.id = str(uuid.uuid4())
        self.orders = orders
        self.metadata = bearer(signing_key.token(sub=self.id, scope=scopes))

    def place(
        self, *lines: tuple[str, int, str], key: str = "", timeout: float | None = None, **fields
    ) -> pb.PlaceOrderResponse:
        request = self.order(*lines, key=key, **fields)
        return self.orders.PlaceOrder(request, metadata=self.metadata, timeout=timeout)

    def order(self, *lines: tuple[str, int, str], key: str = "", **fields) -> pb.PlaceOrderRequest:
        products = [pb.ProductLine(product_id=p, quantity=q, price=price) for p, q, price in lines]
        values = {"customer_id": self.id, "products": products, "idempotency_key": key, **fields}
        return pb.PlaceOrderRequest(**values)

    def call(self, method: str, request, **kwargs):
        return getattr(self.orders, method)(request, metadata=self.metadata, **kwargs)


@pytest.fixture
def customer_of(signing_key):
    def make(orders: OrdersStub, scopes: str = CUSTOMER_SCOPES) -> Customer:
        return Customer(orders, signing_key, scopes)

    return make


@pytest.fixture
def customer(orders, customer_of):
    return customer_of(orders)


@pytest.fixture
def mug(orders_db, inventory):
    mug = product(orders_db, "Mug", "19.99")
    inventory.stock = {mug: ("19.99", 10)}
    return mug


def test_place_get_list_and_cancel(customer, mug, orders_db):
    placed = customer.place((mug, 2, "19.99"))
    assert (placed.status, placed.message) == ("received", "Order successfully placed.")
    [event] = outbox(orders_db, "order.placed")
    assert event["data"]["order_id"] == placed.order_id and event["data"]["total"] == "39.98"
    order = customer.call("GetOrder", pb.GetOrderRequest(order_id=placed.order_id))
    assert (order.order_id, order.customer_id, order.total, order.currency) == (
        placed.order_id,
        customer.id,
        "39.98",
        "brl",
    )
    assert order.status == pb.STATUS_RECEIVED and not order.HasField("payment_url")
    [line] = order.items
    assert (line.product_id, line.name, line.quantity, line.unit_price, line.line_total) == (
        mug,
        "Mug",
        2,
        "19.99",
        "39.98",
    )
    assert [change.cause for change in order.history] == ["order placed"]
    listed = customer.call("ListOrders", pb.ListOrdersRequest())
    assert [o.order_id for o in listed.items] == [placed.order_id]
    assert (listed.limit, listed.offset, listed.more) == (20, 0, False)
    received = pb.ListOrdersRequest(status=pb.STATUS_RECEIVED, limit=1)
    assert len(customer.call("ListOrders", received).items) == 1
    none = customer.call("ListOrders", pb.ListOrdersRequest(status=pb.STATUS_PAID))
    assert list(none.items) == []
    cancelled = customer.call("CancelOrder", pb.CancelOrderRequest(order_id=placed.order_id))
    assert cancelled.status == pb.STATUS_CANCELLED
    assert [c.status for c in cancelled.history] == [pb.STATUS_RECEIVED, pb.STATUS_CANCELLED]
    assert len(outbox(orders_db, "order.cancelled")) == 1


def test_a_retried_call_and_a_rest_post_with_its_key_get_the_first_answer(
    customer, mug, orders_db, make_orders_app, inventory
):
    first = customer.place((mug, 1, "19.99"), key="checkout-7")
    assert customer.place((mug, 1, "19.99"), key="checkout-7") == first
    rest = (
        make_orders_app(inventory_url=inventory.url)
        .test_client()
        .post(
            "/api/orders",
            json={
                "customer_id": customer.id,
                "products": [{"product_id": mug, "quantity": 1, "price": 19.99}],
            },
            headers={
                "Authorization": dict(customer.metadata)["authorization"],
                "Idempotency-Key": "checkout-7",
            },
        )
    )
    assert rest.status_code == 200 and rest.get_json()["order_id"] == first.order_id
    other = refusal(customer.place, (mug, 2, "19.99"), key="checkout-7")
    assert (other.code, other.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "idempotency_key_reused",
    )
    assert count(orders_db, "orders") == 1


def test_bad_input_is_invalid_argument_naming_each_field(customer, mug, orders_db):
    refused = refusal(customer.place, (mug, 0, "19.999"), ("", 1, "abc"), customer_id="")
    assert refused.code is grpc.StatusCode.INVALID_ARGUMENT
    assert refused.reason == "validation_failed"
    assert refused.fields == {
        "customer_id": "string_too_short",
        "products.0.quantity": "greater_than_equal",
        "products.0.price": "decimal_max_places",
        "products.1.product_id": "string_too_short",
        "products.1.price": "decimal_parsing",
    }
    empty = refusal(customer.call, "PlaceOrder", pb.PlaceOrderRequest(customer_id=customer.id))
    assert empty.fields == {"products": "too_short"}
    twice = refusal(customer.place, (mug, 1, "19.99"), (mug, 1, "19.99"))
    assert twice.fields == {"products": "value_error"}
    page = refusal(customer.call, "ListOrders", pb.ListOrdersRequest(limit=101, offset=-1))
    assert page.fields == {"limit": "less_than_equal", "offset": "greater_than_equal"}
    no_id = refusal(customer.call, "GetOrder", pb.GetOrderRequest())
    assert no_id.fields == {"order_id": "missing"}
    assert count(orders_db, "orders") == 0


def test_refused_lines_name_the_product_and_what_changed(customer, mug, inventory, orders_db):
    changed = refusal(customer.place, (mug, 1, "17.50"))
    assert (changed.code, changed.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "price_changed")
    [violation] = changed.violations
    assert (violation.type, violation.subject) == ("price_changed", f"products[{mug}]")
    assert violation.description == "current_price: 19.99"
    short = refusal(customer.place, (mug, 11, "19.99"))
    assert short.reason == "insufficient_stock"
    assert short.violations[0].description == "available: 10"
    unknown = str(uuid.uuid4())
    absent = refusal(customer.place, (unknown, 1, "1.00"))
    assert (absent.code, absent.fields) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        {f"products[{unknown}]": "unknown_product"},
    )
    assert count(orders_db, "orders") == 0


def test_missing_or_forged_tokens_are_unauthenticated(orders, customer, mug, signing_key):
    request = customer.order((mug, 1, "19.99"))
    missing = refusal(orders.PlaceOrder, request)
    assert (missing.code, missing.reason) == (grpc.StatusCode.UNAUTHENTICATED, "unauthorized")
    assert "bearer token" in missing.message
    stranger = SigningKey()  # not published by the JWKS
    forged = stranger.token(sub=customer.id, scope=CUSTOMER_SCOPES, kid=signing_key.kid)
    refused = refusal(orders.PlaceOrder, request, metadata=bearer(forged))
    assert (refused.code, refused.reason) == (grpc.StatusCode.UNAUTHENTICATED, "invalid_token")
    unknown = stranger.token(sub=customer.id, scope=CUSTOMER_SCOPES)
    assert refusal(orders.ListOrders, pb.ListOrdersRequest(), metadata=bearer(unknown)).reason == (
        "unknown_key"
    )
    expired = signing_key.token(sub=customer.id, scope=CUSTOMER_SCOPES, lifetime=-60)
    assert refusal(
        orders.GetOrder, pb.GetOrderRequest(order_id=mug), metadata=bearer(expired)
    ).code is (grpc.StatusCode.UNAUTHENTICATED)
    garbage = refusal(
        orders.CancelOrder, pb.CancelOrderRequest(order_id=mug), metadata=bearer("x.y.z")
    )
    assert garbage.code is grpc.StatusCode.UNAUTHENTICATED


def test_scopes_are_required_as_over_rest(orders, customer_of, mug):
    reader = customer_of(orders, scopes="orders:read")
    refused = refusal(reader.place, (mug, 1, "19.99"))
    assert (refused.code, refused.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "insufficient_scope",
    )
    nobody = customer_of(orders, scopes="profile")
    assert refusal(nobody.call, "ListOrders", pb.ListOrdersRequest()).reason == "insufficient_scope"


def test_other_customers_orders_are_not_found(orders, customer, customer_of, mug, orders_db):
    placed = customer.place((mug, 1, "19.99"))
    stranger = customer_of(orders)
    for method, request in [
        ("GetOrder", pb.GetOrderRequest(order_id=placed.order_id)),
        ("CancelOrder", pb.CancelOrderRequest(order_id=placed.order_id)),
    ]:
        refused = refusal(stranger.call, method, request)
        assert (refused.code, refused.reason) == (grpc.StatusCode.NOT_FOUND, "order_not_found")
    assert list(stranger.call("ListOrders", pb.ListOrdersRequest()).items) == []
    mine = pb.ListOrdersRequest(customer_id=customer.id)
    assert list(stranger.call("ListOrders", mine).items) == [], "the filter is staff's only"
    for_them = refusal(stranger.place, (mug, 1, "19.99"), customer_id=customer.id)
    assert (for_them.code, for_them.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "not_your_customer_id",
    )
    staff = customer_of(orders, scopes=STAFF_SCOPES)
    assert [o.order_id for o in staff.call("ListOrders", mine).items] == [placed.order_id]
    assert (
        staff.call("GetOrder", pb.GetOrderRequest(order_id=placed.order_id)).customer_id
        == customer.id
    )
    cancelled = customer.call("CancelOrder", pb.CancelOrderRequest(order_id=placed.order_id))
    again = refusal(
        customer.call, "CancelOrder", pb.CancelOrderRequest(order_id=cancelled.order_id)
    )
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "illegal_transition")


def test_a_caller_who_gave_up_gets_deadline_exceeded_and_no_order_is_stored(
    start_orders, customer_of, mug, inventory, orders_db
):
    orders = start_orders(inventory_timeout_seconds=5, inventory_attempts=1)
    customer = customer_of(orders)
    inventory.delay = 1.0
    started = time.monotonic()
    refused = refusal(customer.place, (mug, 1, "19.99"), timeout=0.3)
    assert refused.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 0.8, "the caller's deadline, not inventory's delay"
    handled = orders.server.metrics.registry.get_sample_value
    labels = {"service": "orders", "method": "/mercado.orders.v1.Orders/PlaceOrder"}

    def ended() -> float | None:
        return handled("grpc_server_handled_total", {**labels, "code": "DEADLINE_EXCEEDED"})

    eventually(ended, timeout=10, what="the server ends the call it was serving")
    assert count(orders_db, "orders") == 0 and outbox(orders_db) == []
    inventory.delay = 0
    assert customer.place((mug, 1, "19.99"), timeout=5).status == "received"
