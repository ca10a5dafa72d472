"""Administration over HTTP (admin only): API tokens and integrations. Revoking a token
and stopping or restarting an integration are recorded as events (who, when) in the
streams ``admin-tokens`` and ``admin-integrations``; the console's 管理 page does the same
through the same application code."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from shared.auth import current_principal, require_role
from shared.auth.administration import revoke_token
from shared.eventstore import format_instant
from shared.http import PageBody, PageQuery, Problem, next_link, page_after
from shared.i18n import label

from ..application.integration_admin import set_enabled
from ..wiring import RegistryParts

blp = Blueprint(
    "admin", __name__, url_prefix="/v1", description="Administration: API tokens, integrations"
)


class TokenView(Schema):
    name = fields.String(metadata={"description": "the holder; the token itself is never shown"})
    role = fields.String()
    role_label = fields.String()
    source = fields.String(allow_none=True)
    created_at = fields.String()
    revoked_at = fields.String(allow_none=True)


class TokenList(PageBody):
    tokens = fields.List(fields.Nested(TokenView))


class IntegrationView(Schema):
    name = fields.String()
    types = fields.List(fields.String())
    active_secrets = fields.Integer()
    disabled = fields.Boolean()


class IntegrationList(PageBody):
    integrations = fields.List(fields.Nested(IntegrationView))


class Change(Schema):
    name = fields.String()
    changed = fields.Boolean(metadata={"description": "false: it already was so"})
    state = fields.String()
    state_label = fields.String()


def _runtime():  # type: ignore[no-untyped-def]
    return current_app.extensions["gongjian.runtime"]


def _token_view(row: dict[str, Any]) -> dict[str, Any]:
    def instant(value: Any) -> str | None:
        return None if value is None else format_instant(value)

    return {
        **row,
        "role_label": label("role", str(row["role"])),
        "created_at": instant(row["created_at"]),
        "revoked_at": instant(row["revoked_at"]),
    }


def _page(items: list[dict[str, Any]], query: dict[str, Any]) -> tuple[list[Any], Any]:
    """A page of a list sorted by name."""
    return page_after(
        items, query["after"], query["limit"], key=lambda row: row["name"], ordered=True
    )


@blp.get("/tokens")
@require_role("admin")
@blp.arguments(PageQuery, location="query")
@blp.response(200, TokenList)
@blp.doc(security=[{"bearer": []}])
def list_tokens(query):  # type: ignore[no-untyped-def]
    """API tokens by holder: name, role and dates (never the token)."""
    page, next_after = _page(_runtime().tokens.list(), query)
    body = {"tokens": [_token_view(row) for row in page], "next_after": next_after}
    return body, 200, next_link(next_after)


@blp.post("/tokens/<name>/revoke")
@require_role("admin")
@blp.response(200, Change)
@blp.doc(security=[{"bearer": []}])
def revoke(name: str):  # type: ignore[no-untyped-def]
    """Revoke a token: it fails from the next request on. Recorded as ``TokenRevoked``;
    404 when no live token has that name."""
    runtime = _runtime()
    if not revoke_token(runtime.store, runtime.tokens, name, current_principal()):
        raise Problem(404, "Not Found", f"没有名为“{name}”的有效令牌")
    return {
        "name": name,
        "changed": True,
        "state": "revoked",
        "state_label": label("admin_state", "revoked"),
    }


@blp.get("/integrations")
@require_role("admin")
@blp.arguments(PageQuery, location="query")
@blp.response(200, IntegrationList)
@blp.doc(security=[{"bearer": []}])
def list_integrations(query):  # type: ignore[no-untyped-def]
    """Integrations by name: event types, active secrets and state (never the secrets)."""
    page, next_after = _page(RegistryParts.of(_runtime()).integrations.list(), query)
    return {"integrations": page, "next_after": next_after}, 200, next_link(next_after)


def _set(name: str, enabled: bool) -> dict[str, Any]:
    runtime = _runtime()
    integrations = RegistryParts.of(runtime).integrations
    if not integrations.exists(name):
        raise Problem(404, "Not Found", f"没有名为“{name}”的接入系统")
    changed = set_enabled(runtime.store, integrations, name, enabled, current_principal())
    state = "enabled" if enabled else "disabled"
    return {
        "name": name,
        "changed": changed,
        "state": state,
        "state_label": label("admin_state", state),
    }


@blp.post("/integrations/<name>/disable")
@require_role("admin")
@blp.response(200, Change)
@blp.doc(security=[{"bearer": []}])
def disable(name: str):  # type: ignore[no-untyped-def]
    """Refuse the integration's requests from now on; recorded as ``IntegrationDisabled``."""
    return _set(name, False)


@blp.post("/integrations/<name>/enable")
@require_role("admin")
@blp.response(200, Change)
@blp.doc(security=[{"bearer": []}])
def enable(name: str):  # type: ignore[no-untyped-def]
    """Accept the integration's requests again; recorded as ``IntegrationEnabled``."""
    return _set(name, True)
