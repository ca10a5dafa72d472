"""The console's blueprint: who is signed in, who may see what, CSRF on every form, and
the helpers every page's view uses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError

from shared.eventstore import FutureKnownAt
from shared.i18n import label, period_text
from shared.tenancy import (
    DEPLOYMENT_WIDE,
    BeyondScope,
    CountyRequired,
    Scope,
    TenancyError,
    UnknownCounty,
    check_deployment_wide,
    counties_in_scope,
    county_for,
    current_scope,
    deployment_wide,
    scoped_to,
)

from .. import text
from ..accounts import Accounts, User
from ..gateway import Services, services

bp = Blueprint(
    "console",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/console-static",
)

NAV = (
    ("console.overview", "总览·挂图作战", ("office", "auditor", "viewer")),
    ("console.colour_record", "月度红黄绿灯", ("office", "auditor", "viewer")),
    ("console.projects", "项目", ("office", "auditor", "viewer")),
    ("console.pool", "项目库", ("office", "auditor", "viewer")),
    ("console.visits", "挂点服务", ("office", "auditor", "viewer")),
    ("console.imports", "导入台账", ("office",)),
    ("console.dispatch", "调度", ("office", "auditor", "viewer")),
    ("console.oversight", "督查", ("office", "auditor", "viewer")),
    ("console.actions", "督办", ("office", "auditor", "viewer")),
    ("console.assessments", "考核", ("office", "auditor", "approver", "viewer")),
    ("console.audit", "审计", ("office", "auditor")),
    ("console.admin", "管理", ("admin",)),
    ("console.alerts", "提醒推送", ("office", "auditor")),
    ("console.rollup", "县区汇总", ("office", "auditor", "approver", "viewer")),
)
"""Pages, their titles and who may open them (the API's role rules; admin sees all)."""

ROLES_OF = {endpoint: roles for endpoint, _, roles in NAV}

WHOLE_DEPLOYMENT = {
    "令牌与账号管理": (
        "admin",
        "admin_user_create",
        "admin_user_disable",
        "admin_token_create",
        "admin_token_revoke",
        "admin_integration_create",
        "admin_integration_change",
    ),
    # 年终考核 is kept per county (docs/tenancy.md): its pages are a county's or the scope's.
    "全量日志审计": ("audit", "verify", "export"),
}
"""Pages whose answers cover the whole deployment (as the API's, `shared.tenancy`): an
account of fewer counties is refused them. The dispatch pages are of one county
(`page_county`)."""
for _what, _endpoints in WHOLE_DEPLOYMENT.items():
    for _endpoint in _endpoints:
        deployment_wide(f"{bp.name}.{_endpoint}", _what)


def accounts() -> Accounts:
    return current_app.extensions["console.accounts"]


def gateway() -> Services:
    return services(current_app.extensions["gongjian.runtime"])


def current_user() -> User | None:
    return g.get("user")


@bp.before_request
def _load_user() -> None:
    g.user = None
    username, epoch = session.get("u"), session.get("e")
    if username:
        user = accounts().get(username)
        if user is not None and user.active and user.session_epoch == epoch:
            g.user = user
        else:  # signed out elsewhere: a password change or a disabled account
            session.clear()
    if request.method == "POST":
        current_app.extensions["csrf"].protect()


def signed_in(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Pages for people who signed in; with ``roles``, only for those roles (and admin)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("console.signin", next=request.full_path))
            if roles and not user.has(*roles):
                abort(403)
            with scoped_to(user_scope(user)):  # what this person's county (or city) sees
                check_deployment_wide(request.endpoint, request.blueprint)
                return view(*args, **kwargs)

        return wrapper

    return decorate


def _shown(endpoint: str, scope: Scope) -> bool:
    """In the menu: 县区汇总 for a city or province; whole-deployment pages for a
    principal of every county."""
    if endpoint == "console.rollup":
        return scope.county is None
    return scope.everywhere or endpoint not in DEPLOYMENT_WIDE


def _tenant_name(user: User | None) -> str:
    """The person's county, city or province as the page header names it."""
    if user is None:
        return ""
    tenancy = current_app.extensions["gongjian.runtime"].settings.tenancy
    return tenancy.name(user.tenant)


def user_scope(user: User) -> Scope:
    tenancy = current_app.extensions["gongjian.runtime"].settings.tenancy
    try:
        return tenancy.scope_of(user.tenant)
    except TenancyError:  # its tenant left the configuration
        abort(403)


@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    user = current_user()
    nav = [
        (endpoint, title)
        for endpoint, title, roles in NAV
        if user is not None
        and user.has(*roles)
        and endpoint in current_app.view_functions
        and _shown(endpoint, user_scope(user))
    ]
    return {
        "user": user,
        "tenant_name": _tenant_name(user),
        "nav": nav,
        "label": text.label,
        "wan": text.wan,
        "yi": text.yi,
        "day": text.day,
        "moment": text.moment,
        "period_text": period_text,
        "field_text": text.field_text,
        "value_text": text.value_text,
    }


@dataclass(frozen=True)
class PageCounty:
    """The one county a page shows (dispatch, plans, set pieces): a county account's own;
    a city or province account's choice, kept in the query string (``county``), by
    default the first of its counties."""

    code: str
    choices: list[tuple[str, str]]
    """The counties to choose from, with their names (empty: one county only)."""

    @property
    def arg(self) -> str | None:
        """``county`` for links and forms (None, so left out, when there is no choice)."""
        return self.code if self.choices else None

    @property
    def context(self) -> dict[str, Any]:
        return {"county": self.code, "county_arg": self.arg, "county_choices": self.choices}


def page_county() -> PageCounty:
    counties = counties_in_scope()
    requested = (request.values.get("county") or "").strip() or None
    if requested is None and current_scope().county is None and counties:
        requested = counties[0]
    code = county_for(requested)
    choices = [(c, label("county", c)) for c in counties] if len(counties) > 1 else []
    return PageCounty(code, choices)


def page(template: str, title: str, **context: Any) -> str:
    return render_template(f"console/{template}.html", title=title, **context)


def day_argument(name: str, default: date | None = None, *, form: bool = False) -> date | None:
    """A ``YYYY-MM-DD`` query (or form) argument; anything else is the default."""
    raw = ((request.form if form else request.args).get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _error_page(status: int, title: str, detail: str) -> tuple[str, int]:
    return page("error", title, status=status, detail=detail), status


@bp.errorhandler(403)
def _forbidden(_: Exception) -> tuple[str, int]:
    return _error_page(403, "无权访问", "您的角色无权查看此页面。")


@bp.errorhandler(BeyondScope)
def _beyond_scope(error: BeyondScope) -> tuple[str, int]:
    return _error_page(403, "无权访问", str(error))


@bp.errorhandler(UnknownCounty)
@bp.errorhandler(CountyRequired)
def _no_county(error: Exception) -> tuple[str, int]:
    return _error_page(422, "县（市、区）有误", str(error))


@bp.errorhandler(404)
def _missing(_: Exception) -> tuple[str, int]:
    return _error_page(404, "未找到", "没有这个页面或项目。")


@bp.errorhandler(FutureKnownAt)
def _future_known_at(error: FutureKnownAt) -> tuple[str, int]:
    return _error_page(422, "知悉日期有误", str(error))


@bp.errorhandler(CSRFError)
def _csrf(_: Exception) -> tuple[str, int]:
    return _error_page(400, "表单已失效", "表单缺少或带有无效的安全令牌，请刷新页面后重新提交。")
