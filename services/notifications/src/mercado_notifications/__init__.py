"""Mercado's notifications service."""
