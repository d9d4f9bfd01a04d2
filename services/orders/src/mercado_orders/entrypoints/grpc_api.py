"""orders' gRPC API (mercado.orders.v1.Orders): placing, reading, listing and cancelling
orders with the use cases, validation, errors and auth of the REST API."""

from datetime import UTC
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from mercado.orders.v1 import orders_pb2, orders_pb2_grpc
from mercado_orders.adapters.repository import Filters
from mercado_orders.domain.model import Order, Status
from mercado_orders.entrypoints.commands import READ, READ_ANY, WRITE, WRITE_ANY, place_command
from mercado_orders.entrypoints.schemas import OrdersQuery, PlaceOrderBody
from mercado_orders.service_layer import managing, queries
from mercado_orders.service_layer.dependencies import Dependencies
from mercado_orders.service_layer.ordering import place_order
from mercado_platform.money import money
from mercado_platform.rpc.calls import (
    authenticate,
    before_deadline,
    caller,
    parse,
    parse_query,
    requires,
    resource_id,
)
from mercado_platform.rpc.messages import timestamp
from mercado_platform.service import GrpcService

STATUS = {status: orders_pb2.Status.Value(f"STATUS_{status.name}") for status in Status}
STATUS_OF = {number: status for status, number in STATUS.items()}


class OrdersServicer(orders_pb2_grpc.OrdersServicer):
    """The same use cases as the REST views, messages in and out."""

    def __init__(self, orders: Dependencies) -> None:
        self.orders = orders

    @requires(WRITE)
    def PlaceOrder(  # noqa: N802 (the generated base class names it)
        self, request: orders_pb2.PlaceOrderRequest, _context: Any
    ) -> orders_pb2.PlaceOrderResponse:
        """Place an order; prices are checked against the catalogue."""
        lines = [
            {"product_id": p.product_id, "quantity": p.quantity, "price": p.price}
            for p in request.products
        ]
        body = parse(PlaceOrderBody, {"customer_id": request.customer_id, "products": lines})
        key = request.idempotency_key or None
        command = place_command(body, authenticate(), self.orders.currency, key)
        answer = place_order(self.orders.uow(), command, before_deadline(self.orders.inventory))
        return orders_pb2.PlaceOrderResponse(**answer.body)

    @requires()
    def GetOrder(  # noqa: N802
        self, request: orders_pb2.GetOrderRequest, _context: Any
    ) -> orders_pb2.Order:
        """One order with its lines and history."""
        order_id = resource_id(request.order_id, "order_id")
        return order_message(queries.get_order(self.orders.uow(), order_id, caller(READ, READ_ANY)))

    @requires()
    def ListOrders(  # noqa: N802
        self, request: orders_pb2.ListOrdersRequest, _context: Any
    ) -> orders_pb2.ListOrdersResponse:
        """The caller's orders (everyone's with orders:read:any), newest first."""
        query = parse_query(
            OrdersQuery,
            {
                "limit": request.limit,
                "offset": request.offset,
                "status": STATUS_OF.get(request.status),
                "customer_id": request.customer_id,
                "created_from": _moment(request, "created_from"),
                "created_to": _moment(request, "created_to"),
            },
        )
        filters = Filters(query.customer_id, query.status, query.created_from, query.created_to)
        found, more = queries.list_orders(self.orders.uow(), caller(READ, READ_ANY), filters, query)
        return orders_pb2.ListOrdersResponse(
            items=[order_message(listed.order, history=False) for listed in found],
            limit=query.limit,
            offset=query.offset,
            more=more,
        )

    @requires()
    def CancelOrder(  # noqa: N802
        self, request: orders_pb2.CancelOrderRequest, _context: Any
    ) -> orders_pb2.Order:
        """Cancel an order; stock is released and a paid order refunded."""
        order_id = resource_id(request.order_id, "order_id")
        who = caller(WRITE, WRITE_ANY)
        return order_message(managing.cancel_order(self.orders.uow(), order_id, who))


def _moment(request: Any, name: str) -> str | None:
    if not request.HasField(name):
        return None
    stamp: Timestamp = getattr(request, name)
    return stamp.ToDatetime(tzinfo=UTC).isoformat()


def order_message(order: Order, *, history: bool = True) -> orders_pb2.Order:
    """An order as the gRPC API shows it (REST's detail, or its summary without history)."""
    return orders_pb2.Order(
        order_id=order.id,
        customer_id=order.customer_id,
        status=STATUS[order.status],
        total=money(order.total, order.currency),
        currency=order.currency,
        created_at=timestamp(order.created_at),
        items=[
            orders_pb2.Line(
                product_id=line.product_id,
                name=line.name,
                quantity=line.quantity,
                unit_price=money(line.unit_price, order.currency),
                line_total=money(line.line_total, order.currency),
            )
            for line in order.lines
        ],
        payment_url=order.payment_url if history else None,
        history=[
            orders_pb2.StatusChange(
                status=STATUS[change.status], cause=change.cause, at=timestamp(change.at)
            )
            for change in (order.history if history else ())
        ],
    )


ORDERS = GrpcService(
    orders_pb2.DESCRIPTOR.services_by_name["Orders"],
    orders_pb2_grpc.add_OrdersServicer_to_server,
    OrdersServicer,
)
