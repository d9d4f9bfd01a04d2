"""Every change to a customer's data reaches the broker as its customer.* event: migrate,
declare the topology, run the real `mercado-users relay`, consume from a test queue."""

import json
import os
import signal
import subprocess

import pika
import pytest
from sqlalchemy import text

from mercado_platform.messaging.contracts import platform_contracts
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import declare
from mercado_platform.testing.polling import eventually
from mercado_users.bootstrap import SPEC

HOME = {
    "street": "Rua Augusta",
    "number": "100",
    "city": "São Paulo",
    "postal_code": "01305-000",
    "country": "BR",
}


class Broker:
    """A test queue bound to every customer.* event on users.events."""

    def __init__(self, amqp_url: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        declare(self.channel, SPEC.topology)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, "users.events", "customer.#")
        self.received: list[tuple[pika.BasicProperties, Event]] = []

    def events(self, count: int) -> list[Event]:
        """Wait until `count` events arrived; return them all, in order."""

        def drained() -> bool:
            while (message := self.channel.basic_get(self.queue, auto_ack=True))[0]:
                _, properties, body = message
                self.received.append((properties, Event.from_json(body)))
            return len(self.received) >= count

        eventually(drained, timeout=30, what=f"{count} customer events on the broker")
        return [event for _, event in self.received]


@pytest.fixture
def broker(amqp_url):
    broker = Broker(amqp_url)
    yield broker
    broker.connection.close()


@pytest.fixture
def relay(users_db, amqp_url, broker):
    process = subprocess.Popen(
        ["mercado-users", "relay"],
        env={**os.environ, "DATABASE_URL": users_db, "AMQP_URL": amqp_url, "LOG_LEVEL": "WARNING"},
    )
    yield process
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0


def test_each_change_to_a_customer_is_published_in_order(api, client, broker, relay):
    admin = api.admin()
    account = api.account("carla", phone="+351 912 345 678")
    headers = account.headers
    client.patch("/api/users/me", json={"full_name": "Carla Sousa"}, headers=headers)
    client.patch("/api/users/me", json={"full_name": "Carla Sousa"}, headers=headers)  # no change
    home = client.post("/api/users/me/addresses", json=HOME, headers=headers).get_json()
    client.post(f"/api/users/{account.id}/disable", json={"reason": "fraud"}, headers=admin.headers)

    events = broker.events(5)
    assert [e.type for e in events] == [
        "customer.registered",  # the admin
        "customer.registered",
        "customer.updated",
        "customer.address_changed",
        "customer.disabled",
    ]
    assert all(e.source == "/mercado/users" for e in events)
    assert all(e.subject == e.data["customer_id"] for e in events)
    carla = [e for e in events if e.data["customer_id"] == account.id]
    assert carla[0].data == {
        "customer_id": account.id,
        "login": "carla",
        "email": "carla@example.com",
        "full_name": "A Person",
        "phone": "+351 912 345 678",
    }
    assert (
        carla[1].data["full_name"] == "Carla Sousa" and carla[1].data["phone"] == "+351 912 345 678"
    )
    assert carla[2].data == {
        "customer_id": account.id,
        "addresses": [
            {
                "address_id": home["id"],
                "label": None,
                "street": "Rua Augusta",
                "number": "100",
                "complement": None,
                "city": "São Paulo",
                "state": None,
                "postal_code": "01305-000",
                "country": "BR",
                "is_default": True,
            }
        ],
    }
    assert carla[3].data == {"customer_id": account.id, "reason": "fraud"}
    for event in events:
        platform_contracts().check(event, strict=True)
    properties = broker.received[1][0]
    assert properties.message_id == events[1].id
    assert properties.content_type == "application/cloudevents+json"


def test_address_removal_publishes_the_remaining_list(api, client, broker, relay):
    account = api.account()
    first = client.post("/api/users/me/addresses", json=HOME, headers=account.headers).get_json()
    second = client.post(
        "/api/users/me/addresses", json={**HOME, "label": "work"}, headers=account.headers
    ).get_json()
    client.delete(f"/api/users/me/addresses/{first['id']}", headers=account.headers)
    last = broker.events(4)[-1]
    assert last.type == "customer.address_changed"
    assert [(a["address_id"], a["is_default"]) for a in last.data["addresses"]] == [
        (second["id"], True)
    ]


def test_export_then_delete_erases_personal_data_and_publishes_customer_deleted(
    api, client, broker, relay, database
):
    account = api.account("deleteme", phone="+55 21 99999-0000")
    client.post("/api/users/me/addresses", json=HOME, headers=account.headers)
    exported = client.get("/api/users/me/export", headers=account.headers)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    held = exported.get_json()
    assert (
        held["profile"]["login"] == "deleteme" and held["profile"]["phone"] == "+55 21 99999-0000"
    )
    assert [a["street"] for a in held["addresses"]] == ["Rua Augusta"]
    assert len(held["sessions"]) == 1 and held["sessions"][0]["revoked_at"] is None
    assert "argon2" not in json.dumps(held)

    assert client.delete("/api/users/me", headers=account.headers).status_code == 204
    deleted = broker.events(3)[-1]
    assert (deleted.type, deleted.data) == ("customer.deleted", {"customer_id": account.id})
    with database.engine.connect() as connection:
        row = (
            connection.execute(text("SELECT * FROM users WHERE id = :id"), {"id": account.id})
            .mappings()
            .one()
        )
        left = {
            table: connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE user_id = :id"), {"id": account.id}
            ).scalar_one()
            for table in ("addresses", "refresh_tokens")
        }
    assert row["status"] == "deleted" and row["roles"] == []
    assert "deleteme" not in (row["login"], row["email"]) and row["phone"] is None
    assert row["full_name"] == "" and row["password_hash"] == ""
    assert left == {"addresses": 0, "refresh_tokens": 0}
    assert api.login("deleteme").status_code == 401
    assert client.get("/api/users/me", headers=account.headers).status_code == 403
    refresh = client.post("/api/auth/refresh", json={"refresh_token": account.refresh_token})
    assert refresh.status_code == 401
    api.register("deleteme")  # the login and e-mail are free again


def test_a_failed_change_publishes_nothing(api, client, database):
    account = api.account()
    other = api.register()
    client.patch("/api/users/me", json={"email": other["email"]}, headers=account.headers)
    with database.engine.connect() as connection:
        types = connection.execute(text("SELECT routing_key FROM outbox ORDER BY id")).scalars()
        assert list(types) == ["customer.registered", "customer.registered"]
