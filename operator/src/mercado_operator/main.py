"""`mercado-operator`: read the settings, register the reactions, run kopf until stopped."""

import logging
import secrets
import sys

import kopf

from mercado_operator.config import OperatorSettings
from mercado_operator.handlers import register
from mercado_platform.config import ConfigError, load_settings

PRIORITY_RANGE = 1_000_000


def main() -> int:
    """Run the operator cluster-wide, with a liveness endpoint and peering."""
    try:
        settings = load_settings(OperatorSettings)
    except ConfigError as exc:
        print(f"mercado-operator: {exc}", file=sys.stderr)
        return 2
    kopf.configure(log_format=kopf.LogFormat.JSON)
    logging.getLogger().setLevel(settings.log_level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # one line per liveness probe
    registry = kopf.OperatorRegistry()
    register(registry, settings)
    kopf.run(
        registry=registry,
        clusterwide=True,
        liveness_endpoint=settings.liveness_endpoint,
        peering_name=settings.peering_name,
        # replicas of equal priority would all pause; distinct ones leave exactly one active
        priority=secrets.randbelow(PRIORITY_RANGE) + 1,
        memo=kopf.Memo(settings=settings),
    )
    return 0
