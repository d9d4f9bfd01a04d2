"""The broker goes away for 10 s while customers keep ordering: orders are still accepted
(the outbox holds their events), and once it is back every order is decided, exactly once."""

import time

import pytest

pytestmark = pytest.mark.timeout(240)


def test_broker_down_for_ten_seconds_during_a_stream_of_orders(shop):
    products = shop.catalogue("broker")
    stream = shop.stream(products)
    time.sleep(3)  # orders flowing normally before the outage
    for name in ("orders-amqp", "inventory-amqp"):
        shop.links[name].enable(False)
    outage_started = len(stream.accepted)
    time.sleep(10)
    accepted_during_outage = len(stream.accepted) - outage_started
    for name in ("orders-amqp", "inventory-amqp"):
        shop.links[name].enable(True)
    time.sleep(3)  # and after
    shop.finish(stream)

    assert accepted_during_outage > 10, "orders must be accepted while the broker is down"
    assert not [kind for kind in stream.refused if not kind.startswith("409")], stream.refused
    orders = shop.decided(stream.accepted)
    shop.pay_some(orders)
    shop.all_paid_reached()
    shop.invariants.settle()
