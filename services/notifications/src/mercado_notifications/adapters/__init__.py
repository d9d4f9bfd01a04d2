"""Adapters of the notifications service: database, broker, HTTP clients."""
