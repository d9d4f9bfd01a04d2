"""Entrypoints of the payments service: HTTP app and command line."""
