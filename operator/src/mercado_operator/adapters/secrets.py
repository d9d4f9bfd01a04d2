"""Secrets: the admin connections the operator reads and the credentials it writes,
each written one owned by the resource it belongs to."""

import base64
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import kopf
from kubernetes import config
from kubernetes.client import ApiClient, Configuration, CoreV1Api, V1Secret
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError

from mercado_operator.failures import PermanentFailure, TemporaryFailure

MANAGED_BY = {"app.kubernetes.io/managed-by": "mercado-operator"}
TIMEOUT_SECONDS = 10


def kube_client() -> ApiClient:
    """A client with the pod's service account in a cluster, else the KUBECONFIG's context."""
    configuration = Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)
    except ConfigException:
        config.load_kube_config(client_configuration=configuration)
    return ApiClient(configuration)


class Secrets:
    """Reads and writes Secrets through the Kubernetes API."""

    def __init__(self, core: CoreV1Api) -> None:
        self.core = core

    def require(self, namespace: str, name: str, keys: tuple[str, ...]) -> dict[str, str]:
        """The values of `keys` in Secret `name`; a temporary failure naming what is missing."""
        secret = self._get(namespace, name)
        values = _decode(secret) if secret is not None else {}
        missing = [key for key in keys if not values.get(key)]
        if secret is None or missing:
            what = "does not exist" if secret is None else f"has no {', '.join(missing)}"
            raise TemporaryFailure(
                "AdminSecretMissing",
                f"Secret {namespace}/{name} {what}; it must hold {', '.join(keys)}",
            )
        return values

    def owned(self, owner: Mapping[str, Any], name: str) -> dict[str, str] | None:
        """The data of Secret `name` if it exists; a conflict if someone else owns it."""
        secret = self._get(owner["metadata"]["namespace"], name)
        if secret is None:
            return None
        uids = {ref.uid for ref in secret.metadata.owner_references or ()}
        if owner["metadata"]["uid"] not in uids:
            raise PermanentFailure(
                "SecretConflict",
                f"Secret {name} exists and does not belong to this {owner['kind']}; "
                "delete it or choose another spec.secretName",
            )
        return _decode(secret)

    def write(
        self, owner: Mapping[str, Any], name: str, secret_type: str, data: dict[str, str]
    ) -> bool:
        """Make Secret `name`, owned by `owner`, hold exactly `data`; True if it changed."""
        namespace = owner["metadata"]["namespace"]
        current = self.owned(owner, name)
        if current == data:
            return False
        with _api_errors(f"write Secret {namespace}/{name}"):
            if current is None:
                body = {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": name, "labels": dict(MANAGED_BY)},
                    "type": secret_type,
                    "data": _encode(data),
                }
                kopf.adopt(body, owner=owner)
                self.core.create_namespaced_secret(
                    namespace, body, _request_timeout=TIMEOUT_SECONDS
                )
            else:
                removed = dict.fromkeys(current.keys() - data.keys())
                self.core.patch_namespaced_secret(
                    name,
                    namespace,
                    {"data": {**removed, **_encode(data)}},
                    _request_timeout=TIMEOUT_SECONDS,
                )
        return True

    def _get(self, namespace: str, name: str) -> V1Secret | None:
        with _api_errors(f"read Secret {namespace}/{name}"):
            try:
                return self.core.read_namespaced_secret(
                    name, namespace, _request_timeout=TIMEOUT_SECONDS
                )
            except ApiException as exc:
                if exc.status == 404:
                    return None
                raise


@contextmanager
def _api_errors(action: str) -> Iterator[None]:
    """Turn API server outages and refusals into temporary failures that say what failed."""
    try:
        yield
    except ApiException as exc:
        if exc.status == 403:
            raise TemporaryFailure(
                "Forbidden", f"the operator may not {action}: check its RBAC"
            ) from exc
        if exc.status == 409 or exc.status >= 500:
            reason = "KubernetesConflict" if exc.status == 409 else "KubernetesUnavailable"
            raise TemporaryFailure(reason, f"could not {action}: {exc.reason}") from exc
        raise
    except HTTPError as exc:
        raise TemporaryFailure(
            "KubernetesUnavailable", f"could not {action}: {type(exc).__name__}"
        ) from exc


def _decode(secret: V1Secret) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in (secret.data or {}).items()}


def _encode(data: Mapping[str, str]) -> dict[str, str]:
    return {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
