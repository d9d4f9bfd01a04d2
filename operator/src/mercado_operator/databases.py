"""A Database resource made real: a login role, the database it owns, its extensions, and a
service-binding Secret with the credentials and a ready DATABASE_URL."""

from collections.abc import Mapping
from typing import Any

from mercado_operator import passwords, servicebinding
from mercado_operator.adapters.postgres import PostgresAdmin
from mercado_operator.adapters.secrets import Secrets
from mercado_operator.outcomes import Change, Outcome


def provision(body: Mapping[str, Any], secrets: Secrets) -> Outcome:
    """Create what is missing and repair what drifted; safe to repeat."""
    spec, name = body["spec"], secret_name(body)
    database, owner = spec["database"], spec["owner"]
    password = (secrets.owned(body, name) or {}).get("password") or passwords.generate()
    changes = []
    with PostgresAdmin(_admin_url(body, secrets)) as server:
        if server.ensure_role(owner, password, marker(body)):
            changes.append(Change("RoleCreated", f"created login role {owner}"))
        for done in server.ensure_database(database, owner, marker(body)):
            changes.append(Change("DatabaseCreated", done))
        for extension in server.ensure_extensions(database, spec.get("extensions", [])):
            changes.append(Change("ExtensionCreated", f"created extension {extension}"))
        data = servicebinding.postgresql(server.host, server.port, database, owner, password)
    if secrets.write(body, name, servicebinding.POSTGRESQL, data):
        changes.append(Change("SecretWritten", f"wrote the credentials to Secret {name}"))
    return Outcome(
        f"database {database} owned by {owner} is ready; credentials in Secret {name}",
        changes,
        {"database": database, "owner": owner, "secretName": name},
    )


def deprovision(body: Mapping[str, Any], secrets: Secrets) -> Outcome:
    """Honour the deletion policy: keep everything, or drop the database and its role."""
    spec = body["spec"]
    if spec.get("deletionPolicy", "Retain") != "Delete":
        kept = f"kept database {spec['database']} and role {spec['owner']} (deletionPolicy Retain)"
        return Outcome(kept, [Change("Retained", kept)])
    with PostgresAdmin(_admin_url(body, secrets)) as server:
        dropped = server.drop(spec["database"], spec["owner"], marker(body))
    message = f"dropped {' and '.join(dropped)}" if dropped else "nothing of ours left to drop"
    return Outcome(message, [Change("Dropped", message)])


def secret_name(body: Mapping[str, Any]) -> str:
    """The Secret the credentials go to: as the spec says, else `<name>-db`."""
    return body["spec"].get("secretName") or f"{body['metadata']['name']}-db"


def marker(body: Mapping[str, Any]) -> str:
    """The comment on the role and database that says which resource they belong to."""
    return f"mercado-operator: Database {body['metadata']['namespace']}/{body['metadata']['name']}"


def _admin_url(body: Mapping[str, Any], secrets: Secrets) -> str:
    ref = body["spec"]["serverSecretRef"]
    key = ref.get("key", "uri")
    return secrets.require(body["metadata"]["namespace"], ref["name"], (key,))[key]
