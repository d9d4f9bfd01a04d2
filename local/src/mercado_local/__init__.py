"""Mercado as local processes: every service's roles and the gateway in front, no Kubernetes."""
