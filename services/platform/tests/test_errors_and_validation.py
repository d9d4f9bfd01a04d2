from datetime import datetime
from decimal import Decimal

import pytest
from flask import Blueprint, jsonify
from pydantic import Field

from mercado_platform.errors import ErrorAnswer
from mercado_platform.validation import ApiModel, QueryModel, validate


class Line(ApiModel):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=1000)
    price: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class PlaceOrder(ApiModel):
    customer_id: str
    products: list[Line] = Field(min_length=1)


class PaymentError(Exception):
    code = "payment_error"


class AlreadyPaid(PaymentError):
    code = "already_paid"


class CardDeclined(PaymentError):
    code = "card_declined"

    def __init__(self, retry_after: int) -> None:
        super().__init__("The card was declined.")
        self.retry_after = retry_after


DOMAIN_ERRORS = {
    PaymentError: 409,
    CardDeclined: ErrorAnswer(
        402,
        errors=lambda exc: [{"field": "card", "type": exc.code}],
        headers=lambda exc: {"Retry-After": str(exc.retry_after)},
    ),
}


class Search(QueryModel):
    q: str | None = None
    limit: int = Field(10, ge=1, le=50)


@pytest.fixture
def client(make_app):
    blueprint = Blueprint("orders", __name__)

    @blueprint.post("/orders")
    @validate(body=PlaceOrder)
    def place(body: PlaceOrder):
        total = sum(line.price * line.quantity for line in body.products)
        return jsonify(total=str(total)), 201

    @blueprint.get("/orders")
    @validate(query=Search)
    def search(query: Search):
        return jsonify(q=query.q, limit=query.limit)

    @blueprint.get("/conflict")
    def conflict():
        raise AlreadyPaid("That order was already paid.")

    @blueprint.get("/declined")
    def declined():
        raise CardDeclined(retry_after=30)

    @blueprint.get("/boom")
    def boom():
        raise RuntimeError("database password is hunter2")

    return make_app([blueprint], errors=DOMAIN_ERRORS).test_client()


ORDER = {
    "customer_id": "123456",
    "products": [{"product_id": "789", "quantity": 2, "price": 19.99}],
}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_valid_body_is_parsed_with_exact_decimals(client):
    response = client.post("/orders", json=ORDER)
    assert response.status_code == 201
    assert response.get_json() == {"total": "39.98"}


def test_malformed_json_is_a_400(client):
    response = client.post("/orders", data='{"customer_id": ', content_type="application/json")
    assert_problem(response, 400, "malformed_request")


def test_empty_body_is_a_400(client):
    assert_problem(
        client.post("/orders", data="", content_type="application/json"), 400, "malformed_request"
    )


def test_non_json_content_type_is_a_415(client):
    assert_problem(client.post("/orders", data="customer_id=1"), 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("change", "field", "error_type"),
    [
        ({"customer_id": 123456}, "customer_id", "string_type"),
        (
            {"products": [{"product_id": "789", "quantity": "2", "price": 1}]},
            "products.0.quantity",
            "int_type",
        ),
        (
            {"products": [{"product_id": "789", "quantity": 0, "price": 1}]},
            "products.0.quantity",
            "greater_than_equal",
        ),
        (
            {"products": [{"product_id": "789", "quantity": 10**30, "price": 1}]},
            "products.0.quantity",
            "less_than_equal",
        ),
        (
            {"products": [{"product_id": "789", "quantity": 1, "price": 0.001}]},
            "products.0.price",
            "decimal_max_places",
        ),
        ({"products": []}, "products", "too_short"),
        ({"coupon": "FREE"}, "coupon", "extra_forbidden"),
    ],
)
def test_invalid_fields_are_a_422_naming_the_field(client, change, field, error_type):
    body = assert_problem(
        client.post("/orders", json={**ORDER, **change}), 422, "validation_failed"
    )
    assert {"field": field, "type": error_type} in [
        {"field": e["field"], "type": e["type"]} for e in body["errors"]
    ]


def test_a_json_array_instead_of_an_object_is_a_422(client):
    assert_problem(client.post("/orders", json=[ORDER]), 422, "validation_failed")


def test_query_strings_are_converted_and_checked(client):
    assert client.get("/orders?q=tea&limit=5").get_json() == {"q": "tea", "limit": 5}
    body = assert_problem(client.get("/orders?limit=500"), 422, "validation_failed")
    assert body["errors"][0]["field"] == "limit"
    assert_problem(client.get("/orders?sort=price"), 422, "validation_failed")


def test_domain_errors_answer_with_their_code_and_the_status_of_their_nearest_class(client):
    body = assert_problem(client.get("/conflict"), 409, "already_paid")
    assert body["detail"] == "That order was already paid."
    response = client.get("/declined")
    body = assert_problem(response, 402, "card_declined")
    assert body["errors"] == [{"field": "card", "type": "card_declined"}]
    assert response.headers["Retry-After"] == "30"


def test_unknown_route_and_method_are_json(client):
    assert_problem(client.get("/nowhere"), 404, "not_found")
    response = client.delete("/orders")
    assert_problem(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_oversized_body_is_a_413(client):
    huge = {"customer_id": "x" * (2 * 1024 * 1024), "products": []}
    assert_problem(client.post("/orders", json=huge), 413, "request_entity_too_large")


def test_unexpected_errors_are_a_500_that_leaks_nothing(client):
    body = assert_problem(client.get("/boom"), 500, "internal_error")
    assert "hunter2" not in str(body)


def test_request_id_is_taken_from_the_caller_or_made(client):
    response = client.get("/orders", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    made = client.get("/orders", headers={"X-Request-ID": "bad id;drop"}).headers["X-Request-ID"]
    assert made != "bad id;drop" and len(made) == 32


class Window(QueryModel):
    since: datetime | None = None
    open: bool | None = None
    limit: int = Field(10, ge=1, le=50)


@pytest.fixture
def exact(make_app):
    blueprint = Blueprint("exact", __name__)

    @blueprint.post("/lines")
    @validate(body=Line)
    def line(body: Line):
        return jsonify(quantity=body.quantity, price=str(body.price), product_id=body.product_id)

    @blueprint.get("/window")
    @validate(query=Window)
    def window(query: Window):
        return jsonify(since=query.since and query.since.isoformat(), open=query.open)

    @blueprint.get("/things/<id:thing_id>")
    def thing(thing_id: str):
        return jsonify(id=thing_id)

    return make_app([blueprint]).test_client()


LINE = {"product_id": "789", "quantity": 2, "price": 19.99}


def test_a_nul_anywhere_in_a_body_is_a_422_naming_the_field(exact):
    body = assert_problem(
        exact.post("/lines", json={**LINE, "product_id": "7\x0089"}), 422, "validation_failed"
    )
    assert body["errors"][0]["field"] == "product_id"
    assert body["errors"][0]["type"] == "string_nul"


def test_a_nul_in_the_path_or_query_is_a_4xx_before_any_view(exact):
    assert_problem(exact.get("/things/ab%00cd"), 400, "nul_character")
    body = assert_problem(exact.get("/window?since=%00"), 422, "validation_failed")
    assert body["errors"][0]["type"] == "string_nul"


def test_numbers_are_read_as_json_schema_reads_them(exact):
    assert exact.post("/lines", json={**LINE, "quantity": 2.0}).get_json()["quantity"] == 2
    assert exact.post("/lines", json={**LINE, "price": 1999e-2}).get_json()["price"] == "19.99"
    for wrong in ({"quantity": True}, {"price": "19.99"}, {"price": 5e-324}, {"quantity": 2.5}):
        assert_problem(exact.post("/lines", json={**LINE, **wrong}), 422, "validation_failed")


def test_text_is_taken_as_sent(exact):
    assert exact.post("/lines", json={**LINE, "product_id": " 789 "}).get_json()["product_id"] == (
        " 789 "
    )


@pytest.mark.parametrize(
    ("query", "field", "error_type"),
    [
        ("since=0.5", "since", "datetime_format"),
        ("since=2024-05-01", "since", "datetime_format"),
        ("since=2024-05-01T12:00:00", "since", "datetime_format"),
        ("open=1", "open", "bool_type"),
        ("limit=5.0", "limit", "int_type"),
        ("limit=", "limit", "int_type"),
    ],
)
def test_query_values_are_exactly_what_the_schema_says(exact, query, field, error_type):
    body = assert_problem(exact.get(f"/window?{query}"), 422, "validation_failed")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [(field, error_type)]


def test_query_values_of_the_schema_are_accepted(exact):
    answer = exact.get("/window?since=2024-05-01T12:00:00.5%2B02:00&open=false&limit=3")
    assert answer.get_json() == {"since": "2024-05-01T12:00:00.500000+02:00", "open": False}
