"""Mercado's payments service."""
