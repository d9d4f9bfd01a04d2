"""/api/products: the catalogue. Reading is public; changing it needs `inventory:write`."""

from typing import Any

from flask import Blueprint

from mercado_inventory.adapters.products import PRODUCT, Products
from mercado_inventory.entrypoints.errors import answer_domain_errors
from mercado_inventory.entrypoints.schemas import (
    NewProduct,
    ProductChanges,
    ProductQuery,
    product_json,
)
from mercado_inventory.service_layer import catalogue
from mercado_platform.auth import requires
from mercado_platform.pagination import fetch_page, page_body
from mercado_platform.service import unit_of_work
from mercado_platform.validation import validate

WRITE = "inventory:write"


def products_blueprint() -> Blueprint:
    """The catalogue's routes."""
    blueprint = Blueprint("products", __name__, url_prefix="/api/products")

    @blueprint.post("")
    @requires(WRITE)
    @validate(body=NewProduct)
    def create_product(body: NewProduct) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Add a product to the catalogue (with no stock: receipts bring it)."""
        with unit_of_work() as uow:
            product = catalogue.create_product(uow, **body.model_dump())
        return product_json(product), 201, {"Location": f"/api/products/{product.id}"}

    @blueprint.get("")
    @validate(query=ProductQuery)
    def list_products(query: ProductQuery) -> dict[str, Any]:
        """List products by name, searching name and sku, filtered by availability."""
        with unit_of_work().reading() as uow:
            statement = Products(uow.session).search(query.q, query.available, query.active)
            rows, more = fetch_page(uow.session, statement, query, rows=True)
        return page_body([product_json(product) for product in PRODUCT.all(rows)], query, more)

    @blueprint.get("/<product_id>")
    def get_product(product_id: str) -> dict[str, Any]:
        """One product with its stock levels."""
        with unit_of_work().reading() as uow:
            return product_json(catalogue.get_product(uow, product_id))

    @blueprint.patch("/<product_id>")
    @requires(WRITE)
    @validate(body=ProductChanges)
    def update_product(product_id: str, body: ProductChanges) -> dict[str, Any]:
        """Change catalogue fields or stock limits; fields left out stay as they are."""
        with unit_of_work() as uow:
            changes = body.model_dump(exclude_unset=True)
            return product_json(catalogue.update_product(uow, product_id, changes))

    @blueprint.delete("/<product_id>")
    @requires(WRITE)
    def delete_product(product_id: str) -> tuple[str, int]:
        """Remove a product from the catalogue (refused while orders hold some of it)."""
        with unit_of_work() as uow:
            catalogue.delete_product(uow, product_id)
        return "", 204

    return answer_domain_errors(blueprint)
