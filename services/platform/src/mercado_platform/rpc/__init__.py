"""gRPC beside REST: the same use cases, validation, errors and auth, served by the `grpc`
role of a service whose spec declares gRPC services (needs mercado-platform[grpc])."""
