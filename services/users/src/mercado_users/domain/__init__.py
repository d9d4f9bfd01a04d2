"""The users service's domain: accounts, roles and scopes, addresses, login throttling."""
