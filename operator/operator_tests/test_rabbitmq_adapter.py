"""The RabbitMQ management adapter against a real broker."""

import pytest

from mercado_operator import passwords
from mercado_operator.adapters.rabbitmq import Management
from mercado_operator.failures import PermanentFailure, TemporaryFailure
from mercado_platform.testing.rabbitmq import PASSWORD, USER

from .conftest import unique


@pytest.fixture
def management(rabbitmq_server):
    api = Management(rabbitmq_server.management_url, USER, PASSWORD)
    yield api
    api.close()


@pytest.fixture
def vhost(rabbitmq_server):
    name = rabbitmq_server.create_vhost()
    yield name
    rabbitmq_server.delete_vhost(name)


def test_declarations_say_whether_they_created_and_refuse_a_different_one(management, vhost):
    assert management.vhost_exists(vhost) and not management.vhost_exists("nowhere")
    assert management.declare_exchange(vhost, "a.events", "topic") is True
    assert management.declare_exchange(vhost, "a.events", "topic") is False
    assert management.declare_queue(vhost, "q", {"x-queue-type": "quorum"}) is True
    assert management.declare_queue(vhost, "q", {"x-queue-type": "quorum"}) is False
    with pytest.raises(PermanentFailure) as conflict:
        management.declare_queue(vhost, "q", {"x-queue-type": "classic"})
    assert conflict.value.reason == "TopologyConflict"
    assert "inequivalent arg 'x-queue-type'" in conflict.value.message
    management.delete_queue(vhost, "q")
    management.delete_queue(vhost, "q")


def test_bindings_are_listed_added_and_removed(management, vhost):
    management.declare_exchange(vhost, "a.events", "topic")
    management.declare_queue(vhost, "q", {})
    management.bind(vhost, "a.events", "q", "order.*")
    management.bind(vhost, "a.events", "q", "order.*")
    management.bind(vhost, "a.events", "q", "stock.low")
    found = management.bindings(vhost, "q")
    assert set(found) == {("a.events", "order.*"), ("a.events", "stock.low")}
    management.unbind(vhost, "a.events", "q", found[("a.events", "order.*")])
    assert set(management.bindings(vhost, "q")) == {("a.events", "stock.low")}
    assert management.bindings(vhost, "missing") == {}


def test_users_and_permissions(management, vhost):
    user = unique("user.")
    assert management.user(user) is None and management.permissions(vhost, user) is None
    management.put_user(user, "first")
    record = management.user(user)
    assert record["tags"] == []
    assert passwords.rabbit_hash_matches("first", record["password_hash"])
    assert not passwords.rabbit_hash_matches("second", record["password_hash"])
    allowed = {"configure": "^$", "write": "^(a)$", "read": "^(q)$"}
    management.set_permissions(vhost, user, allowed)
    assert management.permissions(vhost, user) == allowed
    management.delete_user(user)
    assert management.user(user) is None
    assert management.user(USER)["tags"] == ["administrator"]


def test_an_unreachable_broker_and_refused_credentials_are_temporary(rabbitmq_server):
    down = Management("http://127.0.0.1:9", USER, PASSWORD)
    with pytest.raises(TemporaryFailure) as unreachable:
        down.vhost_exists("/")
    assert unreachable.value.reason == "BrokerUnavailable"
    wrong = Management(rabbitmq_server.management_url, USER, "not-the-password")
    with pytest.raises(TemporaryFailure) as refused:
        wrong.vhost_exists("/")
    assert refused.value.reason == "BrokerRefused"
    assert "not-the-password" not in refused.value.message
