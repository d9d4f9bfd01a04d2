"""How e2e tests talk to Mercado: as a client would, by path, through one set of endpoints."""

import uuid

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
