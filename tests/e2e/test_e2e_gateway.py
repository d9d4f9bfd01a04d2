"""What the gateway itself gives a client: one /docs page over every service's OpenAPI, and
request ids that follow a call into the service's log and back."""

import uuid

import requests

from mercado_platform.testing.polling import eventually

SERVICES = ("users", "inventory", "orders", "payments", "notifications")


def test_docs_through_the_gateway(api):
    page = requests.get(f"{api.gateway}/docs", timeout=15)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for name in SERVICES:
        assert f"/docs/{name}/openapi.json" in page.text, name
        spec = requests.get(f"{api.gateway}/docs/{name}/openapi.json", timeout=15)
        assert spec.status_code == 200 and spec.json()["paths"], name


def test_request_ids_follow_a_call(api, mercado, customer):
    request_id = f"e2e-{uuid.uuid4().hex}"
    answer = customer.get("/api/orders", headers={"X-Request-ID": request_id})
    assert answer.status_code == 200
    assert answer.headers["X-Request-ID"] == request_id
    log = mercado.workdir / "orders-serve.log"
    eventually(lambda: request_id in log.read_text(), timeout=10, what="request id logged")
    made = requests.get(f"{api.gateway}/api/products", timeout=15).headers["X-Request-ID"]
    assert made and made != request_id
    missing = requests.get(f"{api.gateway}/api/nowhere", timeout=15)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
