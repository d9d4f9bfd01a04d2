"""Adapters of the payments service: database, broker, HTTP clients."""
