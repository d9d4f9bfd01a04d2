"""Use cases of the payments service, as plain functions taking a unit of work."""
