"""Mercado's users service."""
