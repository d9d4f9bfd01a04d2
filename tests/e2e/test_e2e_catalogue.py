"""The catalogue and stock as a client meets them: products with min/max, receipts, checks."""

from .client import Client, new_product


def test_products_with_limits_and_the_stock_check(api, admin):
    product = new_product(admin, "19.99", 8, minimum=2, maximum=10)
    shown = Client(api).get(f"/api/products/{product}").json()
    assert (shown["on_hand"], shown["available"], shown["minimum"], shown["maximum"]) == (
        8,
        8,
        2,
        10,
    )
    over = admin.post(
        f"/api/products/{product}/stock-movements",
        json={"kind": "receipt", "quantity": 5, "reason": "too much"},
    )
    assert (over.status_code, over.json()["code"]) == (409, "exceeds_maximum")
    bad = admin.patch(f"/api/products/{product}", json={"minimum": 11})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_stock_limits")
    check = Client(api).post(
        "/api/stock/availability", json={"items": [{"product_id": product, "quantity": 9}]}
    )
    assert check.status_code == 200
    [line] = check.json()["items"]
    assert (line["available"], line["available_quantity"], line["price"]) == (False, 8, "19.99")


def test_seeded_catalogue_is_listed(api, mercado):
    listed = Client(api).get("/api/products", params={"q": "mug-classic"}).json()["items"]
    assert [p["id"] for p in listed] == [mercado.seeded.products["mug-classic"]]
