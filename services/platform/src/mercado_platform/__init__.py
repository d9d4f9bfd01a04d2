"""Mercado's platform library: what every service needs, written once."""
