"""The console's pages, one module per page; all on one blueprint."""

from . import (  # noqa: F401  (registers the views)
    admin,
    assessments,
    audit,
    auth,
    dispatch,
    imports,
    overview,
    projects,
    public,
    rollup,
    site_meetings,
)
from .base import bp

__all__ = ["bp"]
