"""Orders as a client meets them: seed 001's exact body and answer, listing, editing,
cancelling, and customer and product changes reaching orders' read model; with the
availability check over gRPC and over HTTP."""

import pytest

from mercado_platform.testing.polling import eventually

from .client import Client, new_product, register, wait_status

# Every test here runs with the availability check over gRPC, then over HTTP.
pytestmark = pytest.mark.usefixtures("availability_over")


def test_seed_001_body_and_answer(admin, customer, availability_checks):
    mug, shirt = new_product(admin, "19.99", 10), new_product(admin, "29.99", 10)
    body = {
        "customer_id": customer.id,
        "products": [
            {"product_id": mug, "quantity": 2, "price": 19.99},
            {"product_id": shirt, "quantity": 1, "price": 29.99},
        ],
    }
    checked = availability_checks()
    placed = customer.post("/api/orders", json=body)
    assert placed.status_code == 200, placed.text
    assert availability_checks() == checked + 1, "inventory was asked over this transport"
    answer = placed.json()
    assert set(answer) == {"order_id", "status", "message"}
    assert (answer["status"], answer["message"]) == ("received", "Order successfully placed.")
    order = wait_status(customer, answer["order_id"], "awaiting_payment")
    assert order["total"] == "69.97"
    stock = Client(admin.endpoints).get(f"/api/products/{mug}").json()
    assert (stock["on_hand"], stock["reserved"]) == (10, 2)


def test_list_edit_and_cancel(mercado, admin, customer):
    product = new_product(admin, "5.00", 10)
    mercado.running["inventory"].stop("consume")  # hold the order in `received` to edit it
    try:
        order_id = customer.post(
            "/api/orders",
            json={
                "customer_id": customer.id,
                "products": [{"product_id": product, "quantity": 1, "price": 5.00}],
            },
        ).json()["order_id"]
        edited = customer.patch(
            f"/api/orders/{order_id}",
            json={"products": [{"product_id": product, "quantity": 3, "price": 5.00}]},
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["total"] == "15.00"
    finally:
        mercado.running["inventory"].start("consume")
    wait_status(customer, order_id, "awaiting_payment")
    listed = customer.get("/api/orders").json()
    assert [o["order_id"] for o in listed["items"]] == [order_id]
    late = customer.patch(
        f"/api/orders/{order_id}",
        json={"products": [{"product_id": product, "quantity": 1, "price": 5.00}]},
    )
    assert (late.status_code, late.json()["code"]) == (409, "order_not_editable")
    assert customer.post(f"/api/orders/{order_id}/cancel").status_code == 200
    wait_status(customer, order_id, "cancelled")
    eventually(
        lambda: Client(admin.endpoints).get(f"/api/products/{product}").json()["reserved"] == 0,
        timeout=30,
        what="stock released",
    )


def test_others_orders_are_not_yours(api, admin, customer):
    product = new_product(admin, "3.00", 5)
    line = [{"product_id": product, "quantity": 1, "price": 3.00}]
    stranger = register(api)
    refused = stranger.post("/api/orders", json={"customer_id": customer.id, "products": line})
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_customer_id")
    mine = customer.post("/api/orders", json={"customer_id": customer.id, "products": line})
    assert stranger.get(f"/api/orders/{mine.json()['order_id']}").status_code == 404


def test_a_disabled_customer_can_no_longer_order(admin, customer):
    product = new_product(admin, "4.00", 5)
    line = [{"product_id": product, "quantity": 1, "price": 4.00}]
    assert admin.post(f"/api/users/{customer.id}/disable", json={}).status_code in (200, 204)
    eventually(
        lambda: (
            customer.post(
                "/api/orders", json={"customer_id": customer.id, "products": line}
            ).status_code
            == 403
        ),
        timeout=30,
        what="orders hears the customer is disabled",
    )


def test_product_changes_reach_orders_replica(mercado, admin, customer):
    product = new_product(admin, "8.00", 5)
    assert admin.patch(f"/api/products/{product}", json={"price": "9.50"}).status_code == 200
    line = {"product_id": product, "quantity": 1}
    inventory = mercado.running["inventory"]
    eventually(
        lambda: (
            customer.post(
                "/api/orders",
                json={"customer_id": customer.id, "products": [{**line, "price": 9.50}]},
            ).status_code
            == 200
        ),
        timeout=30,
        what="the new price accepted",
    )
    inventory.stop("serve")  # orders must now price from its replica of product.* events
    try:
        stale = customer.post(
            "/api/orders", json={"customer_id": customer.id, "products": [{**line, "price": 8.00}]}
        )
        assert (stale.status_code, stale.json()["code"]) == (409, "price_changed")
    finally:
        inventory.start("serve")
