"""Entrypoints of the notifications service: HTTP app and command line."""
