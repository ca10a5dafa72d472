"""The ``county`` a request names (many counties in one deployment, docs/tenancy.md):
a query field for the lists kept per county, and its reading through `county_for`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from shared.tenancy import county_for


def county_field(
    description: str = "one county's only (default: every county the caller sees)",
) -> fields.String:
    """An optional county code (``GONGJIAN_TENANTS``)."""
    return fields.String(
        load_default=None,
        validate=validate.Length(1, 64),
        metadata={"description": f"a county code: {description}"},
    )


def one_county(query: Mapping[str, Any]) -> str | None:
    """The county a list is limited to: the one named (checked against the caller's
    scope: 422 ``unknown_county``, 403 ``beyond_scope``), or None for every county the
    caller sees."""
    return county_for(query["county"]) if query.get("county") else None
