"""gRPC through the gateway, as a client that speaks it: orders and inventory on the
gateway's gRPC port (plain HTTP/2, grpc_pass), the same order flow and errors as REST."""

import uuid

import grpc
import pytest

from mercado.inventory.v1 import inventory_pb2
from mercado.inventory.v1.inventory_pb2_grpc import InventoryStub
from mercado.orders.v1 import orders_pb2
from mercado.orders.v1.orders_pb2_grpc import OrdersStub
from mercado_platform.testing.polling import eventually
from mercado_platform.testing.rpc import bearer, refusal

from .client import Client, new_product


@pytest.fixture(scope="module")
def channel(mercado):
    with grpc.insecure_channel(mercado.gateway.grpc_target) as channel:
        yield channel


@pytest.fixture
def orders(channel, customer):
    stub = OrdersStub(channel)
    token = customer.session.headers["Authorization"].removeprefix("Bearer ")
    return lambda method, request, **kw: getattr(stub, method)(
        request, metadata=bearer(token), timeout=15, **kw
    )


def test_an_order_placed_over_grpc_goes_through_the_saga(admin, customer, orders, channel):
    mug = new_product(admin, "12.50", 5)
    line = orders_pb2.ProductLine(product_id=mug, quantity=2, price="12.50")
    placed = orders(
        "PlaceOrder", orders_pb2.PlaceOrderRequest(customer_id=customer.id, products=[line])
    )
    assert (placed.status, placed.message) == ("received", "Order successfully placed.")
    asked = orders_pb2.GetOrderRequest(order_id=placed.order_id)
    order = eventually(
        lambda: (o := orders("GetOrder", asked)).HasField("payment_url") and o,
        timeout=60,
        what="stock reserved and a payment link made",
    )
    assert order.status == orders_pb2.STATUS_AWAITING_PAYMENT and order.total == "25.00"
    rest = customer.get(f"/api/orders/{placed.order_id}").json()
    assert (rest["status"], rest["total"]) == ("awaiting_payment", "25.00"), "one order, two APIs"
    listed = orders("ListOrders", orders_pb2.ListOrdersRequest())
    assert [o.order_id for o in listed.items] == [placed.order_id]
    inventory = InventoryStub(channel)
    product = inventory.GetProduct(inventory_pb2.GetProductRequest(product_id=mug), timeout=15)
    assert (product.on_hand, product.reserved) == (5, 2)
    cancelled = orders("CancelOrder", orders_pb2.CancelOrderRequest(order_id=placed.order_id))
    assert cancelled.status == orders_pb2.STATUS_CANCELLED
    eventually(
        lambda: Client(admin.endpoints).get(f"/api/products/{mug}").json()["reserved"] == 0,
        timeout=30,
        what="stock released",
    )


def test_errors_and_their_details_come_through_the_gateway(admin, customer, orders, channel):
    mug = new_product(admin, "3.00", 1)
    bad = orders_pb2.PlaceOrderRequest(
        customer_id=customer.id, products=[orders_pb2.ProductLine(product_id=mug, price="x")]
    )
    invalid = refusal(orders, "PlaceOrder", bad)
    assert invalid.code is grpc.StatusCode.INVALID_ARGUMENT
    assert invalid.fields == {
        "products.0.quantity": "greater_than_equal",
        "products.0.price": "decimal_parsing",
    }
    stranger = refusal(orders, "GetOrder", orders_pb2.GetOrderRequest(order_id=str(uuid.uuid4())))
    assert (stranger.code, stranger.reason) == (grpc.StatusCode.NOT_FOUND, "order_not_found")
    anonymous = refusal(OrdersStub(channel).ListOrders, orders_pb2.ListOrdersRequest(), timeout=15)
    assert anonymous.code is grpc.StatusCode.UNAUTHENTICATED
    short = InventoryStub(channel).CheckAvailability(
        inventory_pb2.CheckAvailabilityRequest(
            items=[inventory_pb2.AvailabilityLine(product_id=mug, quantity=2)]
        ),
        timeout=15,
    )
    assert not short.available and short.items[0].reason == "insufficient_stock"


def test_the_callers_request_id_reaches_the_service_and_comes_back(mercado, channel, customer):
    request_id = f"e2e-grpc-{uuid.uuid4().hex}"
    token = customer.session.headers["Authorization"].removeprefix("Bearer ")
    metadata = (*bearer(token), ("x-request-id", request_id))
    _, call = OrdersStub(channel).ListOrders.with_call(
        orders_pb2.ListOrdersRequest(), metadata=metadata, timeout=15
    )
    assert ("x-request-id", request_id) in call.trailing_metadata()
    log = mercado.workdir / "orders-grpc.log"
    eventually(lambda: request_id in log.read_text(), timeout=10, what="request id logged")


def test_what_the_gateway_does_not_route_or_cannot_reach(mercado, channel):
    health = channel.unary_unary("/grpc.health.v1.Health/Check")
    unrouted = refusal(health, b"", timeout=15)
    assert unrouted.code is grpc.StatusCode.UNIMPLEMENTED, "health is each service's own"
    inventory = InventoryStub(channel)
    asked = inventory_pb2.GetProductRequest(product_id=str(uuid.uuid4()))
    mercado.running["inventory"].stop("grpc")
    try:
        down = refusal(inventory.GetProduct, asked, timeout=15)
        assert down.code is grpc.StatusCode.UNAVAILABLE
        assert "not answering" in down.message
    finally:
        mercado.running["inventory"].start("grpc")
    missing = refusal(inventory.GetProduct, asked, timeout=15)
    assert missing.code is grpc.StatusCode.NOT_FOUND
