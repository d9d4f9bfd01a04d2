"""Use cases of the catalogue: add, list, change and remove products."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mercado_inventory.adapters.unit_of_work import InventoryUnitOfWork
from mercado_inventory.domain.errors import ProductHasReservations, ProductNotFound
from mercado_inventory.domain.products import Movement, Product
from mercado_inventory.service_layer import events
from mercado_platform.ids import new_id
from mercado_platform.pagination import PageQuery

CATALOGUE_FIELDS = ("sku", "name", "description", "price", "active")


def create_product(
    uow: InventoryUnitOfWork,
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
    product = Product(new_id(), sku, name, price, description, active)
    product.set_limits(minimum, maximum)
    with uow:
        uow.products.add(product)
        uow.publish(events.product_changed("product.created", product))
        uow.commit()
        return _found(uow, product.id)


def get_product(uow: InventoryUnitOfWork, product_id: str) -> Product:
    """The product, or ProductNotFound."""
    with uow.reading() as reader:
        return _found(reader, product_id)


def list_products(
    uow: InventoryUnitOfWork,
    page: PageQuery,
    *,
    term: str | None = None,
    available: bool | None = None,
    active: bool | None = None,
) -> tuple[list[Product], bool]:
    """One page of products by name, searched in name and sku; whether more follow."""
    with uow.reading() as reader:
        return reader.products.search(page, term=term, available=available, active=active)


def list_movements(
    uow: InventoryUnitOfWork, product_id: str, page: PageQuery
) -> tuple[list[Movement], bool]:
    """One page of a product's ledger, newest first; whether more follow."""
    with uow.reading() as reader:
        product = _found(reader, product_id)
        return reader.ledger.of_product(product.id, page)


def update_product(
    uow: InventoryUnitOfWork, product_id: str, changes: Mapping[str, Any]
) -> Product:
    """Change catalogue fields and stock limits; `product.updated` when the catalogue changed."""
    with uow:
        product = _locked(uow, product_id)
        catalogue_before = events.product_changed("product.updated", product).data
        was_low = product.is_low
        for name in CATALOGUE_FIELDS:
            if name in changes:
                setattr(product, name, changes[name])
        product.set_limits(
            changes.get("minimum", product.minimum), changes.get("maximum", product.maximum)
        )
        uow.products.save_catalogue(product)
        changed = events.product_changed("product.updated", product)
        if changed.data != catalogue_before:
            uow.publish(changed)
        events.publish_low_stock(uow, [product], {product.id: was_low})
        uow.commit()
        return _found(uow, product.id)


def delete_product(uow: InventoryUnitOfWork, product_id: str) -> None:
    """Remove a product from the catalogue, unless orders still hold some of it."""
    with uow:
        product = _locked(uow, product_id)
        if product.reserved:
            raise ProductHasReservations(
                f"{product.reserved} of {product.sku} are reserved for orders; "
                "delete it once they are paid, cancelled or expired."
            )
        uow.products.delete(product)
        uow.publish(events.product_deleted(product))
        uow.commit()


def _found(uow: InventoryUnitOfWork, product_id: str) -> Product:
    product = uow.products.get(product_id)
    if product is None:
        raise ProductNotFound(f"There is no product {product_id}.")
    return product


def _locked(uow: InventoryUnitOfWork, product_id: str) -> Product:
    product = uow.products.lock_one(product_id)
    if product is None:
        raise ProductNotFound(f"There is no product {product_id}.")
    return product
