"""The notifications HTTP API: the log of e-mails, for staff (everyone's) and customers (own)."""

from typing import Any

from flask import Blueprint, g, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from mercado_notifications.adapters.repository import Filters
from mercado_notifications.domain.errors import NotificationNotFound
from mercado_notifications.domain.model import Notification, Status
from mercado_notifications.service_layer import queries
from mercado_notifications.service_layer.dependencies import Dependencies
from mercado_platform.auth import caller, requires
from mercado_platform.openapi import answers
from mercado_platform.pagination import PageQuery, page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate

READ_OWN, READ_ANY = "notifications:read", "notifications:read:any"
blueprint = Blueprint("notifications", __name__, url_prefix="/api/notifications")


class MyNotificationsQuery(PageQuery):
    """Filters of `GET /api/notifications/me`."""

    event_type: str | None = Field(None, max_length=64)
    status: Status | None = None
    order_id: str | None = Field(None, max_length=64)


class NotificationsQuery(MyNotificationsQuery):
    """Filters of `GET /api/notifications`."""

    recipient: str | None = Field(None, max_length=320)
    customer_id: str | None = Field(None, max_length=64)


@blueprint.get("")
@requires(READ_ANY)
@validate(query=NotificationsQuery)
@answers(200)
def list_all(query: NotificationsQuery) -> ResponseReturnValue:
    """Every notification, newest first, filtered."""
    filters = Filters(
        query.customer_id or None,
        query.recipient or None,
        query.event_type or None,
        query.status,
        query.order_id or None,
    )
    return _page(filters, query)


@blueprint.get("/me")
@requires(READ_OWN)
@validate(query=MyNotificationsQuery)
@answers(200)
def list_mine(query: MyNotificationsQuery) -> ResponseReturnValue:
    """The caller's own notifications, newest first."""
    filters = Filters(
        g.principal.subject,
        event_type=query.event_type or None,
        status=query.status,
        order_id=query.order_id or None,
    )
    return _page(filters, query)


@blueprint.get("/<id:notification_id>")
@requires()
@answers(200, NotificationNotFound)
def show(notification_id: str) -> ResponseReturnValue:
    """One notification: the caller's own, or anyone's with notifications:read:any."""
    notes: Dependencies = dependencies()
    note = queries.get_notification(notes.uow(), notification_id, caller(READ_OWN, READ_ANY))
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


def _page(filters: Filters, query: PageQuery) -> ResponseReturnValue:
    notes: Dependencies = dependencies()
    found, more = queries.list_notifications(notes.uow(), filters, query)
    return jsonify(page_body([view(note) for note in found], query, more))


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None
