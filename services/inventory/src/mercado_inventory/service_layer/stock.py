"""Use cases of stock levels: receipts and adjustments through the ledger, availability."""

from collections.abc import Sequence
from dataclasses import dataclass

from mercado_inventory.adapters.unit_of_work import InventoryUnitOfWork
from mercado_inventory.domain.errors import DuplicateProduct, ProductNotFound
from mercado_inventory.domain.products import Movement, MovementKind, Product
from mercado_inventory.domain.reservations import Line, Shortfall, shortfall
from mercado_inventory.service_layer import events


def record_movement(
    uow: InventoryUnitOfWork,
    product_id: str,
    kind: MovementKind,
    quantity: int,
    reason: str,
    actor: str,
) -> Movement:
    """Receive goods or adjust a count; on hand changes and the ledger records it, together."""
    if kind is MovementKind.SALE:
        raise ValueError("sales are recorded when an order is paid, not by hand")
    with uow:
        product = uow.products.lock_one(product_id)
        if product is None:
            raise ProductNotFound(f"There is no product {product_id}.")
        was_low = product.is_low
        if kind is MovementKind.RECEIPT:
            movement = product.receive(quantity, reason, actor)
        else:
            movement = product.adjust(quantity, reason, actor)
        uow.products.save_stock([product])
        [recorded] = uow.ledger.record([movement])
        events.publish_low_stock(uow, [product], {product.id: was_low})
        uow.commit()
    return recorded


@dataclass(frozen=True)
class Availability:
    """The answer for one line of an availability check."""

    line: Line
    product: Product | None
    shortfall: Shortfall | None


def check_availability(uow: InventoryUnitOfWork, lines: Sequence[Line]) -> list[Availability]:
    """Whether each line could be reserved right now; reserves nothing."""
    ids = [line.product_id for line in lines]
    if len(set(ids)) != len(ids):
        raise DuplicateProduct("Each product may appear only once in an availability check.")
    with uow.reading() as reader:
        found = reader.products.find(ids)
    return [
        Availability(line, found.get(line.product_id), shortfall(found.get(line.product_id), line))
        for line in lines
    ]
