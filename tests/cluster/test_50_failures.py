"""Failures on the cluster while customers order: the orders consumer's and relay's pods
deleted in the middle of a stream of 100 orders. Every POST is answered 200, no order is
lost or applied twice, and the invariant auditor finds nothing wrong afterwards."""

import uuid

from mercado_platform.testing.polling import eventually

from ..e2e.client import register
from .shop import Stream, auditor, stocked

ORDERS = "app.kubernetes.io/name=orders,app.kubernetes.io/component="


def test_orders_survive_their_consumer_and_relay_pods_deleted_mid_stream(mercado, api, admin):
    product = stocked(admin, f"chaos-{uuid.uuid4().hex[:8]}", "9.99", 1000)
    stream = Stream(register(api), product, interval=0.2, limit=100).start()
    eventually(lambda: len(stream.accepted) >= 20, timeout=120, what="20 orders accepted")
    mercado.kubectl("delete", "pod", "-l", ORDERS + "consumer", "--wait=false")
    eventually(lambda: len(stream.accepted) >= 50, timeout=120, what="50 orders accepted")
    mercado.kubectl("delete", "pod", "-l", ORDERS + "relay", "--wait=false")
    stream.join(timeout=240)

    assert stream.failures == [], stream.failures[:5]
    assert len(stream.accepted) == 100 == len(set(stream.accepted))
    mercado.wait_rolled_out()
    with auditor(mercado) as audit:
        audit.accepted = set(stream.accepted)
        audit.settle(timeout=240)
