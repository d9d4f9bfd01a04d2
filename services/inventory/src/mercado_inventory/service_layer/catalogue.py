"""Use cases of the catalogue: add, change and remove products."""

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mercado_inventory.adapters.products import Products
from mercado_inventory.domain.errors import ProductHasReservations, ProductNotFound
from mercado_inventory.domain.products import Product
from mercado_inventory.service_layer import events
from mercado_platform.db import UnitOfWork

CATALOGUE_FIELDS = ("sku", "name", "description", "price", "active")


def create_product(
    uow: UnitOfWork,
    *,
    sku: str,
    name: str,
    price: Decimal,
    description: str = "",
    active: bool = True,
    minimum: int | None = None,
    maximum: int | None = None,
) -> Product:
    """Add a product with no stock yet (stock arrives through receipts)."""
    product = Product(str(uuid.uuid4()), sku, name, price, description, active)
    product.set_limits(minimum, maximum)
    Products(uow.session).add(product)
    uow.publish(events.product_changed("product.created", product))
    uow.commit()
    return get_product(uow, product.id)


def get_product(uow: UnitOfWork, product_id: str) -> Product:
    """The product, or ProductNotFound."""
    product = Products(uow.session).get(product_id)
    if product is None:
        raise ProductNotFound(f"There is no product {product_id}.")
    return product


def update_product(uow: UnitOfWork, product_id: str, changes: Mapping[str, Any]) -> Product:
    """Change catalogue fields and stock limits; `product.updated` when the catalogue changed."""
    products = Products(uow.session)
    product = _locked(products, product_id)
    catalogue_before = events.product_changed("product.updated", product).data
    was_low = product.is_low
    for name in CATALOGUE_FIELDS:
        if name in changes:
            setattr(product, name, changes[name])
    product.set_limits(
        changes.get("minimum", product.minimum), changes.get("maximum", product.maximum)
    )
    products.save_catalogue(product)
    changed = events.product_changed("product.updated", product)
    if changed.data != catalogue_before:
        uow.publish(changed)
    events.publish_low_stock(uow, [product], {product.id: was_low})
    uow.commit()
    return get_product(uow, product.id)


def delete_product(uow: UnitOfWork, product_id: str) -> None:
    """Remove a product from the catalogue, unless orders still hold some of it."""
    products = Products(uow.session)
    product = _locked(products, product_id)
    if product.reserved:
        raise ProductHasReservations(
            f"{product.reserved} of {product.sku} are reserved for orders; "
            "delete it once they are paid, cancelled or expired."
        )
    products.delete(product)
    uow.publish(events.product_deleted(product))
    uow.commit()


def _locked(products: Products, product_id: str) -> Product:
    product = products.lock_one(product_id)
    if product is None:
        raise ProductNotFound(f"There is no product {product_id}.")
    return product
