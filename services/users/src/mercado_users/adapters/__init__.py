"""Adapters of the users service: database, broker, HTTP clients."""
