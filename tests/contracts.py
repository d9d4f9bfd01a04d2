"""The platform's services and contracts, for the contract check and `make contracts`."""

import json
import sys
from pathlib import Path

from mercado_inventory.bootstrap import SPEC as INVENTORY
from mercado_notifications.bootstrap import SPEC as NOTIFICATIONS
from mercado_orders.bootstrap import SPEC as ORDERS
from mercado_payments.bootstrap import SPEC as PAYMENTS
from mercado_platform.asyncapi import asyncapi_document
from mercado_platform.messaging.contracts import CATALOG, platform_contracts
from mercado_users.bootstrap import SPEC as USERS

SERVICES = (USERS, INVENTORY, ORDERS, PAYMENTS, NOTIFICATIONS)
DOCUMENT = CATALOG.parent / "asyncapi.json"


def render() -> str:
    """The AsyncAPI document as it should be committed."""
    return json.dumps(asyncapi_document(platform_contracts(), SERVICES), indent=2) + "\n"


if __name__ == "__main__":
    Path(DOCUMENT).write_text(render())
    print(f"wrote {DOCUMENT.relative_to(Path.cwd())}", file=sys.stderr)
