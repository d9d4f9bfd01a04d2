"""Entrypoints of the users service: HTTP app and command line."""
