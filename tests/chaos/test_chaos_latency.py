"""Latency between orders and inventory, over gRPC and over HTTP: a slow inventory slows
POST /api/orders only up to the availability check's timeout; beyond it the breaker
opens, orders price from their replica and the saga still decides every order."""

import statistics
import time

import pytest

pytestmark = pytest.mark.timeout(240)


@pytest.mark.parametrize("shop", ["grpc", "http"], indirect=True)
def test_latency_between_orders_and_inventory(shop):
    products = shop.catalogue("slow")
    link = shop.availability_link
    link.delay(200, jitter=50)
    stream = shop.stream(products, pause=0.02)
    time.sleep(6)
    slow = len(stream.latencies)
    link.delay(2_000)
    time.sleep(10)
    link.clear()
    time.sleep(3)
    shop.finish(stream)

    unexpected = {k: n for k, n in stream.refused.items() if not k.startswith("409")}
    assert unexpected == {}, stream.refused
    assert statistics.median(stream.latencies[:slow]) < 0.5
    assert max(stream.latencies) < 2.5, "the availability check must give up, not wait 2 s+"
    orders = shop.decided(stream.accepted)
    shop.pay_some(orders)
    shop.all_paid_reached()
    shop.invariants.settle()
