"""/api/products against a real PostgreSQL: the catalogue, its validation, its events."""

import uuid

import pytest


def new_product(**fields) -> dict:
    return {"sku": f"SKU-{uuid.uuid4().hex[:8]}", "name": "Blue mug", "price": "12.50", **fields}


@pytest.fixture
def create(client, staff):
    def create(**fields) -> dict:
        response = client.post("/api/products", json=new_product(**fields), headers=staff)
        assert response.status_code == 201, response.json
        return response.json

    return create


def test_staff_add_a_product_with_a_decimal_price_and_no_stock(client, staff, inventory):
    body = new_product(description="350 ml", price="12.5", minimum=2, maximum=40)
    response = client.post("/api/products", json=body, headers=staff)
    assert response.status_code == 201
    product = response.json
    assert response.headers["Location"] == f"/api/products/{product['id']}"
    assert uuid.UUID(product["id"])
    assert product | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "sku": body["sku"],
        "name": "Blue mug",
        "description": "350 ml",
        "price": "12.50",
        "active": True,
        "on_hand": 0,
        "reserved": 0,
        "available": 0,
        "minimum": 2,
        "maximum": 40,
        "created_at": None,
        "updated_at": None,
    }
    assert client.get(f"/api/products/{product['id']}").json == product, "reading is public"
    assert inventory.events("product.created") == [
        {
            "product_id": product["id"],
            "sku": body["sku"],
            "name": "Blue mug",
            "description": "350 ml",
            "price": "12.50",
            "active": True,
        }
    ]


def test_changing_the_catalogue_needs_inventory_write(client, customer, create):
    product = create()
    url = f"/api/products/{product['id']}"
    assert client.post("/api/products", json=new_product()).json["code"] == "unauthorized"
    refused = client.post("/api/products", json=new_product(), headers=customer)
    assert (refused.status_code, refused.json["code"]) == (403, "insufficient_scope")
    assert client.patch(url, json={"name": "x"}, headers=customer).status_code == 403
    assert client.delete(url, headers=customer).status_code == 403
    assert client.delete(url).status_code == 401


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": "twelve"}, "price"),
        ({"price": 12.5}, "price"),
        ({"price": "-1.00"}, "price"),
        ({"price": "1.999"}, "price"),
        ({"price": "12.50\n"}, "price"),
        ({"price": "١٢"}, "price"),
        ({"minimum": -1}, "minimum"),
        ({"maximum": "10"}, "maximum"),
        ({"sku": ""}, "sku"),
        ({"name": ""}, "name"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_fields_are_422_naming_the_field(client, staff, inventory, fields, field):
    response = client.post("/api/products", json=new_product(**fields), headers=staff)
    assert (response.status_code, response.json["code"]) == (422, "validation_failed")
    assert field in [error["field"] for error in response.json["errors"]]
    assert inventory.scalars("SELECT count(*) FROM products") == [0]


def test_malformed_json_is_400(client, staff):
    response = client.post(
        "/api/products", data="{", content_type="application/json", headers=staff
    )
    assert (response.status_code, response.json["code"]) == (400, "malformed_request")


def test_a_duplicate_sku_is_409_and_writes_nothing(client, staff, create, inventory):
    create(sku="MUG-1")
    response = client.post("/api/products", json=new_product(sku="MUG-1"), headers=staff)
    assert (response.status_code, response.json["code"]) == (409, "duplicate_sku")
    assert "MUG-1" in response.json["detail"]
    other = create(sku="MUG-2")
    renamed = client.patch(f"/api/products/{other['id']}", json={"sku": "MUG-1"}, headers=staff)
    assert (renamed.status_code, renamed.json["code"]) == (409, "duplicate_sku")
    assert inventory.scalars("SELECT sku FROM products ORDER BY sku") == ["MUG-1", "MUG-2"]
    assert len(inventory.events("product.created")) == 2


def test_minimum_above_maximum_is_422(client, staff, create):
    response = client.post("/api/products", json=new_product(minimum=5, maximum=4), headers=staff)
    assert (response.status_code, response.json["code"]) == (422, "invalid_stock_limits")
    product = create(maximum=10)
    patched = client.patch(f"/api/products/{product['id']}", json={"minimum": 11}, headers=staff)
    assert (patched.status_code, patched.json["code"]) == (422, "invalid_stock_limits")


@pytest.mark.parametrize("product_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_product_is_404(client, staff, product_id):
    for response in (
        client.get(f"/api/products/{product_id}"),
        client.patch(f"/api/products/{product_id}", json={"name": "x"}, headers=staff),
        client.delete(f"/api/products/{product_id}", headers=staff),
    ):
        assert (response.status_code, response.json["code"]) == (404, "product_not_found")


def test_patch_changes_only_what_is_sent_and_announces_catalogue_changes(
    client, staff, create, inventory
):
    product = create(minimum=1)
    url = f"/api/products/{product['id']}"
    changed = client.patch(url, json={"price": "13.00", "active": False}, headers=staff)
    assert changed.status_code == 200
    assert (changed.json["price"], changed.json["active"], changed.json["name"]) == (
        "13.00",
        False,
        "Blue mug",
    )
    assert (
        client.patch(url, json={"minimum": None, "maximum": 30}, headers=staff).json["minimum"]
        is None
    )
    updates = inventory.events("product.updated")
    assert [(u["price"], u["active"]) for u in updates] == [("13.00", False)], (
        "limits are not catalogue data: no product.updated for them"
    )
    refused = client.patch(url, json={"name": None}, headers=staff)
    assert (refused.status_code, refused.json["errors"][0]["field"]) == (422, "name")


def test_list_pages_searches_and_filters_by_availability(client, create, inventory):
    mug, cup, plate = create(name="Mug"), create(name="Cup", sku="CUP-77"), create(name="Plate")
    inventory.execute("UPDATE products SET on_hand = 5 WHERE id = :id", id=cup["id"])
    first = client.get("/api/products?limit=2").json
    assert [p["name"] for p in first["items"]] == ["Cup", "Mug"]
    assert first["next"] == "/api/products?limit=2&offset=2"
    assert [p["name"] for p in client.get(first["next"]).json["items"]] == ["Plate"]
    assert [p["id"] for p in client.get("/api/products?q=cup-7").json["items"]] == [cup["id"]]
    assert [p["id"] for p in client.get("/api/products?q=LAT").json["items"]] == [plate["id"]]
    assert client.get("/api/products?q=%25").json["items"] == [], "% is a literal"
    available = client.get("/api/products?available=true").json["items"]
    assert [p["id"] for p in available] == [cup["id"]]
    unavailable = client.get("/api/products?available=false").json["items"]
    assert [p["id"] for p in unavailable] == [mug["id"], plate["id"]]
    bad = client.get("/api/products?limit=0")
    assert (bad.status_code, bad.json["code"]) == (422, "validation_failed")


def test_delete_takes_the_product_out_and_frees_its_sku(client, staff, create, inventory):
    product = create(sku="GONE-1")
    assert client.delete(f"/api/products/{product['id']}", headers=staff).status_code == 204
    assert client.get(f"/api/products/{product['id']}").status_code == 404
    assert client.get("/api/products").json["items"] == []
    assert inventory.events("product.deleted") == [{"product_id": product["id"], "sku": "GONE-1"}]
    create(sku="GONE-1")


def test_a_product_held_by_orders_cannot_be_deleted(client, staff, inventory, orders):
    product_id = inventory.add_product(on_hand=5)
    assert inventory.handle(orders.placed("order-1", (product_id, 2)))[0] == "handled"
    response = client.delete(f"/api/products/{product_id}", headers=staff)
    assert (response.status_code, response.json["code"]) == (409, "product_has_reservations")
    assert client.get(f"/api/products/{product_id}").status_code == 200


def test_openapi_documents_the_inventory_routes(client):
    paths = client.get("/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/api/products"])
    assert {"get", "patch", "delete"} <= set(paths["/api/products/{product_id}"])
    assert paths["/api/products"]["post"]["security"] == [{"bearer": ["inventory:write"]}]
    assert paths["/api/stock/availability"]["post"]["security"] == []
