"""A MessagingTopology resource made real: the service's exchange, its queues with their
retry and dead-letter queues and bindings, a broker user allowed exactly those, and a
service-binding Secret with AMQP_URL."""

from collections.abc import Mapping
from typing import Any

from mercado_operator import messaging, passwords, servicebinding
from mercado_operator.adapters.rabbitmq import Management
from mercado_operator.adapters.secrets import Secrets
from mercado_operator.failures import PermanentFailure, TemporaryFailure
from mercado_operator.messaging import QueuePlan, TopologyPlan
from mercado_operator.outcomes import Change, Outcome
from mercado_platform.messaging.topology import dead_letter_queue, exchange_for, retry_queue

BROKER_KEYS = ("management-uri", "username", "password", "host")


def provision(body: Mapping[str, Any], secrets: Secrets) -> Outcome:
    """Declare what is missing, apply the spec's differences, repair what drifted."""
    spec, namespace = body["spec"], body["metadata"]["namespace"]
    admin = secrets.require(namespace, spec["brokerSecretRef"]["name"], BROKER_KEYS)
    plan, vhost, user = messaging.plan(spec), spec.get("vhost", "/"), username(body)
    name = secret_name(body)
    password = (secrets.owned(body, name) or {}).get("password") or passwords.generate()
    broker = Management(admin["management-uri"], admin["username"], admin["password"])
    try:
        if not broker.vhost_exists(vhost):
            raise TemporaryFailure(
                "VirtualHostMissing", f"virtual host {vhost!r} does not exist on the broker"
            )
        changes = _declare(broker, vhost, plan)
        removed = set(body.get("status", {}).get("queues", [])) - set(plan.consumed)
        changes += _retire(broker, vhost, sorted(removed), spec)
        changes += _ensure_user(broker, vhost, user, password, plan.permissions)
    finally:
        broker.close()
    port = admin.get("port") or "5672"
    data = servicebinding.rabbitmq(admin["host"], port, vhost, user, password)
    if secrets.write(body, name, servicebinding.RABBITMQ, data):
        changes.append(Change("SecretWritten", f"wrote the credentials to Secret {name}"))
    queues = ", ".join(plan.consumed) or "no queues"
    return Outcome(
        f"{queues} declared for {spec['service']}; user {user}; credentials in Secret {name}",
        changes,
        {"vhost": vhost, "username": user, "queues": list(plan.consumed), "secretName": name},
    )


def deprovision(body: Mapping[str, Any], secrets: Secrets) -> Outcome:
    """Honour the deletion policy: keep everything, or delete the queues, exchange and user."""
    spec = body["spec"]
    if spec.get("deletionPolicy", "Retain") != "Delete":
        kept = "kept the queues, exchange and user (deletionPolicy Retain)"
        return Outcome(kept, [Change("Retained", kept)])
    admin = secrets.require(
        body["metadata"]["namespace"], spec["brokerSecretRef"]["name"], BROKER_KEYS
    )
    vhost, plan = spec.get("vhost", "/"), messaging.plan(spec)
    broker = Management(admin["management-uri"], admin["username"], admin["password"])
    try:
        for queue in plan.queues:
            broker.delete_queue(vhost, queue.name)
        if spec.get("publishes", True):
            broker.delete_exchange(vhost, exchange_for(spec["service"]))
        broker.delete_user(username(body))
    finally:
        broker.close()
    message = f"deleted the queues, exchange and user {username(body)} of {spec['service']}"
    return Outcome(message, [Change("Deleted", message)])


def username(body: Mapping[str, Any]) -> str:
    """The broker user of this topology."""
    return messaging.username(body["spec"], body["metadata"]["namespace"])


def secret_name(body: Mapping[str, Any]) -> str:
    """The Secret the credentials go to: as the spec says, else `<name>-amqp`."""
    return body["spec"].get("secretName") or f"{body['metadata']['name']}-amqp"


def _declare(broker: Management, vhost: str, plan: TopologyPlan) -> list[Change]:
    changes = []
    for exchange in plan.exchanges:
        if broker.declare_exchange(vhost, exchange, plan.exchange_type):
            changes.append(Change("ExchangeDeclared", f"declared exchange {exchange}"))
    for queue in plan.queues:
        if broker.declare_queue(vhost, queue.name, queue.arguments):
            changes.append(Change("QueueDeclared", f"declared queue {queue.name}"))
        changes += _sync_bindings(broker, vhost, queue)
    return changes


def _sync_bindings(broker: Management, vhost: str, queue: QueuePlan) -> list[Change]:
    """Give `queue` exactly its planned bindings: add the missing, remove the others."""
    current = broker.bindings(vhost, queue.name)
    changes = []
    for exchange, key in sorted(queue.bindings - current.keys()):
        broker.bind(vhost, exchange, queue.name, key)
        changes.append(Change("BindingAdded", f"bound {queue.name} to {exchange} with {key}"))
    for (exchange, key), properties in sorted(current.items()):
        if (exchange, key) not in queue.bindings:
            broker.unbind(vhost, exchange, queue.name, properties)
            changes.append(Change("BindingRemoved", f"unbound {queue.name} from {exchange} {key}"))
    return changes


def _retire(
    broker: Management, vhost: str, queues: list[str], spec: Mapping[str, Any]
) -> list[Change]:
    """Queues taken out of the spec stop receiving; with deletionPolicy Delete they go."""
    changes = []
    for queue in queues:
        changes += _sync_bindings(broker, vhost, QueuePlan(queue, {}))
        if spec.get("deletionPolicy", "Retain") == "Delete":
            for name in (queue, retry_queue(queue), dead_letter_queue(queue)):
                broker.delete_queue(vhost, name)
            changes.append(Change("QueueDeleted", f"deleted queue {queue} and its retry and DLQ"))
    return changes


def _ensure_user(
    broker: Management, vhost: str, user: str, password: str, permissions: dict[str, str]
) -> list[Change]:
    """A plain user with `password`, allowed exactly `permissions` in `vhost`."""
    found, changes = broker.user(user), []
    tags = (found or {}).get("tags") or []
    if tags:
        raise PermanentFailure(
            "UserConflict",
            f"broker user {user} exists with tags {tags}; the operator manages only plain "
            "users: set spec.username to another name",
        )
    if found is None or not passwords.rabbit_hash_matches(password, found["password_hash"]):
        broker.put_user(user, password)
        verb = "created broker user" if found is None else "reset the password of"
        changes.append(Change("UserCreated" if found is None else "UserUpdated", f"{verb} {user}"))
    if broker.permissions(vhost, user) != permissions:
        broker.set_permissions(vhost, user, permissions)
        changes.append(
            Change(
                "PermissionsSet",
                f"allowed {user} to write {permissions['write']} "
                f"and read {permissions['read']} in {vhost!r}, configure nothing",
            )
        )
    return changes
