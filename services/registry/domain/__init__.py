"""registry: domain."""
