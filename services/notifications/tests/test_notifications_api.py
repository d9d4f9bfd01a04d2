"""The notification log over HTTP: customers read their own, staff read everyone's,
filtered and paginated; everything else is a clear 401, 403, 404 or 422."""

import uuid

import pytest

from mercado_notifications.config import Settings

from .conftest import STAFF_SCOPES
from .recorder import Recorder

STAFF = "Ops <ops@mercado.test>,keeper@mercado.test"


@pytest.fixture
def log(notifications_db, database_url, amqp_url, smtp_sink):
    settings = Settings(
        database_url=database_url, amqp_url=amqp_url, staff_emails=STAFF, smtp_attempts=1
    )
    return Recorder(notifications_db, settings, smtp_sink)


@pytest.fixture
def people(log, bearer, smtp_sink):
    """Ana (2 e-mails, the first refused), Bia (1 e-mail), two staff e-mails, and a staff
    member's headers."""
    ana, ana_headers = bearer()
    bia, bia_headers = bearer()
    log.customer(ana, "Ana@Example.com")
    log.customer(bia, "bia@example.com")
    order_a, order_b = str(uuid.uuid4()), str(uuid.uuid4())
    link = {"payment_id": "p", "url": "https://pay.test/x", "expires_at": "2030-01-01T00:00:00Z"}
    log.event("payment.link_created", order_id=order_a, customer_id=ana, **link)
    log.event("order.paid", order_id=order_a, customer_id=ana, total="9.90", currency="brl")
    log.event("payment.link_created", order_id=order_b, customer_id=bia, **link)
    log.event("stock.low", product_id="p1", sku="S", name="Mug", available=1, minimum=2)
    smtp_sink.refuse_next(1, "550 5.1.1 No such mailbox")
    log.deliver_all()
    _staff, staff_headers = bearer(STAFF_SCOPES, roles=("staff",))
    return {
        "ana": (ana, ana_headers, order_a),
        "bia": (bia, bia_headers, order_b),
        "staff": staff_headers,
    }


def items(response) -> list[dict]:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.mark.parametrize(
    "path", ["/api/notifications", "/api/notifications/me", "/api/notifications/x-1"]
)
def test_no_token_is_401(client, path):
    response = client.get(path)
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"
    bad = client.get(path, headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401 and bad.get_json()["code"] == "invalid_token"


def test_a_customer_sees_only_their_own(client, people):
    ana, headers, order = people["ana"]
    mine = items(client.get("/api/notifications/me", headers=headers))
    assert [n["event_type"] for n in mine] == ["order.paid", "payment.link_created"]
    assert {n["customer_id"] for n in mine} == {ana} and {n["order_id"] for n in mine} == {order}
    refused = mine[1]
    assert (refused["status"], refused["attempts"]) == ("failed", 1)
    assert refused["last_error"] == "550 5.1.1 No such mailbox"
    assert mine[0]["status"] == "sent" and mine[0]["subject"].startswith("We received")
    own = client.get(f"/api/notifications/{refused['id']}", headers=headers)
    assert own.status_code == 200 and own.get_json() == refused
    only_paid = client.get("/api/notifications/me?event_type=order.paid", headers=headers)
    assert [n["event_type"] for n in items(only_paid)] == ["order.paid"]


def test_a_customer_cannot_see_others_or_the_whole_log(client, people):
    _ana, headers, _order = people["ana"]
    [bias] = items(client.get("/api/notifications/me", headers=people["bia"][1]))
    other = client.get(f"/api/notifications/{bias['id']}", headers=headers)
    assert other.status_code == 404 and other.get_json()["code"] == "notification_not_found"
    whole = client.get("/api/notifications", headers=headers)
    assert whole.status_code == 403 and whole.get_json()["code"] == "insufficient_scope"


def test_staff_see_everything_and_filter_it(client, people):
    staff = people["staff"]
    everything = items(client.get("/api/notifications", headers=staff))
    assert len(everything) == 5
    assert sum(n["audience"] == "staff" for n in everything) == 2

    def found(query: str) -> list[dict]:
        return items(client.get(f"/api/notifications?{query}", headers=staff))

    ana, _headers, order = people["ana"]
    assert len(found(f"customer_id={ana}")) == 2
    assert [n["customer_id"] for n in found("recipient=ana@EXAMPLE.com")] == [ana, ana]
    assert len(found("event_type=stock.low")) == 2
    assert [n["customer_id"] for n in found("status=failed")] == [ana]
    assert len(found(f"order_id={order}&event_type=order.paid&status=sent")) == 1
    any_one = client.get(f"/api/notifications/{everything[-1]['id']}", headers=staff)
    assert any_one.status_code == 200
    assert client.get("/api/notifications/nope", headers=staff).status_code == 404
    assert client.get("/api/notifications/me", headers=staff).status_code == 403


def test_a_token_without_notification_scopes_is_403(client, people, bearer):
    _someone, headers = bearer("orders:read profile")
    [bias] = items(client.get("/api/notifications/me", headers=people["bia"][1]))
    response = client.get(f"/api/notifications/{bias['id']}", headers=headers)
    assert response.status_code == 403 and response.get_json()["code"] == "insufficient_scope"


def test_the_log_is_paginated(client, people):
    staff = people["staff"]
    first = client.get("/api/notifications?limit=2", headers=staff).get_json()
    assert (len(first["items"]), first["limit"], first["offset"]) == (2, 2, 0)
    assert first["next"] == "/api/notifications?limit=2&offset=2"
    second = client.get(first["next"], headers=staff).get_json()
    third = client.get(second["next"], headers=staff).get_json()
    assert len(third["items"]) == 1 and third["next"] is None
    ids = [n["id"] for page in (first, second, third) for n in page["items"]]
    assert len(set(ids)) == 5


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "offset=-1", "status=lost", "colour=blue"]
)
def test_bad_query_strings_are_422(client, people, query):
    response = client.get(f"/api/notifications?{query}", headers=people["staff"])
    assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"
