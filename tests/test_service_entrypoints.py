"""Every service's `mercado-<service>` command, run as a user would, against real servers."""

import os
import signal
import subprocess

import pytest
import requests
from sqlalchemy import inspect

from mercado_platform.db import Database
from mercado_platform.testing.processes import free_port, wait_until

SERVICES = ["users", "inventory", "orders", "payments", "notifications"]


def command(service: str, *args: str, env: dict[str, str], timeout: float = 60):
    return subprocess.run(
        [f"mercado-{service}", *args],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("service", SERVICES)
def test_missing_configuration_fails_fast_naming_the_variable(service):
    result = command(service, "migrate", env={"AMQP_URL": "amqp://localhost/"})
    assert result.returncode == 2
    assert f"mercado-{service}: invalid configuration: DATABASE_URL is required" in result.stderr


def test_migrate_gives_up_on_an_absent_database_with_a_sentence():
    env = {
        "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/x",
        "AMQP_URL": "amqp://x/",
    }
    result = command("orders", "migrate", "--timeout", "1", env=env)
    assert result.returncode == 1
    assert "mercado-orders: the database did not answer within 1s" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_migrates_then_serves_under_gunicorn(service, database_url, amqp_url):
    env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url}
    migrated = command(service, "migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    tables = set(inspect(Database(database_url).engine).get_table_names())
    assert {"outbox", "inbox", "alembic_version"} <= tables
    port = free_port()
    server = subprocess.Popen(
        [f"mercado-{service}", "serve"],
        env={
            **os.environ,
            **env,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "WEB_CONCURRENCY": "1",
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: requests.get(f"{base}/healthz", timeout=1).ok,
            timeout=30,
            what=service,
            process=server,
        )
        ready = requests.get(f"{base}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
        document = requests.get(f"{base}/openapi.json", timeout=5).json()
        assert document["info"]["title"] == f"Mercado {service} API"
        missing = requests.get(f"{base}/api/nothing-here", timeout=5)
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    finally:
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=30)
    assert server.returncode == 0
    assert any(
        '"logger": "mercado.access"' in line and "/readyz" in line for line in log.splitlines()
    )
