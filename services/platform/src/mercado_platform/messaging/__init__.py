"""Lossless, exactly-once-in-effect messaging: envelope, outbox, relay, inbox, consumer."""
