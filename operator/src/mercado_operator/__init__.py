"""The kopf operator: Database and MessagingTopology custom resources."""
