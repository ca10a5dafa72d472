"""Schemathesis over /openapi.json (`make fuzz`, `make fuzz-long`)."""
