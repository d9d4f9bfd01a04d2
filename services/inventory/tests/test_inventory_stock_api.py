"""Stock movements, the ledger and the availability check, against a real PostgreSQL."""

import uuid
from decimal import Decimal

import jwt
import pytest


def move(client, headers, product_id: str, kind: str, quantity: int, reason: str = "count"):
    body = {"kind": kind, "quantity": quantity, "reason": reason}
    return client.post(f"/api/products/{product_id}/stock-movements", json=body, headers=headers)


def test_receipts_and_adjustments_move_on_hand_and_the_ledger_together(client, staff, inventory):
    product_id = inventory.add_product(on_hand=0)
    received = move(client, staff, product_id, "receipt", 12, "delivery 17")
    assert received.status_code == 201
    subject = subject_of(staff)
    assert received.json | {"id": 0, "created_at": ""} == {
        "id": 0,
        "product_id": product_id,
        "kind": "receipt",
        "quantity": 12,
        "on_hand_after": 12,
        "reason": "delivery 17",
        "actor": subject,
        "order_id": None,
        "created_at": "",
    }
    assert move(client, staff, product_id, "adjustment", -2, "broken").json["on_hand_after"] == 10
    product = client.get(f"/api/products/{product_id}").json
    assert (product["on_hand"], product["available"]) == (10, 10)
    ledger = client.get(f"/api/products/{product_id}/stock-movements", headers=staff).json
    assert [(m["kind"], m["quantity"]) for m in ledger["items"]] == [
        ("adjustment", -2),
        ("receipt", 12),
    ], "newest first"
    assert sum(m["quantity"] for m in ledger["items"]) == product["on_hand"]


def subject_of(headers: dict) -> str:
    token = headers["Authorization"].removeprefix("Bearer ")
    return jwt.decode(token, options={"verify_signature": False})["sub"]


def test_a_receipt_above_the_maximum_is_refused_and_writes_nothing(client, staff, inventory):
    product_id = inventory.add_product(on_hand=8, maximum=10)
    response = move(client, staff, product_id, "receipt", 3)
    assert (response.status_code, response.json["code"]) == (409, "exceeds_maximum")
    assert "above its maximum of 10" in response.json["detail"]
    assert inventory.product(product_id).on_hand == 8
    assert inventory.scalars("SELECT count(*) FROM stock_movements") == [1]
    assert move(client, staff, product_id, "receipt", 2).status_code == 201


def test_an_adjustment_below_what_orders_hold_is_refused(client, staff, inventory, orders):
    product_id = inventory.add_product(on_hand=5)
    inventory.handle(orders.placed("order-1", (product_id, 4)))
    response = move(client, staff, product_id, "adjustment", -2)
    assert (response.status_code, response.json["code"]) == (409, "below_reserved")
    assert move(client, staff, product_id, "adjustment", -1).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "receipt", "quantity": -5, "reason": "r"},
        {"kind": "receipt", "quantity": 0, "reason": "r"},
        {"kind": "adjustment", "quantity": 0, "reason": "r"},
        {"kind": "receipt", "quantity": "5", "reason": "r"},
        {"kind": "receipt", "quantity": 2.5, "reason": "r"},
        {"kind": "sale", "quantity": -1, "reason": "r"},
        {"kind": "receipt", "quantity": 5, "reason": ""},
        {"kind": "receipt", "quantity": 5},
    ],
)
def test_bad_movements_are_422(client, staff, inventory, body):
    product_id = inventory.add_product()
    url = f"/api/products/{product_id}/stock-movements"
    response = client.post(url, json=body, headers=staff)
    assert (response.status_code, response.json["code"]) == (422, "validation_failed")
    assert inventory.scalars("SELECT count(*) FROM stock_movements") == [0]


def test_movements_need_staff_and_a_known_product(client, staff, customer, inventory):
    product_id = inventory.add_product()
    assert move(client, {}, product_id, "receipt", 1).status_code == 401
    assert move(client, customer, product_id, "receipt", 1).status_code == 403
    assert client.get(f"/api/products/{product_id}/stock-movements").status_code == 401
    unknown = str(uuid.uuid4())
    for response in (
        move(client, staff, unknown, "receipt", 1),
        client.get(f"/api/products/{unknown}/stock-movements", headers=staff),
    ):
        assert (response.status_code, response.json["code"]) == (404, "product_not_found")


def test_the_ledger_pages(client, staff, inventory):
    product_id = inventory.add_product()
    for quantity in range(1, 6):
        move(client, staff, product_id, "receipt", quantity)
    url = f"/api/products/{product_id}/stock-movements?limit=2"
    first = client.get(url, headers=staff).json
    assert [m["quantity"] for m in first["items"]] == [5, 4]
    second = client.get(first["next"], headers=staff).json
    assert [m["quantity"] for m in second["items"]] == [3, 2]


def test_stock_low_is_announced_when_available_falls_below_the_minimum(
    client, staff, inventory, orders
):
    product_id = inventory.add_product(on_hand=10, minimum=5, sku="LOW-1", name="Lamp")
    move(client, staff, product_id, "adjustment", -5)
    assert inventory.events("stock.low") == [], "5 available is not below a minimum of 5"
    inventory.handle(orders.placed("order-1", (product_id, 1)))
    move(client, staff, product_id, "adjustment", -1)
    low = {"product_id": product_id, "sku": "LOW-1", "name": "Lamp", "available": 4, "minimum": 5}
    assert inventory.events("stock.low") == [low], "once when it crosses, not while it stays low"
    move(client, staff, product_id, "receipt", 10)
    client.patch(f"/api/products/{product_id}", json={"minimum": 20}, headers=staff)
    assert inventory.events("stock.low")[1:] == [low | {"available": 13, "minimum": 20}]


def test_availability_answers_per_line_with_the_current_price(client, staff, inventory):
    plenty = inventory.add_product(on_hand=10, price=Decimal("4.20"))
    scarce = inventory.add_product(on_hand=1)
    retired = inventory.add_product(on_hand=3, active=False)
    unknown = str(uuid.uuid4())
    lines = [(plenty, 10), (scarce, 2), (retired, 1), (unknown, 1)]
    body = {"items": [{"product_id": p, "quantity": q} for p, q in lines]}
    response = client.post("/api/stock/availability", json=body)
    assert response.status_code == 200, "public: orders asks without a user token"
    assert response.json["available"] is False
    assert [
        (i["product_id"], i["available"], i["available_quantity"], i["price"], i["reason"])
        for i in response.json["items"]
    ] == [
        (plenty, True, 10, "4.20", None),
        (scarce, False, 1, "9.90", "insufficient_stock"),
        (retired, False, 3, "9.90", "inactive_product"),
        (unknown, False, 0, None, "unknown_product"),
    ]
    assert inventory.product(plenty).reserved == 0, "a check reserves nothing"
    one = {"items": [{"product_id": plenty, "quantity": 3}]}
    assert client.post("/api/stock/availability", json=one).json["available"] is True


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([{"product_id": "P1", "quantity": 1}], "validation_failed"),
        ([{"product_id": "{id}", "quantity": -1}], "validation_failed"),
        ([{"product_id": "{id}", "quantity": 0}], "validation_failed"),
        ([], "validation_failed"),
        (
            [{"product_id": "{id}", "quantity": 1}, {"product_id": "{id}", "quantity": 2}],
            "duplicate_product",
        ),
    ],
)
def test_bad_availability_checks_are_422(client, inventory, items, code):
    product_id = inventory.add_product(on_hand=5)
    for item in items:
        item["product_id"] = item["product_id"].format(id=product_id)
    response = client.post("/api/stock/availability", json={"items": items})
    assert (response.status_code, response.json["code"]) == (422, code)


def test_stock_beyond_what_the_database_counts_is_refused_not_a_500(client, staff, inventory):
    product_id = inventory.add_product(on_hand=999_999_999)
    for kind in ("receipt", "adjustment"):
        response = move(client, staff, product_id, kind, 1_000_000_000)
        assert (response.status_code, response.json["code"]) == (409, "exceeds_maximum")
    assert move(client, staff, product_id, "receipt", 1).json["on_hand_after"] == 1_000_000_000
