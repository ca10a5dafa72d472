"""HTTP plumbing every service shares: RFC 9457 problems, the base app, health."""

from .app import create_base_app
from .problems import Problem

__all__ = ["Problem", "create_base_app"]
