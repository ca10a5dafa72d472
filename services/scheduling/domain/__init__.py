"""scheduling: domain."""
