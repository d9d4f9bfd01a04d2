"""Entrypoints of the orders service: HTTP app and command line."""
