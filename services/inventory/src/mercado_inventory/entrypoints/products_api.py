"""/api/products: the catalogue. Reading is public; changing it needs `inventory:write`."""

from typing import Any

from flask import Blueprint

from mercado_inventory.domain.errors import (
    BelowReserved,
    DuplicateSku,
    ExceedsMaximum,
    InvalidStockLimits,
    ProductHasReservations,
    ProductNotFound,
)
from mercado_inventory.entrypoints.schemas import (
    NewProduct,
    ProductChanges,
    ProductQuery,
    product_json,
)
from mercado_inventory.service_layer import catalogue
from mercado_inventory.service_layer.dependencies import Dependencies
from mercado_platform.auth import requires
from mercado_platform.openapi import answers
from mercado_platform.pagination import page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate

WRITE = "inventory:write"
blueprint = Blueprint("products", __name__, url_prefix="/api/products")
PRODUCT_LINKS = {
    operation: {"product_id": "$response.body#/id"}
    for operation in (
        "products.get_product",
        "products.update_product",
        "products.delete_product",
        "stock.record_movement",
        "stock.list_movements",
    )
}


@blueprint.post("")
@requires(WRITE)
@validate(body=NewProduct)
@answers(201, DuplicateSku, InvalidStockLimits, links=PRODUCT_LINKS)
def create_product(body: NewProduct) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Add a product to the catalogue (with no stock: receipts bring it)."""
    inventory: Dependencies = dependencies()
    product = catalogue.create_product(inventory.uow(), **body.model_dump())
    return product_json(product), 201, {"Location": f"/api/products/{product.id}"}


@blueprint.get("")
@validate(query=ProductQuery)
@answers(200)
def list_products(query: ProductQuery) -> dict[str, Any]:
    """List products by name, searching name and sku, filtered by availability."""
    inventory: Dependencies = dependencies()
    found, more = catalogue.list_products(
        inventory.uow(), query, term=query.q, available=query.available, active=query.active
    )
    return page_body([product_json(product) for product in found], query, more)


@blueprint.get("/<id:product_id>")
@answers(200, ProductNotFound)
def get_product(product_id: str) -> dict[str, Any]:
    """One product with its stock levels."""
    inventory: Dependencies = dependencies()
    return product_json(catalogue.get_product(inventory.uow(), product_id))


@blueprint.patch("/<id:product_id>")
@requires(WRITE)
@validate(body=ProductChanges)
@answers(200, ProductNotFound, DuplicateSku, InvalidStockLimits, ExceedsMaximum, BelowReserved)
def update_product(product_id: str, body: ProductChanges) -> dict[str, Any]:
    """Change catalogue fields or stock limits; fields left out stay as they are."""
    inventory: Dependencies = dependencies()
    changes = body.model_dump(exclude_unset=True)
    return product_json(catalogue.update_product(inventory.uow(), product_id, changes))


@blueprint.delete("/<id:product_id>")
@requires(WRITE)
@answers(204, ProductNotFound, ProductHasReservations)
def delete_product(product_id: str) -> tuple[str, int]:
    """Remove a product from the catalogue (refused while orders hold some of it)."""
    inventory: Dependencies = dependencies()
    catalogue.delete_product(inventory.uow(), product_id)
    return "", 204
