"""What the operator talks to: Kubernetes Secrets, PostgreSQL, the RabbitMQ management API."""
