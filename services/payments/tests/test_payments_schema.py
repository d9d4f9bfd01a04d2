"""The migration makes exactly the tables the code declares; the database refuses a second
payment for an order and a status the code does not know."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mercado_payments.bootstrap import SPEC

INSERT = (
    "INSERT INTO payments (id, order_id, customer_id, status, amount, currency, description,"
    " provider) VALUES (:id, :order, 'c', :status, 1, 'brl', '', 'local')"
)


def test_migrations_create_exactly_the_tables_the_code_declares(payments_db):
    with payments_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SPEC.metadata) == []


@pytest.mark.parametrize(
    ("second", "constraint"),
    [
        ({"id": "p2", "order": "o1", "status": "open"}, "uq_payments_order_id"),
        ({"id": "p2", "order": "o2", "status": "paid"}, "ck_payments_status"),
    ],
)
def test_the_database_refuses_what_the_model_forbids(payments_db, second, constraint):
    with payments_db.engine.begin() as connection:
        connection.execute(text(INSERT), {"id": "p1", "order": "o1", "status": "open"})
    with pytest.raises(IntegrityError, match=constraint), payments_db.engine.begin() as connection:
        connection.execute(text(INSERT), second)
