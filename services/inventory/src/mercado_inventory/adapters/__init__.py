"""Adapters of the inventory service: database, broker, HTTP clients."""
