"""The orders API against real PostgreSQL, with inventory's availability check over HTTP."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from mercado_platform.testing.processes import free_port

from .support import count, outbox, product

SEED_001_RESPONSE_FIELDS = {"order_id", "status", "message"}


@pytest.fixture
def catalogue(orders_db, inventory):
    mug = product(orders_db, "Mug", "19.99")
    tea = product(orders_db, "Tea", "29.99")
    inventory.stock = {mug: ("19.99", 10), tea: ("29.99", 3)}
    return mug, tea


def test_seed_001_body_is_accepted_with_seed_001_answer(shopper, catalogue, orders_db):
    mug, tea = catalogue
    response = shopper.order([(mug, 2, "19.99"), (tea, 1, "29.99")])
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == SEED_001_RESPONSE_FIELDS
    assert body["status"] == "received" and body["message"] == "Order successfully placed."
    [placed] = outbox(orders_db, "order.placed")
    assert placed["data"]["order_id"] == body["order_id"]
    assert placed["data"]["total"] == "69.97" and placed["data"]["customer_id"] == shopper.id
    assert [i["line_total"] for i in placed["data"]["items"]] == ["39.98", "29.99"]


def test_order_reads_back_with_lines_totals_and_history(shopper, catalogue):
    mug, _ = catalogue
    order_id = shopper.order([(mug, 3, "19.99")]).get_json()["order_id"]
    shown = shopper.get(f"/api/orders/{order_id}").get_json()
    assert shown["status"] == "received" and shown["total"] == "59.97"
    assert shown["items"] == [
        {
            "product_id": mug,
            "name": "Mug",
            "quantity": 3,
            "unit_price": "19.99",
            "line_total": "59.97",
        }
    ]
    assert [h["status"] for h in shown["history"]] == ["received"]
    assert shown["payment_url"] is None


def test_a_changed_price_is_refused_with_the_current_prices(shopper, catalogue, orders_db):
    mug, tea = catalogue
    response = shopper.order([(mug, 1, "17.50"), (tea, 1, "29.99")])
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["code"] == "price_changed"
    assert problem["errors"] == [
        {
            "field": f"products[{mug}]",
            "product_id": mug,
            "type": "price_changed",
            "current_price": "19.99",
        }
    ]
    assert count(orders_db, "orders") == 0 and outbox(orders_db) == []


def test_short_stock_answered_by_inventory_is_refused(shopper, catalogue, orders_db):
    _, tea = catalogue
    response = shopper.order([(tea, 4, "29.99")])
    assert response.status_code == 409 and response.get_json()["code"] == "insufficient_stock"
    assert response.get_json()["errors"][0]["available"] == 3
    assert count(orders_db, "orders") == 0


def line(product_id: str, quantity: object = 1, price: object = 19.99, **extra: object) -> dict:
    return {"product_id": product_id, "quantity": quantity, "price": price, **extra}


@pytest.mark.parametrize(
    ("lines", "status", "code"),
    [
        (lambda mug: [], 422, "validation_failed"),
        (lambda mug: [line(mug, 0)], 422, "validation_failed"),
        (lambda mug: [line(mug, -2)], 422, "validation_failed"),
        (lambda mug: [line(mug, 1.5)], 422, "validation_failed"),
        (lambda mug: [line(mug, "2")], 422, "validation_failed"),
        (lambda mug: [line(mug, price="abc")], 422, "validation_failed"),
        (lambda mug: [line(mug, price=-1)], 422, "validation_failed"),
        (lambda mug: [line(mug, price=19.999)], 422, "validation_failed"),
        (lambda mug: [line(mug, colour="red")], 422, "validation_failed"),
        (lambda mug: [line(mug), line(mug)], 422, "validation_failed"),
        (lambda mug: [line(f"p{i}") for i in range(51)], 422, "validation_failed"),
        (lambda mug: [line("no-such-product")], 422, "unknown_product"),
    ],
)
def test_bad_orders_get_a_4xx_with_a_code_and_create_nothing(
    shopper, catalogue, orders_db, lines, status, code
):
    body = {"customer_id": shopper.id, "products": lines(catalogue[0])}
    response = shopper.post("/api/orders", json=body)
    assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert count(orders_db, "orders") == 0 and outbox(orders_db) == []


def test_a_customer_orders_only_for_themselves(shopper, catalogue, orders_db):
    body = {"customer_id": "someone-else", "products": [line(catalogue[0])]}
    response = shopper.post("/api/orders", json=body)
    assert (response.status_code, response.get_json()["code"]) == (403, "not_your_customer_id")
    assert count(orders_db, "orders") == 0


def test_malformed_json_is_a_400(shopper, catalogue):
    response = shopper.client.post(
        "/api/orders", data="{not json", content_type="application/json", headers=shopper.headers
    )
    assert response.status_code == 400 and response.get_json()["code"] == "malformed_request"


def test_without_a_token_nothing_is_ordered(client, catalogue, orders_db):
    mug, _ = catalogue
    body = {"customer_id": "x", "products": [{"product_id": mug, "quantity": 1, "price": 19.99}]}
    assert client.post("/api/orders", json=body).status_code == 401
    assert count(orders_db, "orders") == 0


def test_a_retry_with_the_same_key_returns_the_first_answer(shopper, catalogue, orders_db):
    mug, _ = catalogue
    first = shopper.order([(mug, 1, "19.99")], key="k-1")
    again = shopper.order([(mug, 1, "19.99")], key="k-1")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert count(orders_db, "orders") == 1 and len(outbox(orders_db, "order.placed")) == 1
    reused = shopper.order([(mug, 2, "19.99")], key="k-1")
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency_key_reused"
    assert count(orders_db, "orders") == 1


def test_a_storm_of_identical_posts_creates_one_order(client, shopper, catalogue, orders_db):
    mug, _ = catalogue

    def post(_: int):
        return shopper.using(client.application.test_client()).order(
            [(mug, 1, "19.99")], key="storm"
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(post, range(32)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_json()["order_id"] for a in answers}) == 1
    assert count(orders_db, "orders") == 1 and len(outbox(orders_db, "order.placed")) == 1


def test_inventory_down_still_accepts_the_order_at_the_replica_price(
    make_orders_app, shopper_for, orders_db
):
    mug = product(orders_db, "Mug", "19.99")
    app = make_orders_app(inventory_url=f"http://127.0.0.1:{free_port()}")
    response = shopper_for(app.test_client()).order([(mug, 1, "19.99")])
    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert len(outbox(orders_db, "order.placed")) == 1


def test_a_slow_inventory_is_tried_again_then_the_order_is_accepted_without_it(
    make_orders_app, shopper_for, inventory, catalogue, orders_db
):
    app = make_orders_app(
        inventory_url=inventory.url, inventory_attempts=2, inventory_timeout_seconds=0.2
    )
    inventory.delay = 0.5
    response = shopper_for(app.test_client()).order([(catalogue[0], 1, "19.99")])
    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert inventory.calls == 2, "a timed-out check is tried once more"
    assert len(outbox(orders_db, "order.placed")) == 1


def test_a_failing_inventory_trips_the_breaker_and_orders_still_flow(
    make_orders_app, shopper_for, inventory, catalogue, orders_db
):
    # One attempt per order and a timeout no loaded machine reaches: each call is then
    # exactly one failure the breaker counts (a timed-out call retried would be two calls).
    app = make_orders_app(
        inventory_url=inventory.url, inventory_attempts=1, inventory_timeout_seconds=10
    )
    shopper = shopper_for(app.test_client())
    inventory.failing = True
    for _ in range(7):
        assert shopper.order([(catalogue[0], 1, "19.99")]).status_code == 200
    assert inventory.calls == 5, "after 5 failures in a row the breaker stops calling"
    assert len(outbox(orders_db, "order.placed")) == 7
