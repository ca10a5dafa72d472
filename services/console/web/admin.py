"""管理 (admin only): people's accounts, API tokens and integrations. A new token or
secret is shown once, on the page that made it."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from shared.auth import ROLES, Principal
from shared.auth.administration import revoke_token

from ...registry.application.integration_admin import NoSuchIntegration, set_enabled
from ...registry.application.integrations import Integrations
from ..accounts import ROLES as PEOPLE_ROLES
from ..accounts import AccountError
from .base import accounts, bp, current_user, gateway, page, signed_in

TOKEN_ROLES = ROLES
"""Every role a token may have; a ``unit`` token made here acts for the unit its name
names (docs/scheduling.md)."""


def _admin_page(**shown: Any) -> tuple[str, int] | str:
    services = gateway()
    status = 422 if shown.get("error") else 200
    html = page(
        "admin",
        "管理",
        users=accounts().list(),
        tokens=services.tokens.list(),
        integrations=services.integrations.list(),
        people_roles=PEOPLE_ROLES,
        token_roles=TOKEN_ROLES,
        **shown,
    )
    return (html, status) if status != 200 else html


@bp.get("/admin")
@signed_in("admin")
def admin():  # type: ignore[no-untyped-def]
    return _admin_page()


@bp.post("/admin/users")
@signed_in("admin")
def admin_user_create():  # type: ignore[no-untyped-def]
    form = request.form
    try:
        made = accounts().create(
            form.get("username", "").strip(),
            form.get("role", ""),
            form.get("password", ""),
            form.get("display_name", "").strip(),
        )
    except AccountError as exc:
        return _admin_page(error=str(exc))
    return _admin_page(notice=f"已创建用户 {made.username}（{made.role}）")


@bp.post("/admin/users/<username>/disable")
@signed_in("admin")
def admin_user_disable(username: str):  # type: ignore[no-untyped-def]
    user = current_user()
    if user is not None and user.username == username:
        return _admin_page(error="不能停用自己的账号")
    accounts().disable(username)
    return redirect(url_for("console.admin"))


@bp.post("/admin/tokens")
@signed_in("admin")
def admin_token_create():  # type: ignore[no-untyped-def]
    name, role = request.form.get("name", "").strip(), request.form.get("role", "")
    try:
        token = gateway().tokens.create(name, role)
    except ValueError as exc:
        return _admin_page(error=str(exc))
    return _admin_page(secret=token, notice=f"令牌 {name} 已创建，只显示这一次：")


def _acting() -> Principal:
    """The signed-in administrator, as the actor of what the page records."""
    user = current_user()
    assert user is not None  # signed_in("admin") let the request through
    return Principal(name=user.username, role=user.role, source=user.source)


@bp.post("/admin/tokens/<name>/revoke")
@signed_in("admin")
def admin_token_revoke(name: str):  # type: ignore[no-untyped-def]
    services = gateway()
    revoke_token(services.runtime.store, services.tokens, name, _acting())
    return redirect(url_for("console.admin"))


def _integrations() -> Integrations:
    return gateway().integrations


@bp.post("/admin/integrations")
@signed_in("admin")
def admin_integration_create():  # type: ignore[no-untyped-def]
    name = request.form.get("name", "").strip()
    types = request.form.getlist("types") or list(_integrations().known_types)
    try:
        secret = _integrations().create(name, types)
    except ValueError as exc:
        return _admin_page(error=str(exc))
    return _admin_page(secret=secret, notice=f"接入系统 {name} 已创建，密钥只显示这一次：")


@bp.post("/admin/integrations/<name>/<verb>")
@signed_in("admin")
def admin_integration_change(name: str, verb: str):  # type: ignore[no-untyped-def]
    integrations = _integrations()
    try:
        if verb == "rotate":
            secret = integrations.rotate(name)
            return _admin_page(
                secret=secret, notice=f"{name} 的新密钥（旧密钥仍有效，请尽快停用）："
            )
        if verb == "retire-old":
            integrations.rotate(name, retire_old=True)
        elif verb in ("disable", "enable"):
            store = gateway().runtime.store
            set_enabled(store, integrations, name, verb == "enable", _acting())
        else:
            return _admin_page(error=f"未知操作 {verb}")
    except (ValueError, NoSuchIntegration) as exc:
        return _admin_page(error=str(exc))
    return redirect(url_for("console.admin"))
