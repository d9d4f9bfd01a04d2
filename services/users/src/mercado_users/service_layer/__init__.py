"""Use cases of the users service: plain functions taking a unit of work."""
