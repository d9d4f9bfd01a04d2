"""The stripe_mock fixture: Stripe's API on a free port; stopping it is an outage."""

import pytest
import requests

from mercado_platform.testing.stripe import StripeMock


def create_session(server) -> requests.Response:
    form = {
        "mode": "payment",
        "client_reference_id": "order-1",
        "success_url": "http://localhost/ok",
        "line_items[0][price]": "price_1",
        "line_items[0][quantity]": "1",
    }
    url = f"{server.api_base}/v1/checkout/sessions"
    return requests.post(url, data=form, auth=(server.api_key, ""), timeout=5)


def test_stripe_mock_answers_the_stripe_api_and_stops_and_starts_on_its_port(stripe_mock):
    created = create_session(stripe_mock)
    assert created.status_code == 200, created.text
    assert created.json()["id"].startswith("cs_")
    assert created.json()["client_reference_id"] == "order-1"
    port = stripe_mock.port
    stripe_mock.stop()
    with pytest.raises(requests.ConnectionError):
        create_session(stripe_mock)
    stripe_mock.start()
    assert stripe_mock.port == port
    assert create_session(stripe_mock).status_code == 200


def test_two_stripe_mocks_run_side_by_side(stripe_mock):
    other = StripeMock().start()
    try:
        assert other.port != stripe_mock.port
        assert create_session(other).status_code == 200
        assert create_session(stripe_mock).status_code == 200
    finally:
        other.destroy()
