"""Mercado's orders service."""
