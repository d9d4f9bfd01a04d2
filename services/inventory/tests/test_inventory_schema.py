"""The database is the last line of defence: migrations match the tables the code uses,
stock can never be oversold or negative, and the ledger can only grow."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import DBAPIError, IntegrityError

from mercado_inventory.bootstrap import SPEC


def test_migrations_create_exactly_the_tables_the_code_declares(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SPEC.metadata) == []


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ("reserved = on_hand + 1", "ck_products_reserved_within_on_hand"),
        ("on_hand = -1, reserved = -1", "ck_products_on_hand_not_negative"),
        ("reserved = -1", "ck_products_reserved_not_negative"),
        ("minimum = 5, maximum = 4", "ck_products_minimum_within_maximum"),
    ],
)
def test_stock_levels_that_would_oversell_cannot_be_committed(inventory, change, constraint):
    product_id = inventory.add_product(on_hand=3)
    with pytest.raises(IntegrityError, match=constraint):
        inventory.execute(f"UPDATE products SET {change} WHERE id = :id", id=product_id)
    assert (inventory.product(product_id).on_hand, inventory.product(product_id).reserved) == (3, 0)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stock_movements SET quantity = 100",
        "DELETE FROM stock_movements",
        "TRUNCATE stock_movements",
    ],
)
def test_the_ledger_refuses_updates_and_deletes(inventory, statement):
    inventory.add_product(on_hand=3)
    with pytest.raises(DBAPIError, match="append-only ledger"):
        inventory.execute(statement)
    assert inventory.scalars("SELECT quantity FROM stock_movements") == [3]
