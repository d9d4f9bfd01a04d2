"""A package, so pytest names these modules tests.*, not operator.tests.*:
that name would shadow the standard library's `operator` module."""
