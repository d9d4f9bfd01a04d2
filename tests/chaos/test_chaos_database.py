"""Orders' database unreachable for a while: the API answers 503 (never 500) and accepts
nothing it cannot keep; the relay and consumer wait it out; afterwards every accepted order
is decided and the books balance."""

import time

import pytest

pytestmark = pytest.mark.timeout(240)


def test_orders_database_unreachable_for_eight_seconds(shop):
    products = shop.catalogue("dbdown")
    stream = shop.stream(products)
    time.sleep(3)
    shop.links["orders-db"].enable(False)
    before = len(stream.accepted)
    time.sleep(8)
    during = len(stream.accepted) - before
    shop.links["orders-db"].enable(True)
    time.sleep(5)
    shop.finish(stream)

    assert during <= 1, "an order accepted with its database gone (at most one in flight)"
    unexpected = {k: n for k, n in stream.refused.items() if not k.startswith(("409", "503"))}
    assert unexpected == {}, stream.refused
    assert any(k.startswith("503") for k in stream.refused), stream.refused
    assert len(stream.accepted) > before + 5, "orders must be accepted again after the outage"
    orders = shop.decided(stream.accepted)
    shop.pay_some(orders)
    shop.all_paid_reached()
    shop.invariants.settle()
