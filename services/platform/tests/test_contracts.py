import copy
import re

import pytest
from sqlalchemy import text

from mercado_platform.asyncapi import asyncapi_document
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.messaging.contracts import ContractError, unmet_reads
from mercado_platform.messaging.events import Event
from mercado_platform.migrations import upgrade

from .shop.app import ORDERS, SPEC

READS = ORDERS.reads["order.placed"]
PRODUCER = SPEC.contracts.by_key[("order.placed", 1)].schema


def test_events_matching_their_contract_pass():
    SPEC.contracts.check(Event("order.placed", {"seq": 1, "note": "gift"}, "/shop"))


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({}, "data"),
        ({"seq": "1"}, "seq"),
        ({"seq": -1}, "seq"),
        ({"seq": 1, "extra": True}, "data"),
    ],
)
def test_events_breaking_their_contract_are_refused(data, where):
    with pytest.raises(
        ContractError, match=re.escape(f"order.placed v1 breaks its contract at {where}")
    ):
        SPEC.contracts.check(Event("order.placed", data, "/shop"))


def test_without_a_contract_strict_mode_refuses_and_lenient_mode_lets_through():
    stray = Event("order.misfiled", {"seq": 1}, "/shop")
    with pytest.raises(ContractError, match=re.escape("no contract for order.misfiled v1")):
        SPEC.contracts.check(stray, strict=True)
    SPEC.contracts.check(stray, strict=False)


def test_a_refused_event_leaves_nothing_in_the_outbox(database_url):
    upgrade(database_url, SPEC.migrations, SPEC.metadata)
    database = Database(database_url)
    with pytest.raises(ContractError), UnitOfWork(database, SPEC.exchange, SPEC.contracts) as uow:
        uow.session.execute(text("INSERT INTO applied (event_id, seq) VALUES ('x', 1)"))
        uow.publish(Event("order.placed", {"seq": "one"}, "/shop"))
        uow.commit()
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM applied")).scalar_one() == 0
    database.dispose()


def test_the_shop_producer_still_gives_what_its_consumer_reads():
    assert unmet_reads(PRODUCER, READS) == []


def changed(mutate) -> dict:
    schema = copy.deepcopy(PRODUCER)
    mutate(schema)
    return schema


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda s: s["properties"].pop("seq"), "data.seq is read but no longer sent"),
        (
            lambda s: s["required"].remove("seq"),
            "data.seq is read as required but the producer may omit it",
        ),
        (
            lambda s: s["properties"]["seq"].update(type="string"),
            "data.seq is string, read as integer",
        ),
    ],
)
def test_producer_changes_that_break_a_consumer_are_named(mutate, problem):
    assert problem in unmet_reads(changed(mutate), READS)


def test_nested_objects_and_arrays_are_compared():
    producer = {
        "type": "object",
        "required": ["lines"],
        "properties": {
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["qty"],
                    "properties": {"qty": {"type": "number"}},
                },
            }
        },
    }
    reads = copy.deepcopy(producer)
    reads["properties"]["lines"]["items"]["properties"]["qty"]["type"] = "integer"
    assert unmet_reads(producer, reads) == ["data.lines[].qty is number, read as integer"]


def test_asyncapi_lists_exchanges_routing_keys_payloads_senders_and_receivers():
    document = asyncapi_document(SPEC.contracts, [SPEC])
    assert document["asyncapi"] == "3.0.0"
    channel = document["channels"]["order.placed"]
    assert channel["address"] == "order.placed"
    assert channel["bindings"]["amqp"]["exchange"] == {
        "name": "shop.events",
        "type": "topic",
        "durable": True,
    }
    assert channel["messages"] == {
        "order.placed.v1": {"$ref": "#/components/messages/order.placed.v1"}
    }
    assert document["components"]["messages"]["order.placed.v1"]["payload"]["required"] == ["seq"]
    assert document["operations"]["shop.send.order.placed"]["action"] == "send"
    receive = document["operations"]["shop.receive.order.poisoned"]
    assert receive["action"] == "receive"
    assert receive["description"] == "shop consumes it from queue shop.orders"
