"""The seed local mode starts with: an administrator (made by `mercado-users create-admin`,
as an operator would) and a small catalogue with stock, added through the inventory API."""

from dataclasses import dataclass

import requests

from mercado_local.layout import Endpoints
from mercado_local.services import ServiceProcesses

ADMIN_LOGIN, ADMIN_EMAIL = "admin", "admin@mercado.local"

# sku, name, price, opening stock, minimum, maximum
CATALOGUE: tuple[tuple[str, str, str, int, int | None, int | None], ...] = (
    ("mug-classic", "Classic mug", "19.99", 120, 10, 500),
    ("tee-black-m", "Black T-shirt (M)", "29.99", 80, 5, 200),
    ("notebook-a5", "A5 notebook", "12.50", 200, 20, None),
    ("pen-blue", "Blue pen", "2.90", 1000, 100, 5000),
    ("bottle-steel", "Steel bottle", "34.00", 40, None, 100),
    ("cap-grey", "Grey cap", "24.90", 0, 5, 50),
)


@dataclass
class Seeded:
    """What a new user of local mode needs: the admin's login and a token, the products."""

    admin_password: str
    admin_token: str
    products: dict[str, str]


def seed(users: ServiceProcesses, endpoints: Endpoints, admin_password: str) -> Seeded:
    """Create (or re-grant) the admin, log in, and add each missing catalogue product."""
    users.command(
        "create-admin",
        "--login",
        ADMIN_LOGIN,
        "--email",
        ADMIN_EMAIL,
        env={"ADMIN_PASSWORD": admin_password},
    )
    session = requests.Session()
    login = {"login": ADMIN_LOGIN, "password": admin_password}
    answer = session.post(endpoints.url("/api/auth/token"), json=login, timeout=30)
    answer.raise_for_status()
    token = answer.json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    products = {row[0]: _product(session, endpoints, row) for row in CATALOGUE}
    return Seeded(admin_password, token, products)


def _product(session: requests.Session, endpoints: Endpoints, row: tuple) -> str:
    """The id of the product with this sku, added with its opening stock when missing."""
    sku, name, price, stock, minimum, maximum = row
    found = session.get(endpoints.url("/api/products"), params={"q": sku}, timeout=10)
    found.raise_for_status()
    for item in found.json()["items"]:
        if item["sku"] == sku:
            return item["id"]
    body = {"sku": sku, "name": name, "price": price, "minimum": minimum, "maximum": maximum}
    created = session.post(endpoints.url("/api/products"), json=body, timeout=10)
    created.raise_for_status()
    product_id = created.json()["id"]
    if stock:
        receipt = {"kind": "receipt", "quantity": stock, "reason": "local mode seed"}
        url = endpoints.url(f"/api/products/{product_id}/stock-movements")
        session.post(url, json=receipt, timeout=10).raise_for_status()
    return product_id
