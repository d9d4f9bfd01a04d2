"""Real servers for tests: private PostgreSQL, RabbitMQ and Kubernetes control plane."""
