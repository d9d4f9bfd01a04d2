"""The local provider's checkout page (Pay / Cancel as plain HTML forms) and the page a
customer comes back to from any checkout."""

import time

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from mercado_payments.config import Settings
from mercado_payments.domain.money import money
from mercado_payments.entrypoints import views
from mercado_payments.entrypoints.api import webhook_secret
from mercado_payments.service_layer import local_checkout
from mercado_platform.service import unit_of_work


def checkout_blueprint() -> Blueprint:
    """Routes under /api/payments/checkout/ and the return page."""
    blueprint = Blueprint(
        "checkout", __name__, url_prefix="/api/payments", template_folder="templates"
    )
    blueprint.add_url_rule("/checkout/<session_id>", view_func=page, methods=["GET"])
    blueprint.add_url_rule("/checkout/<session_id>/pay", view_func=pay, methods=["POST"])
    blueprint.add_url_rule("/checkout/<session_id>/cancel", view_func=cancel, methods=["POST"])
    blueprint.add_url_rule("/<order_id>/result", view_func=result, methods=["GET"])
    views.register_domain_errors(blueprint)
    return blueprint


def page(session_id: str) -> ResponseReturnValue:
    """The order's amount with Pay and Cancel buttons."""
    payment = local_checkout.find_checkout(unit_of_work(), session_id)
    amount = money(payment.amount, payment.currency)
    return render_template("checkout.html", payment=payment, amount=amount)


def pay(session_id: str) -> ResponseReturnValue:
    """The customer pays: a signed checkout.session.completed goes through the webhook."""
    return _press(session_id, "pay")


def cancel(session_id: str) -> ResponseReturnValue:
    """The customer gives up: a signed checkout.session.expired goes through the webhook."""
    return _press(session_id, "cancel")


def result(order_id: str) -> ResponseReturnValue:
    """Where a checkout sends the customer back; the order's page shows what happened."""
    return render_template("result.html", order_id=order_id)


def _press(session_id: str, button: str) -> ResponseReturnValue:
    settings: Settings = current_app.extensions["mercado.settings"]
    payment = local_checkout.press(
        unit_of_work(),
        session_id,
        button,
        webhook_secret(settings),
        now=time.time(),
        tolerance=settings.webhook_tolerance_seconds,
    )
    amount = money(payment.amount, payment.currency)
    return render_template("pressed.html", payment=payment, amount=amount)
