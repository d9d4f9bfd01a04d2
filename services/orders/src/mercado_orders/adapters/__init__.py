"""Adapters of the orders service: database, broker, HTTP clients."""
