"""Mercado's inventory service."""
