"""HTTP plumbing every service shares: RFC 9457 problems, the query parameters of the
shared vocabulary (the two clocks, paging), deprecation headers, the base app, health."""

from .app import create_base_app
from .inputs import strict_json
from .openapi import download
from .params import (
    AsOf,
    ClockQuery,
    DateOrInstant,
    KnownAt,
    PageBody,
    PageQuery,
    Query,
    clock_text,
    limit_field,
    next_link,
    page_after,
    renamed,
)
from .problems import Problem

__all__ = [
    "create_base_app",
    # problems
    "Problem",
    # request inputs
    "strict_json",
    # OpenAPI
    "download",
    # shared query parameters
    "AsOf",
    "KnownAt",
    "DateOrInstant",
    "Query",
    "ClockQuery",
    "PageQuery",
    "PageBody",
    "renamed",
    "limit_field",
    "next_link",
    "page_after",
    "clock_text",
]
