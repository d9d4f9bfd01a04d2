"""The notifications domain: what is owed to whom, and how its delivery went."""
