"""The payments HTTP API: a payment by order, the staff listing, and Stripe's webhook."""

import time

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mercado_payments.domain.errors import (
    MalformedEvent,
    PaymentNotFound,
    SignatureExpired,
    SignatureMalformed,
    SignatureMismatch,
    SignatureMissing,
)
from mercado_payments.domain.model import Status
from mercado_payments.entrypoints import views
from mercado_payments.service_layer import queries, webhooks
from mercado_payments.service_layer.dependencies import Dependencies, Webhooks
from mercado_platform.auth import caller, requires
from mercado_platform.errors import ServiceUnavailable
from mercado_platform.openapi import answers
from mercado_platform.pagination import PageQuery, page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate

READ, READ_ANY = "payments:read", "payments:read:any"
SECRET_UNSET = (ServiceUnavailable, "webhook_secret_unset")
blueprint = Blueprint("payments", __name__, url_prefix="/api/payments")


class PaymentsQuery(PageQuery):
    """`?status=` on top of paging."""

    status: Status | None = None


@blueprint.get("")
@requires(READ_ANY)
@validate(query=PaymentsQuery)
@answers(200)
def list_payments(query: PaymentsQuery) -> ResponseReturnValue:
    """Every payment, newest first, optionally in one status (staff)."""
    payments: Dependencies = dependencies()
    found, more = queries.list_payments(payments.uow(), query, query.status)
    return jsonify(page_body([views.detail(payment) for payment in found], query, more))


@blueprint.post("/webhook")
@answers(
    200,
    SignatureMissing,
    SignatureMalformed,
    SignatureMismatch,
    SignatureExpired,
    MalformedEvent,
    SECRET_UNSET,
    headers={"Stripe-Signature": {"type": "string", "pattern": "^[^\\x00]*$"}},
)
def webhook() -> ResponseReturnValue:
    """Stripe's events: 400 unless signed with our secret; each event id applied once."""
    payments: Dependencies = dependencies()
    received = webhooks.receive(
        payments.uow(),
        request.get_data(cache=False),
        request.headers.get("Stripe-Signature"),
        webhook_secret(payments.webhooks),
        now=time.time(),
        tolerance=payments.webhooks.tolerance_seconds,
    )
    return jsonify(received=True, outcome=received.outcome)


@blueprint.get("/<id:order_id>")
@requires()
@answers(200, PaymentNotFound)
def show(order_id: str) -> ResponseReturnValue:
    """The payment of one order, for its customer or staff."""
    payments: Dependencies = dependencies()
    payment = queries.payment_of_order(payments.uow(), order_id, caller(READ, READ_ANY))
    return jsonify(views.detail(payment))


def webhook_secret(settings: Webhooks) -> str:
    """The secret webhooks are signed with; without one nothing can be verified."""
    if not settings.secret:
        raise ServiceUnavailable(
            "Set STRIPE_WEBHOOK_SECRET to receive webhooks.", code="webhook_secret_unset"
        )
    return settings.secret
