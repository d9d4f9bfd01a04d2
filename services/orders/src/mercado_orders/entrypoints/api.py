"""The orders HTTP API: seed 001's POST /api/orders, listing, reading, cancelling."""

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select

from mercado_orders.adapters.inventory import availability_check
from mercado_orders.adapters.repository import (
    OrderRepository,
    order_from_row,
    orders_query,
    stuck_query,
)
from mercado_orders.adapters.tables import orders
from mercado_orders.domain.model import Order
from mercado_orders.domain.pricing import RequestedLine
from mercado_orders.entrypoints import views
from mercado_orders.entrypoints.schemas import (
    EditOrderBody,
    OrdersQuery,
    PlaceOrderBody,
    ProductLine,
    StuckQuery,
)
from mercado_orders.service_layer import managing
from mercado_orders.service_layer.managing import Caller
from mercado_orders.service_layer.ordering import Availability, PlaceOrder, place_order
from mercado_platform.auth import requires
from mercado_platform.errors import Forbidden, MalformedRequest
from mercado_platform.pagination import PageQuery, fetch_page, page_body
from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate

MAX_KEY_LENGTH = 255


def orders_blueprint() -> Blueprint:
    """Routes under /api/orders."""
    blueprint = Blueprint("orders", __name__, url_prefix="/api/orders")
    blueprint.add_url_rule("", view_func=create, methods=["POST"])
    blueprint.add_url_rule("", view_func=list_orders, methods=["GET"])
    blueprint.add_url_rule("/stuck", view_func=list_stuck, methods=["GET"])
    blueprint.add_url_rule("/<order_id>", view_func=show, methods=["GET"])
    blueprint.add_url_rule("/<order_id>", view_func=edit, methods=["PATCH"])
    blueprint.add_url_rule("/<order_id>/cancel", view_func=cancel, methods=["POST"])
    blueprint.add_url_rule("/<order_id>/fulfil", view_func=fulfil, methods=["POST"])
    blueprint.add_url_rule("/<order_id>/retry", view_func=retry, methods=["POST"])
    views.register_domain_errors(blueprint)
    return blueprint


@requires("orders:write")
@validate(body=PlaceOrderBody)
def create(body: PlaceOrderBody) -> ResponseReturnValue:
    """Place an order (seed 001); prices are checked against the catalogue."""
    principal = g.principal
    if body.customer_id != principal.subject and not principal.has_scope("orders:write:any"):
        raise Forbidden("You can only place orders for yourself.", code="not_your_customer_id")
    command = PlaceOrder(
        customer_id=body.customer_id,
        lines=_requested(body.products),
        currency=current_app.extensions["mercado.settings"].currency,
        caller=principal.subject,
        request=body.model_dump(mode="json"),
        idempotency_key=_idempotency_key(),
    )
    answer = place_order(unit_of_work(), command, _inventory())
    response = jsonify(answer.body)
    response.status_code = answer.status
    response.headers["Location"] = f"/api/orders/{answer.body['order_id']}"
    return response


@requires()
@validate(query=OrdersQuery)
def list_orders(query: OrdersQuery) -> ResponseReturnValue:
    """The caller's orders (everyone's with `orders:read:any`), newest first."""
    caller = _caller("orders:read", "orders:read:any")
    statement = orders_query()
    if not caller.any_order:
        statement = statement.where(orders.c.customer_id == caller.subject)
    elif query.customer_id:
        statement = statement.where(orders.c.customer_id == query.customer_id)
    if query.status:
        statement = statement.where(orders.c.status == query.status.value)
    if query.created_from:
        statement = statement.where(orders.c.created_at >= query.created_from)
    if query.created_to:
        statement = statement.where(orders.c.created_at < query.created_to)
    return _page(statement, query, views.summary)


@requires("orders:fulfil")
@validate(query=StuckQuery)
def list_stuck(query: StuckQuery) -> ResponseReturnValue:
    """Open orders whose status has not moved for a while, with the last event seen."""
    older_than = datetime.now(UTC) - timedelta(seconds=query.older_than_seconds)
    return _page(stuck_query(older_than, query.status), query, views.stuck)


@requires()
def show(order_id: str) -> ResponseReturnValue:
    """One order with its lines, status history and payment link."""
    with unit_of_work().reading() as uow:
        order = managing.load(
            OrderRepository(uow.session), order_id, _caller("orders:read", "orders:read:any")
        )
    return jsonify(views.detail(order))


@requires()
@validate(body=EditOrderBody)
def edit(order_id: str, body: EditOrderBody) -> ResponseReturnValue:
    """Change the items of an order still `received`, at current catalogue prices."""
    lines = _requested(body.products)
    caller = _caller("orders:write", "orders:write:any")
    order = managing.edit_order(unit_of_work(), order_id, lines, caller, _inventory())
    return jsonify(views.detail(order))


@requires()
def cancel(order_id: str) -> ResponseReturnValue:
    """Cancel an order; stock is released and a paid order refunded."""
    return _act(managing.cancel_order, order_id, ("orders:write", "orders:write:any"))


@requires("orders:fulfil")
def fulfil(order_id: str) -> ResponseReturnValue:
    """Staff mark a paid order as delivered: it is completed."""
    return _act(managing.fulfil_order, order_id, ("orders:fulfil", "orders:fulfil"))


@requires("orders:fulfil")
def retry(order_id: str) -> ResponseReturnValue:
    """Staff re-send the event a stuck order waits on."""
    return _act(managing.retry_step, order_id, ("orders:fulfil", "orders:fulfil"))


def _act(action: Any, order_id: str, scopes: tuple[str, str]) -> ResponseReturnValue:
    order: Order = action(unit_of_work(), order_id, _caller(*scopes))
    return jsonify(views.detail(order))


def _page(statement: Select, query: PageQuery, render: Any) -> ResponseReturnValue:
    with unit_of_work().reading() as uow:
        rows, has_more = fetch_page(uow.session, statement, query, rows=True)
        lines = OrderRepository(uow.session).lines_of(row.id for row in rows)
    items = [render(row, order_from_row(row, lines.get(row.id, []))) for row in rows]
    return jsonify(page_body(items, query, has_more))


def _requested(products: list[ProductLine]) -> list[RequestedLine]:
    return [RequestedLine(p.product_id, p.quantity, p.price) for p in products]


def _caller(own_scope: str, any_scope: str) -> Caller:
    """Who calls, refused unless they hold the scope for their own orders or for any."""
    principal = g.principal
    any_order = principal.has_scope(any_scope)
    if not (any_order or principal.has_scope(own_scope)):
        raise Forbidden(
            f"This needs the scope {own_scope} (or {any_scope}).", code="insufficient_scope"
        )
    return Caller(principal.subject, any_order=any_order)


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key.strip()) <= MAX_KEY_LENGTH:
        raise MalformedRequest(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
            code="invalid_idempotency_key",
        )
    return key.strip() if key else None


def _inventory() -> Availability:
    """The app's one inventory client: one breaker and one connection pool per process."""
    extensions = current_app.extensions
    if "orders.inventory" not in extensions:
        # setdefault is atomic: threads racing on the first requests all keep the same one
        extensions.setdefault(
            "orders.inventory", availability_check(extensions["mercado.settings"])
        )
    return extensions["orders.inventory"]
