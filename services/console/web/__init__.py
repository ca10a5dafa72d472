"""The console's pages, one module per page; all on one blueprint."""

from . import admin, assessments, audit, auth, dispatch, overview, projects, public  # noqa: F401  (registers the views)
from .base import bp

__all__ = ["bp"]
