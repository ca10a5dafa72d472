"""scoring: domain."""
