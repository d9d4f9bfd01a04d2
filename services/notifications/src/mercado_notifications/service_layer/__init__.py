"""Use cases of the notifications service: record what is owed, deliver it."""
