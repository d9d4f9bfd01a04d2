from flask import Blueprint, jsonify
from pydantic import Field

from mercado_platform.auth import requires
from mercado_platform.pagination import PageQuery
from mercado_platform.validation import ApiModel, validate


class NewProduct(ApiModel):
    sku: str = Field(min_length=1)
    name: str


def products_blueprint() -> Blueprint:
    blueprint = Blueprint("products", __name__)

    @blueprint.post("/api/products")
    @requires("inventory:write")
    @validate(body=NewProduct)
    def create_product(body: NewProduct):
        """Add a product to the catalogue."""
        return jsonify(sku=body.sku), 201

    @blueprint.get("/api/products/<int:product_id>")
    def get_product(product_id: int):
        """One product."""
        return jsonify(id=product_id)

    @blueprint.get("/api/products")
    @validate(query=PageQuery)
    def list_products(query: PageQuery):
        """Products, a page at a time."""
        return jsonify(items=[])

    return blueprint


def test_openapi_describes_routes_bodies_queries_and_auth(make_app):
    document = make_app([products_blueprint()]).test_client().get("/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Mercado testsvc API"
    create = document["paths"]["/api/products"]["post"]
    assert create["summary"] == "Add a product to the catalogue."
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewProduct"
    }
    assert create["security"] == [{"bearer": ["inventory:write"]}]
    assert document["components"]["schemas"]["NewProduct"]["required"] == ["sku", "name"]
    get_one = document["paths"]["/api/products/{product_id}"]["get"]
    assert get_one["parameters"] == [
        {"name": "product_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    listing = document["paths"]["/api/products"]["get"]
    assert [p["name"] for p in listing["parameters"]] == ["limit", "offset"]
    assert {"/healthz", "/readyz", "/metrics", "/openapi.json"} <= set(document["paths"])


def test_metrics_count_requests_by_route_and_status(make_app):
    client = make_app([products_blueprint()]).test_client()
    client.get("/api/products/7")
    client.get("/api/products/8")
    client.get("/nowhere")
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        'http_requests_total{endpoint="/api/products/<int:product_id>",method="GET",'
        'service="testsvc",status="200"} 2.0' in text
    )
    assert 'endpoint="unmatched",method="GET",service="testsvc",status="404"} 1.0' in text
    assert "http_request_duration_seconds_bucket" in text
