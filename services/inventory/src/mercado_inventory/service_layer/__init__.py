"""The inventory's use cases, as plain functions taking a unit of work."""
