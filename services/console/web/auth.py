"""Signing in and out, and changing one's password."""

from __future__ import annotations

from flask import current_app, redirect, request, session, url_for

from ..accounts import AccountError, SigninThrottle
from .base import NAV, accounts, bp, current_user, page, signed_in

PER_IP_LIMIT = 20
"""Failed sign-ins from one address within the window (many people share an office's)."""


def _throttles() -> tuple[SigninThrottle, SigninThrottle]:
    return current_app.extensions["console.throttle.user"], current_app.extensions[
        "console.throttle.ip"
    ]


def _safe_next(target: str | None, role: str = "office") -> str:
    """Only a path on this site (never ``//elsewhere`` or a full address); else the first
    page the role may open (the approver's is 考核)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    first = next((e for e, _, roles in NAV if role == "admin" or role in roles), "console.overview")
    return url_for(first)


@bp.route("/signin", methods=["GET", "POST"])
def signin():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return page("signin", "登录", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    by_user, by_ip = _throttles()
    user_key, ip_key = f"user:{username}", f"ip:{request.remote_addr}"
    if by_user.blocked(user_key) or by_ip.blocked(ip_key):
        message = "登录失败次数过多，请15分钟后再试。"
        return page("signin", "登录", error=message, username=username), 429
    user = accounts().authenticate(username, password)
    if user is None:
        by_user.failed(user_key)
        by_ip.failed(ip_key)
        return page("signin", "登录", error="用户名或密码不正确。", username=username), 401
    by_user.clear(user_key)
    session.clear()
    session.permanent = True
    session["u"], session["e"] = user.username, user.session_epoch
    return redirect(_safe_next(request.form.get("next"), user.role))


@bp.post("/signout")
def signout():  # type: ignore[no-untyped-def]
    session.clear()
    return redirect(url_for("console.signin"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in()
def password():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return page("password", "修改密码")
    user = current_user()
    assert user is not None
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        return page("password", "修改密码", error="两次输入的新密码不一致。"), 422
    try:
        changed = accounts().change_password(user.username, request.form.get("old", ""), new)
    except AccountError as exc:
        return page("password", "修改密码", error=str(exc)), 422
    session["e"] = changed.session_epoch  # this session goes on; every other one ends
    return page("password", "修改密码", done=True)
