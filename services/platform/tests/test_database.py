import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import Column, Integer, Table, Text, func, insert, inspect, select
from sqlalchemy.exc import OperationalError

from mercado_platform.db import ROW_ID, Database, UnitOfWork, new_metadata, update_by_id
from mercado_platform.migrations import new_revision, upgrade
from mercado_platform.testing.postgres import PostgresServer

VERSIONS = Path(__file__).parent / "versions"
metadata = new_metadata()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", Text))


@pytest.fixture
def database(database_url):
    upgrade(database_url, VERSIONS, metadata)
    db = Database(database_url)
    yield db
    db.dispose()


def count(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(notes))


def test_migrations_apply_the_platform_and_service_branches(database):
    assert {"notes", "outbox", "inbox"} <= set(inspect(database.engine).get_table_names())
    with database.engine.connect() as connection:
        versions = set(
            connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
        )
    assert versions == {"platform_0002", "notes_0001"}


def test_revision_starts_the_service_branch_then_extends_it(database_url, tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    new_revision(database_url, versions, metadata, "shelf", "first", autogenerate=False)
    new_revision(database_url, versions, metadata, "shelf", "second", autogenerate=False)
    first, second = (
        f.read_text() for f in sorted(versions.glob("*.py"), key=lambda f: f.stat().st_mtime)
    )
    assert "branch_labels = ('shelf',)" in first and "down_revision = None" in first
    assert "branch_labels = None" in second and "down_revision = None" not in second


def test_concurrent_migrators_do_not_collide(database_url):
    """Three pods migrating at once: the advisory lock lets one work, the others find it done."""
    script = (
        "import sys; from pathlib import Path; from mercado_platform.db import new_metadata; "
        "from mercado_platform.migrations import upgrade; "
        "upgrade(sys.argv[1], Path(sys.argv[2]), new_metadata())"
    )
    migrators = [
        subprocess.Popen([sys.executable, "-c", script, database_url, str(VERSIONS)])
        for _ in range(3)
    ]
    assert [migrator.wait(60) for migrator in migrators] == [0, 0, 0]
    assert "notes" in inspect(Database(database_url).engine).get_table_names()


def test_unit_of_work_keeps_changes_only_on_commit(database):
    with UnitOfWork(database) as uow:
        uow.session.execute(insert(notes).values(body="kept"))
        uow.commit()
    with UnitOfWork(database) as uow:
        uow.session.execute(insert(notes).values(body="forgotten"))
    with pytest.raises(ZeroDivisionError), UnitOfWork(database) as uow:
        uow.session.execute(insert(notes).values(body="failed"))
        1 / 0  # noqa: B018
    with database.engine.connect() as connection:
        assert connection.scalars(select(notes.c.body)).all() == ["kept"]
    assert count(database) == 1


def in_transaction(uow: UnitOfWork) -> bool:
    status = uow.session.connection.dbapi_connection.info.transaction_status
    return status != psycopg2.extensions.TRANSACTION_STATUS_IDLE


def test_a_reading_unit_of_work_reads_outside_a_transaction(database):
    with UnitOfWork(database) as uow:
        uow.session.execute(insert(notes).values(body="kept"))
        assert in_transaction(uow)
        uow.commit()
    with UnitOfWork(database).reading() as reader:
        assert reader.session.scalars(select(notes.c.body)).all() == ["kept"]
        assert not in_transaction(reader)
        with pytest.raises(RuntimeError, match="nothing to commit"):
            reader.commit()


def test_a_reader_hands_its_connection_back_transactional(database_url):
    upgrade(database_url, VERSIONS, metadata)
    database = Database(database_url, pool_size=1)  # reader and writer share one connection
    try:
        with UnitOfWork(database).reading() as reader:
            reader.session.execute(select(notes.c.id))
        with UnitOfWork(database) as uow:
            uow.session.execute(insert(notes).values(body="not committed"))
            assert in_transaction(uow)
        assert count(database) == 0
    finally:
        database.dispose()


def test_update_by_id_changes_the_named_row_and_the_columns_given(database):
    with UnitOfWork(database) as uow:
        uow.session.execute(insert(notes), [{"id": 1, "body": "one"}, {"id": 2, "body": "two"}])
        uow.session.execute(update_by_id(notes), {"body": "uno", ROW_ID: 1})
        uow.commit()
    with database.engine.connect() as connection:
        rows = connection.execute(select(notes.c.id, notes.c.body).order_by(notes.c.id)).all()
    assert [tuple(row) for row in rows] == [(1, "uno"), (2, "two")]


def test_update_by_id_refuses_a_table_with_a_column_of_its_parameters_name():
    shelf = Table("shelf", new_metadata(), Column("id", Integer), Column(ROW_ID, Integer))
    with pytest.raises(ValueError, match="row_id"):
        update_by_id(shelf)


def cut_every_connection(database_url: str) -> None:
    """Terminate the server side of every other connection to the database, as a restart
    would."""
    connection = psycopg2.connect(database_url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    finally:
        connection.close()


def test_an_idle_pooled_connection_that_was_cut_is_replaced_unseen(database_url):
    upgrade(database_url, VERSIONS, metadata)
    # with no idle allowance every checkout counts as after idling, so is pinged
    database = Database(database_url, pool_size=1, ping_after_idle_seconds=0)
    try:
        assert count(database) == 0
        cut_every_connection(database_url)
        assert count(database) == 0
    finally:
        database.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(database_url):
    """The trade-off: a cut that lands between two quick transactions fails the second one
    (the caller's error path, a 503 or a redelivery), and the pool has replaced it for the next."""
    upgrade(database_url, VERSIONS, metadata)
    database = Database(database_url, pool_size=1, ping_after_idle_seconds=60)
    try:
        assert count(database) == 0
        cut_every_connection(database_url)
        with pytest.raises(OperationalError):
            count(database)
        assert count(database) == 0
    finally:
        database.dispose()


@pytest.mark.servers
def test_a_private_server_runs_with_the_settings_given():
    server = PostgresServer({"shared_preload_libraries": "pg_stat_statements", "work_mem": "3MB"})
    try:
        connection = psycopg2.connect(server.start().url(), connect_timeout=5)
        with connection, connection.cursor() as cursor:
            cursor.execute("SHOW shared_preload_libraries")
            assert cursor.fetchone() == ("pg_stat_statements",)
            cursor.execute("SHOW work_mem")
            assert cursor.fetchone() == ("3MB",)
        connection.close()
    finally:
        server.destroy()
