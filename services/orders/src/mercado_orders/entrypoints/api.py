"""The orders HTTP API: placing, listing, reading, editing, cancelling and fulfilling orders."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from mercado_orders.adapters.repository import Filters, Listed
from mercado_orders.domain.errors import (
    CatalogueUnavailable,
    CustomerInactive,
    IdempotencyKeyReused,
    IllegalTransition,
    InsufficientStock,
    OrderNotEditable,
    OrderNotFound,
    PriceChanged,
    UnknownProducts,
)
from mercado_orders.domain.model import Order
from mercado_orders.entrypoints import views
from mercado_orders.entrypoints.commands import (
    FULFIL,
    KEY_PATTERN,
    READ,
    READ_ANY,
    WRITE,
    WRITE_ANY,
    place_command,
    requested,
)
from mercado_orders.entrypoints.schemas import (
    PLACE_ORDER_EXAMPLE,
    PLACED_EXAMPLE,
    EditOrderBody,
    OrderPlaced,
    OrdersQuery,
    PlaceOrderBody,
    StuckQuery,
)
from mercado_orders.service_layer import managing, queries
from mercado_orders.service_layer.dependencies import Dependencies
from mercado_orders.service_layer.ordering import place_order
from mercado_platform.auth import caller, requires
from mercado_platform.errors import Forbidden, MalformedRequest
from mercado_platform.openapi import answers
from mercado_platform.pagination import PageQuery, page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate

PRICING = (UnknownProducts, PriceChanged, InsufficientStock, CatalogueUnavailable)
ORDER_LINKS = {
    operation: {"order_id": "$response.body#/order_id"}
    for operation in ("orders.show", "orders.edit", "orders.cancel")
}
blueprint = Blueprint("orders", __name__, url_prefix="/api/orders")


@blueprint.post("")
@requires(WRITE)
@validate(body=PlaceOrderBody)
@answers(
    200,
    (Forbidden, "not_your_customer_id"),
    (MalformedRequest, "invalid_idempotency_key"),
    CustomerInactive,
    IdempotencyKeyReused,
    *PRICING,
    schema=OrderPlaced,
    example=PLACED_EXAMPLE,
    request_example=PLACE_ORDER_EXAMPLE,
    links=ORDER_LINKS,
    headers={"Idempotency-Key": {"type": "string", "pattern": KEY_PATTERN}},
)
def create(body: PlaceOrderBody) -> ResponseReturnValue:
    """Place an order; prices are checked against the catalogue."""
    orders: Dependencies = dependencies()
    key = request.headers.get("Idempotency-Key")
    command = place_command(body, g.principal, orders.currency, key)
    answer = place_order(orders.uow(), command, orders.inventory)
    response = jsonify(answer.body)
    response.status_code = answer.status
    response.headers["Location"] = f"/api/orders/{answer.body['order_id']}"
    return response


@blueprint.get("")
@requires()
@validate(query=OrdersQuery)
@answers(200)
def list_orders(query: OrdersQuery) -> ResponseReturnValue:
    """The caller's orders (everyone's with `orders:read:any`), newest first."""
    orders: Dependencies = dependencies()
    filters = Filters(query.customer_id, query.status, query.created_from, query.created_to)
    found = queries.list_orders(orders.uow(), caller(READ, READ_ANY), filters, query)
    return _page(found, query, lambda listed: views.summary(listed.order))


@blueprint.get("/stuck")
@requires(FULFIL)
@validate(query=StuckQuery)
@answers(200)
def list_stuck(query: StuckQuery) -> ResponseReturnValue:
    """Open orders whose status has not moved for a while, with the last event seen."""
    orders: Dependencies = dependencies()
    found = queries.list_stuck(orders.uow(), query.older_than_seconds, query.status, query)
    return _page(found, query, views.stuck)


@blueprint.get("/<id:order_id>")
@requires()
@answers(200, OrderNotFound)
def show(order_id: str) -> ResponseReturnValue:
    """One order with its lines, status history and payment link."""
    orders: Dependencies = dependencies()
    order = queries.get_order(orders.uow(), order_id, caller(READ, READ_ANY))
    return jsonify(views.detail(order))


@blueprint.patch("/<id:order_id>")
@requires()
@validate(body=EditOrderBody)
@answers(200, OrderNotFound, OrderNotEditable, *PRICING)
def edit(order_id: str, body: EditOrderBody) -> ResponseReturnValue:
    """Change the items of an order still `received`, at current catalogue prices."""
    orders: Dependencies = dependencies()
    lines = requested(body.products)
    who = caller(WRITE, WRITE_ANY)
    order = managing.edit_order(orders.uow(), order_id, lines, who, orders.inventory)
    return jsonify(views.detail(order))


@blueprint.post("/<id:order_id>/cancel")
@requires()
@answers(200, OrderNotFound, IllegalTransition)
def cancel(order_id: str) -> ResponseReturnValue:
    """Cancel an order; stock is released and a paid order refunded."""
    return _act(managing.cancel_order, order_id, WRITE, WRITE_ANY)


@blueprint.post("/<id:order_id>/fulfil")
@requires(FULFIL)
@answers(200, OrderNotFound, IllegalTransition)
def fulfil(order_id: str) -> ResponseReturnValue:
    """Staff mark a paid order as delivered: it is completed."""
    return _act(managing.fulfil_order, order_id, FULFIL, FULFIL)


@blueprint.post("/<id:order_id>/retry")
@requires(FULFIL)
@answers(200, OrderNotFound, IllegalTransition)
def retry(order_id: str) -> ResponseReturnValue:
    """Staff re-send the event a stuck order waits on."""
    return _act(managing.retry_step, order_id, FULFIL, FULFIL)


def _act(action: Any, order_id: str, own_scope: str, any_scope: str) -> ResponseReturnValue:
    orders: Dependencies = dependencies()
    order: Order = action(orders.uow(), order_id, caller(own_scope, any_scope))
    return jsonify(views.detail(order))


def _page(
    found: tuple[list[Listed], bool], query: PageQuery, render: Callable[[Listed], Any]
) -> ResponseReturnValue:
    listed, more = found
    return jsonify(page_body([render(entry) for entry in listed], query, more))
