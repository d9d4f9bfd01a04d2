"""The local provider's checkout page (Pay / Cancel as plain HTML forms) and the page a
customer comes back to from any checkout."""

import time

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from mercado_payments.domain.errors import CheckoutClosed, CheckoutNotFound
from mercado_payments.entrypoints.api import SECRET_UNSET, webhook_secret
from mercado_payments.service_layer import local_checkout
from mercado_payments.service_layer.dependencies import Dependencies
from mercado_platform.errors import NotFound
from mercado_platform.ids import canonical_id
from mercado_platform.money import money
from mercado_platform.openapi import answers
from mercado_platform.service import dependencies

blueprint = Blueprint("checkout", __name__, url_prefix="/api/payments", template_folder="templates")


@blueprint.get("/checkout/<session_id>")
@answers(200, CheckoutNotFound, content="text/html")
def page(session_id: str) -> ResponseReturnValue:
    """The order's amount with Pay and Cancel buttons."""
    payments: Dependencies = dependencies()
    payment = local_checkout.find_checkout(payments.uow(), session_id)
    amount = money(payment.amount, payment.currency)
    return render_template("checkout.html", payment=payment, amount=amount)


@blueprint.post("/checkout/<session_id>/pay")
@answers(200, CheckoutNotFound, CheckoutClosed, SECRET_UNSET, content="text/html")
def pay(session_id: str) -> ResponseReturnValue:
    """The customer pays: a signed checkout.session.completed goes through the webhook."""
    return _press(session_id, "pay")


@blueprint.post("/checkout/<session_id>/cancel")
@answers(200, CheckoutNotFound, CheckoutClosed, SECRET_UNSET, content="text/html")
def cancel(session_id: str) -> ResponseReturnValue:
    """The customer gives up: a signed checkout.session.expired goes through the webhook."""
    return _press(session_id, "cancel")


@blueprint.get("/<id:order_id>/result")
@answers(200, (NotFound, "order_not_found"), content="text/html", database=False)
def result(order_id: str) -> ResponseReturnValue:
    """Where a checkout sends the customer back; the order's page shows what happened."""
    if canonical_id(order_id) is None:
        raise NotFound(f"There is no order {order_id}.", code="order_not_found")
    return render_template("result.html", order_id=order_id)


def _press(session_id: str, button: str) -> ResponseReturnValue:
    payments: Dependencies = dependencies()
    payment = local_checkout.press(
        payments.uow(),
        session_id,
        button,
        webhook_secret(payments.webhooks),
        now=time.time(),
        tolerance=payments.webhooks.tolerance_seconds,
    )
    amount = money(payment.amount, payment.currency)
    return render_template("pressed.html", payment=payment, amount=amount)
