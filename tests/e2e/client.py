"""How e2e tests talk to Mercado: as a client would, by path, through one set of endpoints."""

import uuid
from pathlib import Path

import requests

from mercado_local.layout import Endpoints
from mercado_platform.testing.polling import eventually

PASSWORD = "Sunny-Orchard-42"


class Client:
    """A client of the platform: a session with (maybe) a bearer token, paths not URLs."""

    def __init__(self, endpoints: Endpoints, token: str | None = None):
        self.endpoints, self.session = endpoints, requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.endpoints.url(path), timeout=15, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)


def register(api: Endpoints) -> Client:
    login = f"e2e{uuid.uuid4().hex[:10]}"
    body = {"login": login, "email": f"{login}@example.com", "password": PASSWORD}
    created = Client(api).post("/api/users", json={**body, "full_name": "Ana Souza"})
    assert created.status_code == 201, created.text
    token = Client(api).post("/api/auth/token", json={"login": login, "password": PASSWORD})
    assert token.status_code == 200, token.text
    client = Client(api, token.json()["access_token"])
    client.id, client.login = created.json()["id"], login
    client.refresh = token.json()["refresh_token"]
    return client


def new_product(admin: Client, price: str, stock: int, **extra) -> str:
    sku = f"e2e-{uuid.uuid4().hex[:8]}"
    created = admin.post(
        "/api/products", json={"sku": sku, "name": f"Product {sku}", "price": price, **extra}
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    if stock:
        receipt = {"kind": "receipt", "quantity": stock, "reason": "e2e"}
        moved = admin.post(f"/api/products/{product_id}/stock-movements", json=receipt)
        assert moved.status_code == 201, moved.text
    return product_id


def wait_status(client: Client, order_id: str, status: str, timeout: float = 60) -> dict:
    return eventually(
        lambda: (o := client.get(f"/api/orders/{order_id}").json())["status"] == status and o,
        timeout=timeout,
        what=f"order {order_id} {status}",
    )


def place(customer: Client, lines: dict[str, tuple[int, float]]) -> str:
    """Place an order with seed 001's body shape; its id."""
    products = [{"product_id": p, "quantity": q, "price": price} for p, (q, price) in lines.items()]
    placed = customer.post("/api/orders", json={"customer_id": customer.id, "products": products})
    assert placed.status_code == 200, placed.text
    return placed.json()["order_id"]


def press(payment_url: str, button: str) -> requests.Response:
    """Press Pay or Cancel on the local checkout page, as its HTML form posts."""
    return requests.post(f"{payment_url}/{button}", timeout=15)


def mails(mailbox: Path, to: str) -> list[str]:
    """Subjects of the e-mails the local sink received for `to`, oldest first."""
    subjects = []
    for block in mailbox.read_text(encoding="utf-8").split("-" * 72 + "\n"):
        head = dict(
            line.split(": ", 1) for line in block.split("\n\n", 1)[0].splitlines() if ": " in line
        )
        if to in head.get("To", "").split(", "):
            subjects.append(head["Subject"])
    return subjects
