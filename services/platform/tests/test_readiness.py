import pytest
from flask import Blueprint, jsonify
from sqlalchemy import text

from mercado_platform.service import dependencies
from mercado_platform.testing.polling import eventually


def wait_for_status(client, status: int):
    return eventually(
        lambda: (response := client.get("/readyz")).status_code == status and response,
        timeout=30,
        what=f"/readyz answering {status}",
    )


@pytest.fixture
def client(make_app, disposable_postgres, amqp_url):
    app = make_app(database_url=disposable_postgres.url(), amqp_url=amqp_url)
    return app.test_client()


def test_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}


def test_not_ready_while_the_database_is_down_and_ready_again_after(client, disposable_postgres):
    assert client.get("/readyz").status_code == 200
    disposable_postgres.stop()
    response = wait_for_status(client, 503)
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"].startswith("failed: OperationalError")
    assert checks["broker"] == "ok"
    assert client.get("/healthz").status_code == 200
    disposable_postgres.start()
    assert wait_for_status(client, 200).status_code == 200


def test_not_ready_when_the_broker_refuses_us(make_app, database_url, rabbitmq_server):
    vhost = rabbitmq_server.create_vhost()
    client = make_app(
        database_url=database_url, amqp_url=rabbitmq_server.amqp_url(vhost)
    ).test_client()
    assert client.get("/readyz").status_code == 200
    rabbitmq_server.delete_vhost(vhost)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "ok"
    assert response.get_json()["checks"]["broker"].startswith("failed:")


def test_a_request_while_the_database_is_unreachable_is_a_503(make_app, amqp_url):
    blueprint = Blueprint("uses_db", __name__)

    @blueprint.get("/count")
    def count():
        with dependencies()() as uow:  # the test service's dependencies are its units of work
            return jsonify(uow.session.execute(text("SELECT 1")).scalar())

    client = make_app([blueprint], amqp_url=amqp_url).test_client()
    response = client.get("/count")
    assert response.status_code == 503
    assert response.get_json()["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "1"


def test_not_ready_until_the_token_keys_are_fetched_then_ready_without_asking_again(
    make_app, database_url, amqp_url, jwks_server, signing_key
):
    keys = jwks_server.keys[:]
    jwks_server.keys.clear()
    app = make_app(database_url=database_url, amqp_url=amqp_url, jwks_url=jwks_server.url)
    client = app.test_client()
    refused = client.get("/readyz")
    assert refused.status_code == 503
    assert refused.get_json()["checks"]["signing_keys"].startswith("failed: ServiceUnavailable")
    jwks_server.keys.extend(keys)
    assert client.get("/readyz").get_json()["checks"]["signing_keys"] == "ok"
    asked = jwks_server.requests
    jwks_server.stop()  # the users service restarting: a pod that has the keys stays ready
    assert [client.get("/readyz").status_code for _ in range(3)] == [200, 200, 200]
    assert jwks_server.requests == asked
