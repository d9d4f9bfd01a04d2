"""`helm test`: place an order through the gateway the way a customer does, and see the saga
reserve its stock. Needs the users command (a fresh administrator to stock a product)."""

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

GATEWAY = os.environ["GATEWAY_URL"]
DEADLINE = time.monotonic() + float(os.environ.get("TEST_TIMEOUT_SECONDS", "120"))


def call(method: str, path: str, body: object = None, token: str = "") -> tuple[int, Any]:
    """(status, JSON body) of one request through the gateway."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(GATEWAY + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def until(what: str, attempt: Callable[[], Any]) -> Any:
    """attempt() until it returns a value, or fail at the deadline."""
    while time.monotonic() < DEADLINE:
        value = attempt()
        if value:
            return value
        time.sleep(1)
    raise SystemExit(f"test order: timed out waiting for {what}")


def expect(status: int, answer: tuple[int, Any]) -> Any:
    """The body of `answer`, failing the test unless it has `status`."""
    if answer[0] != status:
        raise SystemExit(f"test order: expected {status}, got {answer}")
    return answer[1]


def login(name: str, password: str) -> str:
    """An access token of `name`."""
    body = {"login": name, "password": password}
    return expect(200, call("POST", "/api/auth/token", body))["access_token"]


def main() -> None:
    tag = secrets.token_hex(4)
    password = secrets.token_urlsafe(18)
    admin = f"helmtest{tag}"
    subprocess.run(
        ["mercado-users", "create-admin", "--login", admin, "--email", f"{admin}@mercado.test"],
        env={**os.environ, "ADMIN_PASSWORD": password},
        check=True,
    )
    staff = login(admin, password)
    product = {"sku": f"HELM-TEST-{tag}", "name": "helm test mug", "price": "9.90"}
    product_id = expect(201, call("POST", "/api/products", product, staff))["id"]
    receipt = {"kind": "receipt", "quantity": 5, "reason": "helm test"}
    expect(201, call("POST", f"/api/products/{product_id}/stock-movements", receipt, staff))

    customer = {
        "login": f"helmbuyer{tag}",
        "email": f"helmbuyer{tag}@mercado.test",
        "password": password,
        "full_name": "Helm Test Buyer",
    }
    expect(201, call("POST", "/api/users", customer))
    token = login(customer["login"], password)
    customer_id = expect(200, call("GET", "/api/users/me", token=token))["id"]
    order = {
        "customer_id": customer_id,
        "products": [{"product_id": product_id, "quantity": 1, "price": 9.90}],
    }
    placed = until(
        "orders to accept the order",
        lambda: (answer := call("POST", "/api/orders", order, token))[0] == 200 and answer[1],
    )
    order_id = placed["order_id"]
    until(
        "the stock reservation",
        lambda: (
            call("GET", f"/api/orders/{order_id}", token=token)[1].get("status")
            == "awaiting_payment"
        ),
    )
    print(f"test order {order_id} placed and its stock reserved")


if __name__ == "__main__":
    main()
