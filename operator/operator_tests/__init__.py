"""The operator's tests, as a package named so that pytest neither calls them operator.tests.*
(shadowing the standard library's `operator`) nor tests.* (hiding the top-level tests)."""
