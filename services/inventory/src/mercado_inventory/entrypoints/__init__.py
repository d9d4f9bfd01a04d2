"""Entrypoints of the inventory service: HTTP app and command line."""
