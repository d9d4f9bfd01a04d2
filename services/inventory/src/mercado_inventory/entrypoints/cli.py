"""`mercado-inventory`: serve, migrate, relay, consume, declare, replay, revision."""

import sys

from mercado_inventory.bootstrap import SPEC
from mercado_platform.cli import run


def main() -> int:
    """Run the command named on the command line."""
    return run(SPEC, sys.argv[1:])
