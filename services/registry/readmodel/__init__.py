"""registry: readmodel."""
