"""Old forms that keep working for one release, and how an answer says so.

A request that used one (an old parameter name, ``as_of`` as an instant) is answered
as usual, with ``Deprecation`` (RFC 9745: since when) and ``Link: <…>; rel="deprecation"``
pointing at the CHANGELOG entry that lists the replacement.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, g, has_request_context

DEPRECATED_SINCE = datetime(2026, 12, 3, tzinfo=UTC)
"""When the old names were deprecated (the release after 0.1.0); removed in the next."""

CHANGELOG_URL = "https://gongjian.example/changelog#deprecated"


def note_deprecated(what: str, use_instead: str, *, parameter: str | None = None) -> None:
    """Record that this request used a deprecated form (``parameter``: its query name)."""
    if not has_request_context():
        return
    notes: list[tuple[str, str, str | None]] = g.setdefault("deprecations", [])
    notes.append((what, use_instead, parameter))


def deprecated_parameters() -> set[str]:
    """The deprecated query parameters this request used."""
    if not has_request_context():
        return set()
    return {p for _, _, p in g.get("deprecations", []) if p is not None}


def add_deprecation_headers(response: Response) -> Response:
    notes = g.get("deprecations") if has_request_context() else None
    if notes:
        response.headers["Deprecation"] = f"@{int(DEPRECATED_SINCE.timestamp())}"
        response.headers.add("Link", f'<{CHANGELOG_URL}>; rel="deprecation"')
    return response
