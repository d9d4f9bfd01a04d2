"""The payments HTTP API: a payment by order, the staff listing, and Stripe's webhook."""

import time

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from mercado_payments.adapters.repository import PaymentRepository, payment_from_row, payments_query
from mercado_payments.config import Settings
from mercado_payments.domain.errors import PaymentNotFound
from mercado_payments.domain.model import Status
from mercado_payments.entrypoints import views
from mercado_payments.service_layer import webhooks
from mercado_platform.auth import requires
from mercado_platform.errors import Forbidden, ServiceUnavailable
from mercado_platform.pagination import PageQuery, fetch_page, page_body
from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate


class PaymentsQuery(PageQuery):
    """`?status=` on top of paging."""

    status: Status | None = None


def payments_blueprint() -> Blueprint:
    """Routes under /api/payments."""
    blueprint = Blueprint("payments", __name__, url_prefix="/api/payments")
    blueprint.add_url_rule("", view_func=list_payments, methods=["GET"])
    blueprint.add_url_rule("/webhook", view_func=webhook, methods=["POST"])
    blueprint.add_url_rule("/<order_id>", view_func=show, methods=["GET"])
    views.register_domain_errors(blueprint)
    return blueprint


@requires("payments:read:any")
@validate(query=PaymentsQuery)
def list_payments(query: PaymentsQuery) -> ResponseReturnValue:
    """Every payment, newest first, optionally in one status (staff)."""
    with unit_of_work().reading() as uow:
        rows, has_more = fetch_page(uow.session, payments_query(query.status), query, rows=True)
    items = [views.detail(payment_from_row(row)) for row in rows]
    return jsonify(page_body(items, query, has_more))


@requires()
def show(order_id: str) -> ResponseReturnValue:
    """The payment of one order, for its customer or staff."""
    principal = g.principal
    any_payment = principal.has_scope("payments:read:any")
    if not (any_payment or principal.has_scope("payments:read")):
        raise Forbidden("This needs payments:read.", code="insufficient_scope")
    with unit_of_work().reading() as uow:
        payment = PaymentRepository(uow.session).for_order(order_id)
    if payment is None or not (any_payment or payment.customer_id == principal.subject):
        raise PaymentNotFound(f"There is no payment for order {order_id}.")
    return jsonify(views.detail(payment))


def webhook() -> ResponseReturnValue:
    """Stripe's events: 400 unless signed with our secret; each event id applied once."""
    settings: Settings = current_app.extensions["mercado.settings"]
    received = webhooks.receive(
        unit_of_work(),
        request.get_data(cache=False),
        request.headers.get("Stripe-Signature"),
        webhook_secret(settings),
        now=time.time(),
        tolerance=settings.webhook_tolerance_seconds,
    )
    return jsonify(received=True, outcome=received.outcome)


def webhook_secret(settings: Settings) -> str:
    """The secret webhooks are signed with; without one nothing can be verified."""
    if not settings.stripe_webhook_secret:
        raise ServiceUnavailable(
            "Set STRIPE_WEBHOOK_SECRET to receive webhooks.", code="webhook_secret_unset"
        )
    return settings.stripe_webhook_secret
