"""The sample order local mode places when it traces: a customer orders one pen and pays,
so the trace page has one order's whole trace to show from the start."""

import requests

from mercado_local.layout import Endpoints
from mercado_platform.testing.polling import eventually

LOGIN, PASSWORD = "sample", "Quiet-Harbour-73"


def place_sample_order(endpoints: Endpoints, products: dict[str, str]) -> str:
    """Register (or log in) the sample customer, order and pay; the order's trace id."""
    session = requests.Session()
    account = {"login": LOGIN, "email": "sample@mercado.local", "password": PASSWORD}
    joined = session.post(
        endpoints.url("/api/users"), json={**account, "full_name": "Sam Ple"}, timeout=10
    )
    if joined.status_code != 409:  # 409: an earlier run on the same database made it
        joined.raise_for_status()
    login = {"login": LOGIN, "password": PASSWORD}
    token = session.post(endpoints.url("/api/auth/token"), json=login, timeout=10)
    token.raise_for_status()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    me = session.get(endpoints.url("/api/users/me"), timeout=10).json()["id"]
    pen = products["pen-blue"]
    price = session.get(endpoints.url(f"/api/products/{pen}"), timeout=10).json()["price"]
    line = {"product_id": pen, "quantity": 1, "price": float(price)}  # amounts go in as numbers
    body = {"customer_id": me, "products": [line]}
    placed = session.post(endpoints.url("/api/orders"), json=body, timeout=10)
    placed.raise_for_status()
    order = endpoints.url(f"/api/orders/{placed.json()['order_id']}")
    url = eventually(
        lambda: session.get(order, timeout=10).json().get("payment_url"),
        timeout=60,
        what="the sample order's payment link",
    )
    requests.post(f"{url}/pay", timeout=10).raise_for_status()
    eventually(
        lambda: session.get(order, timeout=10).json()["status"] == "paid",
        timeout=60,
        what="the sample order paid",
    )
    return placed.headers["traceresponse"].split("-")[1]
