"""Test servers' ports: free, distinct, and out of the way of outgoing connections."""

import socket

import pytest

from mercado_platform.testing import processes
from mercado_platform.testing.processes import (
    LOWEST_PORT,
    ServerError,
    first_ephemeral_port,
    free_port,
)


def test_free_ports_are_distinct_bindable_and_below_the_ephemeral_range():
    ports = [free_port() for _ in range(200)]

    assert len(set(ports)) == len(ports)
    assert max(ports) < first_ephemeral_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))


def test_a_port_something_listens_on_is_never_handed_out(monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        picks = iter([taken, taken, LOWEST_PORT + 7])
        monkeypatch.setattr(processes.random, "randrange", lambda _low, _high: next(picks))

        assert free_port() == LOWEST_PORT + 7


def test_an_ephemeral_range_that_leaves_no_room_is_said_plainly(monkeypatch):
    monkeypatch.setattr(processes, "first_ephemeral_port", lambda: 1024)

    with pytest.raises(ServerError, match="the ephemeral ports start at 1024"):
        free_port()
