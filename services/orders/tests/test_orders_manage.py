"""Listing, reading, cancelling and fulfilling orders; staff views of stuck orders."""

import pytest
from sqlalchemy import text

from .support import outbox, product


@pytest.fixture
def mug(orders_db, inventory):
    mug = product(orders_db, "Mug", "19.99")
    inventory.stock = {mug: ("19.99", 100)}
    return mug


def place(shopper, mug, quantity: int = 1) -> str:
    return shopper.order([(mug, quantity, "19.99")]).get_json()["order_id"]


def set_status(orders_db, order_id: str, status: str, age_seconds: int = 0) -> None:
    with orders_db.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE orders SET status = :status, "
                "status_since = now() - make_interval(secs => :age) WHERE id = :id"
            ),
            {"status": status, "age": age_seconds, "id": order_id},
        )


def test_customers_see_only_their_orders_staff_see_all(client, shopper, shopper_for, staff, mug):
    other = shopper_for(client)
    mine = [place(shopper, mug) for _ in range(3)]
    theirs = place(other, mug)
    listed = shopper.get("/api/orders?limit=2").get_json()
    assert [o["order_id"] for o in listed["items"]] == mine[::-1][:2]
    assert listed["next"] == "/api/orders?limit=2&offset=2"
    assert shopper.get(f"/api/orders/{theirs}").status_code == 404
    everyone = staff.get("/api/orders?limit=100").get_json()["items"]
    assert {o["order_id"] for o in everyone} == {*mine, theirs}
    only_other = staff.get(f"/api/orders?customer_id={other.id}").get_json()["items"]
    assert [o["order_id"] for o in only_other] == [theirs]


def test_listing_filters_by_status_and_date(shopper, mug, orders_db):
    first, second = place(shopper, mug), place(shopper, mug)
    set_status(orders_db, first, "paid")
    paid = shopper.get("/api/orders?status=paid").get_json()["items"]
    assert [o["order_id"] for o in paid] == [first]
    assert shopper.get("/api/orders?created_from=2999-01-01T00:00:00Z").get_json()["items"] == []
    assert len(shopper.get("/api/orders?created_to=2999-01-01T00:00:00Z").get_json()["items"]) == 2
    assert shopper.get("/api/orders?status=lost").status_code == 422
    assert second


def test_cancel_publishes_once_and_a_second_cancel_is_a_409(shopper, mug, orders_db):
    order_id = place(shopper, mug)
    cancelled = shopper.post(f"/api/orders/{order_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = shopper.post(f"/api/orders/{order_id}/cancel")
    assert again.status_code == 409 and again.get_json()["code"] == "illegal_transition"
    [event] = outbox(orders_db, "order.cancelled")
    assert event["data"] == {
        "order_id": order_id,
        "customer_id": shopper.id,
        "reason": "cancelled_by_customer",
        "was_paid": False,
    }


def test_cancelling_a_paid_order_asks_for_a_refund(shopper, staff, mug, orders_db):
    order_id = place(shopper, mug)
    set_status(orders_db, order_id, "paid")
    assert staff.post(f"/api/orders/{order_id}/cancel").status_code == 403
    assert shopper.post(f"/api/orders/{order_id}/cancel").status_code == 200
    [event] = outbox(orders_db, "order.cancelled")
    assert event["data"]["was_paid"] is True


def test_only_staff_fulfil_and_only_paid_orders(shopper, staff, mug, orders_db):
    order_id = place(shopper, mug)
    assert shopper.post(f"/api/orders/{order_id}/fulfil").status_code == 403
    assert staff.post(f"/api/orders/{order_id}/fulfil").status_code == 409
    set_status(orders_db, order_id, "paid")
    fulfilled = staff.post(f"/api/orders/{order_id}/fulfil").get_json()
    assert fulfilled["status"] == "completed"
    assert fulfilled["history"][-1]["cause"].startswith("fulfilled by")


def test_staff_list_stuck_orders_and_retry_their_step(shopper, staff, mug, orders_db):
    stuck, fresh = place(shopper, mug), place(shopper, mug)
    set_status(orders_db, stuck, "received", age_seconds=3600)
    listed = staff.get("/api/orders/stuck?older_than_seconds=600").get_json()["items"]
    assert [o["order_id"] for o in listed] == [stuck]
    assert listed[0]["last_event"] is None and fresh
    assert shopper.get("/api/orders/stuck").status_code == 403
    retried = staff.post(f"/api/orders/{stuck}/retry")
    assert retried.status_code == 200
    assert [e["data"]["order_id"] for e in outbox(orders_db, "order.placed")].count(stuck) == 2
    set_status(orders_db, stuck, "completed")
    assert staff.post(f"/api/orders/{stuck}/retry").status_code == 409


def test_unknown_order_is_a_404_with_a_code(shopper):
    response = shopper.get("/api/orders/does-not-exist")
    assert response.status_code == 404 and response.get_json()["code"] == "order_not_found"


def test_openapi_describes_every_orders_route(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {
        "/api/orders",
        "/api/orders/stuck",
        "/api/orders/{order_id}",
        "/api/orders/{order_id}/cancel",
        "/api/orders/{order_id}/fulfil",
        "/api/orders/{order_id}/retry",
    } <= set(paths)
    assert "requestBody" in paths["/api/orders"]["post"]


def test_a_received_order_can_be_edited_and_is_placed_again(
    shopper, shopper_for, client, mug, orders_db, inventory
):
    tea = product(orders_db, "Tea", "29.99")
    inventory.stock[tea] = ("29.99", 10)
    order_id = place(shopper, mug)
    body = {"products": [{"product_id": tea, "quantity": 2, "price": 29.99}]}
    edited = shopper.client.patch(f"/api/orders/{order_id}", json=body, headers=shopper.headers)
    assert edited.status_code == 200
    shown = edited.get_json()
    assert shown["total"] == "59.98" and [i["product_id"] for i in shown["items"]] == [tea]
    assert shown["history"][-1]["cause"] == "items changed (revision 2)"
    placements = [e["data"] for e in outbox(orders_db, "order.placed")]
    assert [(p["revision"], p["total"]) for p in placements] == [(1, "19.99"), (2, "59.98")]
    stranger = shopper_for(client)
    assert (
        stranger.client.patch(
            f"/api/orders/{order_id}", json=body, headers=stranger.headers
        ).status_code
        == 404
    )


def test_editing_after_reservation_or_at_a_stale_price_is_refused(shopper, mug, orders_db):
    order_id = place(shopper, mug)
    stale = {"products": [{"product_id": mug, "quantity": 5, "price": 9.99}]}
    response = shopper.client.patch(f"/api/orders/{order_id}", json=stale, headers=shopper.headers)
    assert response.status_code == 409 and response.get_json()["code"] == "price_changed"
    set_status(orders_db, order_id, "awaiting_payment")
    fresh = {"products": [{"product_id": mug, "quantity": 5, "price": 19.99}]}
    response = shopper.client.patch(f"/api/orders/{order_id}", json=fresh, headers=shopper.headers)
    assert response.status_code == 409 and response.get_json()["code"] == "order_not_editable"
    assert len(outbox(orders_db, "order.placed")) == 1
