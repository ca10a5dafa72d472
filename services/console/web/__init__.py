"""The console's pages, one module per page; all on one blueprint."""

from . import (  # noqa: F401  (registers the views)
    actions,
    admin,
    alerts,
    assessments,
    audit,
    auth,
    colour_record,
    counties,
    dispatch,
    imports,
    oversight,
    overview,
    pool,
    projects,
    public,
    rollup,
    site_meetings,
    visits,
)
from .base import bp

__all__ = ["bp"]
