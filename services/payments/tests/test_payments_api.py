"""The HTTP API against real PostgreSQL: who may see which payment, listing, validation."""

import uuid

from .payments_support import handle, payment_requested


def test_the_customer_sees_the_payment_of_their_order(client, open_payment, customer):
    shown = client.get(f"/api/payments/{open_payment['order_id']}", headers=customer[1])
    assert shown.status_code == 200
    body = shown.get_json()
    assert body["customer_id"] == customer[0]
    assert (body["status"], body["amount"], body["currency"]) == ("open", "39.98", "brl")
    assert body["provider"] == "stripe" and body["url"].startswith("https://")


def test_another_customers_order_and_an_unknown_order_are_404(client, open_payment, signing_key):
    token = signing_key.token(sub=str(uuid.uuid4()), scope="payments:read")
    other = {"Authorization": f"Bearer {token}"}
    hidden = client.get(f"/api/payments/{open_payment['order_id']}", headers=other)
    assert (hidden.status_code, hidden.get_json()["code"]) == (404, "payment_not_found")
    missing = client.get(f"/api/payments/{uuid.uuid4()}", headers=other)
    assert (missing.status_code, missing.get_json()["code"]) == (404, "payment_not_found")


def test_a_token_is_needed_and_it_must_grant_payments_read(client, open_payment, signing_key):
    path = f"/api/payments/{open_payment['order_id']}"
    assert client.get(path).status_code == 401
    token = signing_key.token(sub=open_payment["customer_id"], scope="orders:read")
    refused = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, refused.get_json()["code"]) == (403, "insufficient_scope")


def test_staff_list_every_payment_paged_and_filtered_by_status(
    client, payments_db, dependencies, admin, customer
):
    orders = [str(uuid.uuid4()) for _ in range(3)]
    for order_id in orders:
        handle(dependencies, payment_requested(order_id, customer[0]))
    handle(dependencies, payment_requested(str(uuid.uuid4()), customer[0], "1.001"))
    first = client.get("/api/payments?limit=2", headers=admin).get_json()
    assert len(first["items"]) == 2 and first["next"] == "/api/payments?limit=2&offset=2"
    second = client.get(first["next"], headers=admin).get_json()
    assert len(second["items"]) == 2 and second["next"] is None
    opened = client.get("/api/payments?status=open", headers=admin).get_json()["items"]
    assert sorted(p["order_id"] for p in opened) == sorted(orders)
    failed = client.get("/api/payments?status=failed", headers=admin).get_json()["items"]
    assert [p["failure_reason"][:14] for p in failed] == ["invalid_amount"]


def test_the_listing_is_for_staff_and_validates_its_query(client, admin, customer):
    refused = client.get("/api/payments", headers=customer[1])
    assert (refused.status_code, refused.get_json()["code"]) == (403, "insufficient_scope")
    for query in ("status=paid", "limit=0", "limit=101", "offset=-1", "colour=red"):
        answer = client.get(f"/api/payments?{query}", headers=admin)
        assert (answer.status_code, answer.get_json()["code"]) == (422, "validation_failed")
