"""Service processes as local mode and the chaos tests run them."""

import socket
import subprocess

import pytest

from mercado_local.services import ServiceProcesses
from mercado_platform.testing.processes import ServerError


class Remembering(dict):
    """A service's running roles that also keeps every process ever put in it."""

    def __init__(self) -> None:
        super().__init__()
        self.ever: dict[str, subprocess.Popen] = {}

    def __setitem__(self, role: str, process: subprocess.Popen) -> None:
        super().__setitem__(role, process)
        self.ever[role] = process


@pytest.mark.parametrize("role", ["serve", "grpc"])
def test_an_api_that_cannot_start_leaves_none_of_the_roles_running(
    role, database_url, amqp_url, jwks_server, signing_key, tmp_path
):  # signing_key: the keys are published, so only the squatted port stops the API
    env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url, "JWKS_URL": jwks_server.url}
    inventory = ServiceProcesses("inventory", env, tmp_path, running=Remembering()).prepare()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", inventory.port if role == "serve" else inventory.grpc_port))
        squatter.listen()

        with pytest.raises(ServerError, match=f"inventory {role} ready exited"):
            inventory.start()

    assert sorted(inventory.running.ever) == [
        "consume",
        "expire-reservations",
        "grpc",
        "relay",
        "serve",
    ]
    assert inventory.running == {}
    assert all(process.poll() is not None for process in inventory.running.ever.values())
