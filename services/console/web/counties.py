"""The county a page of one county works in (many counties in one deployment,
docs/tenancy.md): a county's account works in its own; a city or province account chooses
one with the selector (``?county=``, kept in the query string and in the page's forms), or
reads every county of its scope where a page lists them. One-county deployments show no
selector and behave as before."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request

from shared.tenancy import (
    BeyondScope,
    CountyRequired,
    UnknownCounty,
    counties_in_scope,
    county_for,
    current_scope,
)

from .base import bp


def chosen_county() -> str | None:
    """The county named in the query string or form (checked against the account's scope:
    another county's is 404), a county account's own, or None (every county it sees)."""
    raw = (request.values.get("county") or "").strip()
    if raw:
        try:
            return county_for(raw)
        except (UnknownCounty, BeyondScope):
            abort(404)
    return current_scope().county


def county_refusal(exc: Exception) -> str | None:
    """A write refused for want of a county, in Chinese (None: another refusal)."""
    if isinstance(exc, CountyRequired):
        return "请先在页面上方选择所属县（市、区），再提交。"
    return None


@bp.app_context_processor
def _county_context() -> dict[str, Any]:
    """``county_choice``: the counties the account sees (code, name), the chosen one, and
    whether the page shows the selector (an account of several counties)."""

    def county_choice() -> dict[str, Any]:
        tenancy = current_app.extensions["gongjian.runtime"].settings.tenancy
        codes = counties_in_scope()
        raw = (request.values.get("county") or "").strip()
        chosen = raw if raw in codes else current_scope().county
        return {
            "counties": [(code, tenancy.name(code)) for code in codes],
            "chosen": chosen,
            "chosen_name": tenancy.name(chosen) if chosen else "",
            "shown": len(codes) > 1,
        }

    return {"county_choice": county_choice}
