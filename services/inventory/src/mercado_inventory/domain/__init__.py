"""The inventory's domain: products and their stock, reservations, the movements ledger."""
