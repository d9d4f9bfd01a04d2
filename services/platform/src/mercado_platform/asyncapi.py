"""One AsyncAPI 3.0 document for the platform: exchanges, routing keys, payloads, and who
sends and receives each event, built from the contracts and the services' specs."""

from collections.abc import Iterable
from typing import Any

from mercado_platform.messaging.contracts import Contracts
from mercado_platform.messaging.topology import exchange_for
from mercado_platform.service import ServiceSpec


def asyncapi_document(contracts: Contracts, services: Iterable[ServiceSpec]) -> dict[str, Any]:
    """The AsyncAPI document of every contract, with each service's receive operations."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for contract in sorted(contracts, key=lambda c: (c.type, c.version)):
        key = f"{contract.type}.v{contract.version}"
        channel = channels.setdefault(contract.type, _channel(contract.producer, contract.type))
        channel["messages"][key] = {"$ref": f"#/components/messages/{key}"}
        messages[key] = {
            "name": contract.type,
            "title": f"{contract.type} v{contract.version}",
            "summary": contract.description,
            "contentType": "application/cloudevents+json",
            "payload": contract.schema,
        }
        operations[f"{contract.producer}.send.{contract.type}"] = _operation("send", contract.type)
    for spec in services:
        for queue in spec.queues:
            for event_type in sorted(queue.reads):
                if event_type in channels:
                    operation = _operation("receive", event_type)
                    operation["description"] = f"{spec.name} consumes it from queue {queue.name}"
                    operations[f"{spec.name}.receive.{event_type}"] = operation
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Mercado events", "version": "1.0.0"},
        "defaultContentType": "application/cloudevents+json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"messages": dict(sorted(messages.items()))},
    }


def _channel(producer: str, event_type: str) -> dict[str, Any]:
    return {
        "address": event_type,
        "messages": {},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {"name": exchange_for(producer), "type": "topic", "durable": True},
            }
        },
    }


def _operation(action: str, event_type: str) -> dict[str, Any]:
    return {"action": action, "channel": {"$ref": f"#/channels/{event_type}"}}
