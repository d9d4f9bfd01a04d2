"""The products repository: catalogue rows in, domain products out."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict

from sqlalchemy import Connection, bindparam, func, insert, or_, update
from sqlalchemy.exc import IntegrityError

from mercado_inventory.adapters.rows import As
from mercado_inventory.adapters.tables import products
from mercado_inventory.domain.errors import DuplicateSku
from mercado_inventory.domain.products import Product
from mercado_platform.db import containing
from mercado_platform.ids import canonical_id
from mercado_platform.pagination import PageQuery, fetch_page

PRODUCT = As(Product, products, *(c.name for c in products.c if c.name != "deleted_at"))
LIVE = products.c.deleted_at.is_(None)
SKU_INDEX = "uq_products_live_sku"
CATALOGUE = ("sku", "name", "description", "price", "active", "minimum", "maximum")
SAVE_STOCK = (
    update(products)
    .where(products.c.id == bindparam("product_id"))
    .values(on_hand=bindparam("on_hand"), reserved=bindparam("reserved"), updated_at=func.now())
)
# built once, as every order locks its products (see reservations.py)
_LIVE_AMONG = PRODUCT.select().where(LIVE, products.c.id.in_(bindparam("ids", expanding=True)))
_LOCK_AMONG = _LIVE_AMONG.order_by(products.c.id).with_for_update()


class Products:
    """Products that are not deleted, read plainly or locked for a change."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def get(self, product_id: str) -> Product | None:
        """The product, or None when the id is unknown, malformed or deleted."""
        return self.find([product_id]).get(canonical_id(product_id) or "")

    def find(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """The known products among `product_ids`, by id, without locking."""
        found = self.session.execute(_LIVE_AMONG, _ids(product_ids))
        return {p.id: p for p in PRODUCT.all(found)}

    def lock(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """Lock the known products among `product_ids` for update, in id order.

        Every transaction that changes stock takes its product locks in ascending id
        order, so two of them never wait for each other in a cycle (no deadlocks).
        """
        locked = self.session.execute(_LOCK_AMONG, _ids(product_ids))
        return {p.id: p for p in PRODUCT.all(locked)}

    def lock_one(self, product_id: str) -> Product | None:
        """The product locked for update, or None when it is unknown."""
        return self.lock([product_id]).get(canonical_id(product_id) or "")

    def add(self, product: Product) -> None:
        """Insert a new product; a live product with the same sku is a DuplicateSku."""
        values = {k: v for k, v in asdict(product).items() if k not in ("created_at", "updated_at")}
        with _unique_sku(product.sku):
            self.session.execute(insert(products).values(**values))

    def save_catalogue(self, product: Product) -> None:
        """Write the catalogue fields and limits (never stock levels, which movements own)."""
        values = {name: getattr(product, name) for name in CATALOGUE}
        with _unique_sku(product.sku):
            self.session.execute(
                update(products)
                .where(products.c.id == product.id)
                .values(**values, updated_at=func.now())
            )

    def save_stock(self, changed: Iterable[Product]) -> None:
        """Write on hand and reserved of products locked by this transaction."""
        rows = [{"product_id": p.id, "on_hand": p.on_hand, "reserved": p.reserved} for p in changed]
        if rows:
            self.session.execute(SAVE_STOCK, rows)

    def delete(self, product: Product) -> None:
        """Take the product out of the catalogue; its ledger stays."""
        self.session.execute(
            update(products).where(products.c.id == product.id).values(deleted_at=func.now())
        )

    def search(
        self,
        page: PageQuery,
        *,
        term: str | None = None,
        available: bool | None = None,
        active: bool | None = None,
    ) -> tuple[list[Product], bool]:
        """One page of the products whose name or sku contains `term`, filtered, ordered by
        name; whether more follow."""
        statement = PRODUCT.select().where(LIVE).order_by(products.c.name, products.c.id)
        if term:
            pattern = containing(term)
            statement = statement.where(
                or_(products.c.name.ilike(pattern), products.c.sku.ilike(pattern))
            )
        if available is not None:
            in_stock = products.c.on_hand - products.c.reserved > 0
            statement = statement.where(in_stock if available else ~in_stock)
        if active is not None:
            statement = statement.where(products.c.active.is_(active))
        rows, more = fetch_page(self.session, statement, page, rows=True)
        return PRODUCT.all(rows), more


def _ids(product_ids: Iterable[str]) -> dict[str, list[str]]:
    return {"ids": sorted({c for c in map(canonical_id, product_ids) if c})}


@contextmanager
def _unique_sku(sku: str) -> Iterator[None]:
    """Turn a violation of the live-sku unique index into DuplicateSku."""
    try:
        yield
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) != SKU_INDEX:
            raise
        raise DuplicateSku(f"A product with sku {sku!r} already exists.") from None
