"""The notifications HTTP API: the log of e-mails, for staff (everyone's) and customers (own)."""

from typing import Any

from flask import Blueprint, g, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field
from sqlalchemy import Select, func

from mercado_notifications.adapters.repository import (
    NotificationRepository,
    from_row,
    newest_first,
)
from mercado_notifications.adapters.tables import notifications
from mercado_notifications.domain.errors import NotificationNotFound
from mercado_notifications.domain.model import Notification, Status
from mercado_platform.auth import requires
from mercado_platform.errors import Forbidden, problem
from mercado_platform.pagination import PageQuery, fetch_page, page_body
from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate

READ_OWN, READ_ANY = "notifications:read", "notifications:read:any"


class MyNotificationsQuery(PageQuery):
    """Filters of `GET /api/notifications/me`."""

    event_type: str | None = Field(None, max_length=64)
    status: Status | None = None
    order_id: str | None = Field(None, max_length=64)


class NotificationsQuery(MyNotificationsQuery):
    """Filters of `GET /api/notifications`."""

    recipient: str | None = Field(None, max_length=320)
    customer_id: str | None = Field(None, max_length=64)


def notifications_blueprint() -> Blueprint:
    """Routes under /api/notifications (the prefix the gateway sends here)."""
    blueprint = Blueprint("notifications", __name__, url_prefix="/api/notifications")
    blueprint.add_url_rule("", view_func=list_all, methods=["GET"])
    blueprint.add_url_rule("/me", view_func=list_mine, methods=["GET"])
    blueprint.add_url_rule("/<notification_id>", view_func=show, methods=["GET"])

    @blueprint.errorhandler(NotificationNotFound)
    def not_found(exc: NotificationNotFound) -> ResponseReturnValue:
        return problem(404, exc.code, str(exc))

    return blueprint


@requires(READ_ANY)
@validate(query=NotificationsQuery)
def list_all(query: NotificationsQuery) -> ResponseReturnValue:
    """Every notification, newest first, filtered."""
    statement = _filtered(newest_first(), query)
    if query.recipient:
        statement = statement.where(
            func.lower(notifications.c.recipient) == query.recipient.lower()
        )
    if query.customer_id:
        statement = statement.where(notifications.c.customer_id == query.customer_id)
    return _page(statement, query)


@requires(READ_OWN)
@validate(query=MyNotificationsQuery)
def list_mine(query: MyNotificationsQuery) -> ResponseReturnValue:
    """The caller's own notifications, newest first."""
    statement = newest_first().where(notifications.c.customer_id == g.principal.subject)
    return _page(_filtered(statement, query), query)


@requires()
def show(notification_id: str) -> ResponseReturnValue:
    """One notification: the caller's own, or anyone's with notifications:read:any."""
    principal = g.principal
    any_one = principal.has_scope(READ_ANY)
    if not (any_one or principal.has_scope(READ_OWN)):
        raise Forbidden(f"This needs {READ_OWN} (or {READ_ANY}).", code="insufficient_scope")
    with unit_of_work().reading() as uow:
        note = NotificationRepository(uow.session).get(notification_id)
    if note is None or not (any_one or note.customer_id == principal.subject):
        raise NotificationNotFound(notification_id)
    return jsonify(view(note))


def view(note: Notification) -> dict[str, Any]:
    """A notification as JSON."""
    return {
        "id": note.id,
        "event_type": note.event_type,
        "event_id": note.event_id,
        "audience": note.audience,
        "order_id": note.order_id,
        "customer_id": note.customer_id,
        "recipient": note.recipient,
        "subject": note.subject,
        "status": note.status,
        "attempts": note.attempts,
        "last_error": note.last_error,
        "created_at": _iso(note.created_at),
        "updated_at": _iso(note.updated_at),
        "next_attempt_at": _iso(note.next_attempt_at),
        "sent_at": _iso(note.sent_at),
    }


def _filtered(statement: Select[Any], query: MyNotificationsQuery) -> Select[Any]:
    if query.event_type:
        statement = statement.where(notifications.c.event_type == query.event_type)
    if query.status:
        statement = statement.where(notifications.c.status == query.status.value)
    if query.order_id:
        statement = statement.where(notifications.c.order_id == query.order_id)
    return statement


def _page(statement: Select[Any], query: PageQuery) -> ResponseReturnValue:
    with unit_of_work().reading() as uow:
        rows, has_more = fetch_page(uow.session, statement, query, rows=True)
    return jsonify(page_body([view(from_row(row)) for row in rows], query, has_more))


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None
