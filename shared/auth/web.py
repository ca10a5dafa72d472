"""Flask side of auth: ``Authorization: Bearer <token>`` and a role check per route."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from ..http.problems import Problem
from ..i18n.labels import label
from ..tenancy import Scope, TenancyError, check_deployment_wide, scoped_to
from .tokens import Principal, TokenStore


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise Problem(401, "Unauthorized", "本请求未经认证")
    return principal


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Unauthorized", "请在请求头带上令牌：Authorization: Bearer <令牌>")
    tokens: TokenStore = current_app.extensions["gongjian.tokens"]
    principal = tokens.authenticate(token.strip())
    if principal is None:
        raise Problem(401, "Unauthorized", "令牌无效或已被吊销")
    return principal


def _scope_of(principal: Principal) -> Scope:
    """The principal's counties, resolved once per request from the one hierarchy."""
    tenancy = current_app.extensions["gongjian.runtime"].settings.tenancy
    try:
        return tenancy.scope_of(principal.tenant)
    except TenancyError:  # its tenant left the configuration: it sees nothing
        raise Problem(403, "Forbidden", "该令牌所属单位不在本平台的区划配置中") from None


def require_role(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a request through if its token's role is one of ``roles`` (admin always)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticate()
            if not principal.has(*roles):
                raise Problem(
                    403,
                    "Forbidden",
                    f"“{label('role', principal.role)}”角色无权执行此操作，须为"
                    + "、".join(label("role", role) for role in roles),
                )
            g.principal = principal
            with scoped_to(_scope_of(principal)):
                check_deployment_wide(request.endpoint, request.blueprint)
                return view(*args, **kwargs)

        return wrapper

    return decorate
