from datetime import datetime
from decimal import Decimal

from flask import Blueprint, jsonify
from pydantic import Field

from mercado_platform.auth import requires
from mercado_platform.openapi import answers
from mercado_platform.pagination import PageQuery
from mercado_platform.validation import NO_NUL, RFC3339, ApiModel, validate


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
        {
            "name": "product_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
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


class Missing(Exception):
    code = "thing_not_found"


class Line(ApiModel):
    price: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    note: str = Field(None, max_length=10)


class Since(PageQuery):
    since: datetime | None = None


def test_the_document_states_what_validation_enforces_and_every_answer(make_app):
    blueprint = Blueprint("things", __name__)

    @blueprint.post("/things/<id:thing_id>")
    @requires("things:write")
    @validate(body=Line, query=Since)
    @answers(201, Missing, links={"things.post_thing": {"thing_id": "$response.body#/id"}})
    def post_thing(thing_id: str, body: Line, query: Since):
        """Add a line to a thing."""
        return jsonify(id=thing_id), 201

    app = make_app([blueprint], errors={Missing: 404})
    document = app.test_client().get("/openapi.json").get_json()
    operation = document["paths"]["/things/{thing_id}"]["post"]
    line = document["components"]["schemas"]["Line"]["properties"]
    assert line["price"] == {
        "type": "number",
        "multipleOf": 0.01,
        "exclusiveMinimum": 0.0,
        "maximum": 9999999999.99,
        "title": "Price",
    }
    assert line["note"] == {"type": "string", "maxLength": 10, "pattern": NO_NUL, "title": "Note"}
    since = next(p for p in operation["parameters"] if p["name"] == "since")
    assert since["schema"] == {"type": "string", "format": "date-time", "pattern": RFC3339}
    assert sorted(operation["responses"]) == [
        "201",
        "400",
        "401",
        "403",
        "404",
        "413",
        "415",
        "422",
        "503",
    ]
    assert "thing_not_found" in operation["responses"]["404"]["description"]
    assert operation["responses"]["201"]["links"]["things.post_thing"]["parameters"] == {
        "thing_id": "$response.body#/id"
    }
