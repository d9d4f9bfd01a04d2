"""RabbitMQ through its management HTTP API, as the broker's administrator."""

from typing import Any
from urllib.parse import quote

import requests

from mercado_operator.failures import PermanentFailure, TemporaryFailure

TIMEOUT_SECONDS = 10
PERMISSIONS = ("configure", "write", "read")


class Management:
    """Declares and inspects exchanges, queues, bindings, users and permissions."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (username, password)

    def close(self) -> None:
        """Release the HTTP connections."""
        self.session.close()

    def vhost_exists(self, vhost: str) -> bool:
        """Whether virtual host `vhost` exists."""
        return self._call("GET", f"vhosts/{_q(vhost)}", missing_ok=True) is not None

    def declare_exchange(self, vhost: str, name: str, kind: str) -> bool:
        """Declare a durable exchange; True if it was created, a conflict if it differs."""
        body = {"type": kind, "durable": True, "auto_delete": False}
        return self._call("PUT", f"exchanges/{_q(vhost)}/{_q(name)}", body).status_code == 201

    def declare_queue(self, vhost: str, name: str, arguments: dict[str, Any]) -> bool:
        """Declare a durable queue; True if it was created, a conflict if it differs."""
        body = {"durable": True, "auto_delete": False, "arguments": arguments}
        return self._call("PUT", f"queues/{_q(vhost)}/{_q(name)}", body).status_code == 201

    def delete_queue(self, vhost: str, name: str) -> None:
        """Delete a queue and the messages in it, if it exists."""
        self._call("DELETE", f"queues/{_q(vhost)}/{_q(name)}", missing_ok=True)

    def delete_exchange(self, vhost: str, name: str) -> None:
        """Delete an exchange, if it exists."""
        self._call("DELETE", f"exchanges/{_q(vhost)}/{_q(name)}", missing_ok=True)

    def bindings(self, vhost: str, queue: str) -> dict[tuple[str, str], str]:
        """The queue's bindings from named exchanges: (exchange, key) -> properties key."""
        response = self._call("GET", f"queues/{_q(vhost)}/{_q(queue)}/bindings", missing_ok=True)
        found = response.json() if response is not None else []
        return {(b["source"], b["routing_key"]): b["properties_key"] for b in found if b["source"]}

    def bind(self, vhost: str, exchange: str, queue: str, routing_key: str) -> None:
        """Bind `queue` to `exchange` with `routing_key` (binding twice is harmless)."""
        path = f"bindings/{_q(vhost)}/e/{_q(exchange)}/q/{_q(queue)}"
        self._call("POST", path, {"routing_key": routing_key, "arguments": {}})

    def unbind(self, vhost: str, exchange: str, queue: str, properties_key: str) -> None:
        """Remove one binding, named by its properties key."""
        path = f"bindings/{_q(vhost)}/e/{_q(exchange)}/q/{_q(queue)}/{_q(properties_key)}"
        self._call("DELETE", path, missing_ok=True)

    def user(self, name: str) -> dict[str, Any] | None:
        """The user's record (tags, password hash), or None."""
        response = self._call("GET", f"users/{_q(name)}", missing_ok=True)
        return response.json() if response is not None else None

    def put_user(self, name: str, password: str) -> None:
        """Create or update a user without tags: it may use AMQP, not the management UI."""
        self._call("PUT", f"users/{_q(name)}", {"password": password, "tags": ""})

    def delete_user(self, name: str) -> None:
        """Delete a user and its permissions, if it exists."""
        self._call("DELETE", f"users/{_q(name)}", missing_ok=True)

    def permissions(self, vhost: str, user: str) -> dict[str, str] | None:
        """The user's configure/write/read regexes in `vhost`, or None."""
        response = self._call("GET", f"permissions/{_q(vhost)}/{_q(user)}", missing_ok=True)
        return {k: response.json()[k] for k in PERMISSIONS} if response is not None else None

    def set_permissions(self, vhost: str, user: str, permissions: dict[str, str]) -> None:
        """Set the user's configure/write/read regexes in `vhost`."""
        self._call("PUT", f"permissions/{_q(vhost)}/{_q(user)}", permissions)

    def _call(
        self, method: str, path: str, body: object = None, *, missing_ok: bool = False
    ) -> requests.Response | None:
        try:
            response = self.session.request(
                method, f"{self.url}/api/{path}", json=body, timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            raise TemporaryFailure(
                "BrokerUnavailable",
                f"the RabbitMQ management API at {self.url} did not answer ({type(exc).__name__})",
            ) from exc
        if response.status_code == 404 and missing_ok:
            return None
        if response.ok:
            return response
        raise _failure(self.url, method, path, response)


def _failure(
    url: str, method: str, path: str, response: requests.Response
) -> TemporaryFailure | PermanentFailure:
    """What an error answer means: a conflicting declaration, refused credentials, an outage."""
    try:
        reason = response.json().get("reason", response.text)
    except ValueError:
        reason = response.text
    if response.status_code == 400 and "inequivalent arg" in reason:
        return PermanentFailure("TopologyConflict", f"RabbitMQ refused {path}: {reason}")
    if response.status_code in (401, 403):
        return TemporaryFailure(
            "BrokerRefused",
            f"RabbitMQ at {url} refused the admin credentials for {method} {path}: {reason}; "
            "check the broker Secret and the admin's permissions on the virtual host",
        )
    if response.status_code >= 500:
        return TemporaryFailure("BrokerUnavailable", f"RabbitMQ at {url} answered {reason}")
    return PermanentFailure("BrokerRejected", f"RabbitMQ refused {method} {path}: {reason}")


def _q(segment: str) -> str:
    return quote(segment, safe="")
