"""Many counties in one deployment: the tenant hierarchy and the scope of a request.

One hierarchy, from configuration (``GONGJIAN_TENANTS``: a JSON file, or the JSON itself):
a flat list of tenants, each ``{"code", "name", "level", "parent"}`` with ``level`` one of
``province``, ``city``, ``county``. Without it the deployment is one county, code
``default`` (`DEFAULT_COUNTY`), which is also the county of everything recorded before
tenancy existed (the migrations give existing rows that code) and of a token, account or
integration created without a tenant.

A principal (token, console account, integration) belongs to one tenant; its *scope* is
the counties at or under that tenant. The scope is resolved once per request
(``shared.auth.web.require_role`` enters `scoped_to`) and read where the queries are
scoped: `current_scope`, `where_scoped` (a SQL ``WHERE county IN …``) and `admits` (a
county in Python). Outside a request (CLI, workers, the scheduler) the scope is
`EVERYWHERE`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .i18n.labels import configure_labels

DEFAULT_COUNTY = "default"
UNATTENDED = "*"
COUNTY_SEPARATOR = ":"
"""Between a county and the name of a stream it keeps of its own (`county_stream`)."""
LEVELS = ("province", "city", "county")
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县（市、区）"}


class TenancyError(ValueError):
    """The hierarchy in configuration is not a tree of provinces, cities and counties."""


@dataclass(frozen=True, slots=True)
class Tenant:
    code: str
    name: str
    level: str
    parent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "level_label": LEVEL_LABELS[self.level],
            "parent": self.parent,
        }


@dataclass(frozen=True, slots=True)
class Scope:
    """What one principal sees and changes: the counties at or under its tenant."""

    tenant: Tenant
    counties: frozenset[str]
    everywhere: bool = False
    """Every county of the deployment (then queries need no filter)."""

    @property
    def county(self) -> str | None:
        """The one county an office works in (None for a city or province)."""
        return self.tenant.code if self.tenant.level == "county" else None

    @property
    def unattended(self) -> bool:
        """The scope of a process outside a request (CLI, workers): every county."""
        return self.tenant.code == UNATTENDED

    def admits(self, county: str | None) -> bool:
        return self.everywhere or (county or DEFAULT_COUNTY) in self.counties


class Tenancy:
    """The hierarchy: each tenant by code, its parent and the counties under it."""

    def __init__(
        self, tenants: list[Tenant], targets: Mapping[str, Mapping[str, Any]] | None = None
    ) -> None:
        self.tenants = {t.code: t for t in tenants}
        self.targets = dict(targets or {})
        """County → its campaign targets as configured (``breakthrough``, ``new_start``,
        ``preliminary``, ``investment`` in yuan); a county without: its campaign's."""
        if len(self.tenants) != len(tenants):
            raise TenancyError("有两个行政区用了同一代码")
        for tenant in tenants:
            _check(tenant, self.tenants)
        self.counties = tuple(t.code for t in tenants if t.level == "county")
        self._scopes: dict[str, Scope] = {}
        if not self.counties:
            raise TenancyError("层级中没有县（市、区）")

    @classmethod
    def single(cls, name: str = "本县") -> Tenancy:
        return cls([Tenant(DEFAULT_COUNTY, name, "county")])

    @classmethod
    def from_config(cls, text: str) -> Tenancy:
        """From ``GONGJIAN_TENANTS``: empty (one county), a JSON list, or a file of one."""
        if not text.strip():
            return cls.single()
        raw = text if text.lstrip().startswith("[") else Path(text).read_text("utf-8")
        try:
            items = json.loads(raw)
            targets = {str(i["code"]): i["targets"] for i in items if i.get("targets")}
            return cls([_tenant(item) for item in items], targets)
        except TenancyError as exc:
            raise TenancyError(f"GONGJIAN_TENANTS：{exc}") from exc
        except KeyError as exc:
            raise TenancyError(f"GONGJIAN_TENANTS：有行政区缺少字段 {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise TenancyError(f"GONGJIAN_TENANTS 不是所要的 JSON 列表：{exc}") from exc

    def tenant(self, code: str | None) -> Tenant:
        found = self.tenants.get(code or DEFAULT_COUNTY)
        if found is None:
            raise TenancyError(
                f"没有代码为“{code}”的行政区（县、市或省）；可选：{'、'.join(self.tenants)}"
            )
        return found

    def under(self, code: str) -> frozenset[str]:
        """The counties at or under tenant ``code``."""
        return frozenset(c for c in self.counties if code in self.chain(c))

    def chain(self, code: str) -> list[str]:
        """``code`` and its ancestors, nearest first."""
        out = [code]
        while (parent := self.tenants[out[-1]].parent) is not None:
            out.append(parent)
        return out

    def scope_of(self, code: str | None) -> Scope:
        """The scope of a principal of tenant ``code`` (worked out once per tenant)."""
        found = self._scopes.get(code or DEFAULT_COUNTY)
        if found is None:
            tenant = self.tenant(code)
            counties = self.under(tenant.code)
            found = Scope(tenant, counties, everywhere=counties == frozenset(self.counties))
            self._scopes[tenant.code] = found
        return found

    def everywhere(self) -> Scope:
        root = Tenant(UNATTENDED, "全部", "province")
        return Scope(root, frozenset(self.counties), everywhere=True)

    def name(self, county: str) -> str:
        found = self.tenants.get(county)
        return found.name if found is not None else county


def _tenant(item: Mapping[str, Any]) -> Tenant:
    return Tenant(str(item["code"]), str(item["name"]), str(item["level"]), item.get("parent"))


def _check(tenant: Tenant, tenants: Mapping[str, Tenant]) -> None:
    if tenant.level not in LEVELS:
        levels = "、".join(f"{level}（{LEVEL_LABELS[level]}）" for level in LEVELS)
        raise TenancyError(f"行政区 {tenant.code}：level 须是 {levels} 之一")
    if not tenant.code or len(tenant.code) > 64:
        raise TenancyError("行政区代码为 1 至 64 个字符")
    if COUNTY_SEPARATOR in tenant.code:
        raise TenancyError(f"行政区 {tenant.code}：代码中不能有“{COUNTY_SEPARATOR}”")
    if tenant.parent is None:
        return
    parent = tenants.get(tenant.parent)
    if parent is None:
        raise TenancyError(f"行政区 {tenant.code}：没有上级“{tenant.parent}”")
    if LEVELS.index(parent.level) >= LEVELS.index(tenant.level):
        raise TenancyError(f"行政区 {tenant.code}：上级须高一级（县属市或省，市属省）")


EVERYWHERE = Tenancy.single().everywhere()
_current: ContextVar[Scope | None] = ContextVar("gongjian_scope", default=None)
_process: dict[str, Any] = {
    "tenancy": Tenancy.single(),
    "everywhere": EVERYWHERE,
    "counties": (DEFAULT_COUNTY,),
}


def configure(tenancy: Tenancy) -> None:
    """The hierarchy this process serves: outside a request the scope is all of it
    (called when the runtime is built)."""
    _process["tenancy"] = tenancy
    _process["everywhere"] = tenancy.everywhere()
    _process["counties"] = tenancy.counties
    _process["targets"] = tenancy.targets
    configure_labels("county", {c: tenancy.name(c) for c in tenancy.counties})


def configured() -> Tenancy:
    """The hierarchy this process serves (`configure`; one county until it is called)."""
    return _process["tenancy"]  # type: ignore[no-any-return]


def current_scope() -> Scope:
    """The scope of the request being served (every county outside a request)."""
    return _current.get() or _process["everywhere"]


@contextmanager
def scoped_to(scope: Scope) -> Iterator[Scope]:
    """Serve what runs inside as ``scope`` (entered once per request, by the auth check)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


class BeyondScope(Exception):
    """A whole-deployment answer (the log's export) asked by a principal of fewer
    counties: refused (403, code ``beyond_scope``) rather than answered in part."""

    code = "beyond_scope"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}涵盖全部县，本账号只能查看所属区划")


def require_everywhere(what: str) -> None:
    """Refuse unless the current scope is every county of the deployment."""
    if not current_scope().everywhere:
        raise BeyondScope(what)


DEPLOYMENT_WIDE: dict[str, str] = {}
"""Blueprint name or endpoint (``blueprint.function``) → what it answers (Chinese), for
the routes whose answers cover the whole deployment and are not kept per county (the
log's export, administration, the year-end assessment): only a principal of every county
may call them; the auth check refuses the others (`BeyondScope`). A service declares its
own with `deployment_wide` when it registers its routes."""


def deployment_wide(name: str, what: str) -> None:
    DEPLOYMENT_WIDE[name] = what


def check_deployment_wide(endpoint: str | None, blueprint: str | None) -> None:
    """Refuse a whole-deployment route (by endpoint or blueprint) to one of fewer counties."""
    what = DEPLOYMENT_WIDE.get(endpoint or "") or DEPLOYMENT_WIDE.get(blueprint or "")
    if what is not None:
        require_everywhere(what)


def admits(county: str | None) -> bool:
    """Whether the current scope sees a thing of ``county`` (None: the default county)."""
    return current_scope().admits(county)


Query = TypeVar("Query")


def where_scoped(query: Query, column: Any) -> Query:
    """``query`` limited to the current scope's counties by its ``county`` column."""
    scope = current_scope()
    if scope.everywhere:
        return query
    return query.where(column.in_(sorted(scope.counties)))  # type: ignore[attr-defined]


# -- Things kept per county (plans, assessments, set pieces, the mechanisms of issue 17) --


def county_stream(stream: str, county: str | None) -> str:
    """The name of ``stream`` as kept for ``county``: the default county keeps the name it
    had before tenancy (so that stored digests and audit replays do not change); another
    county's is ``<county>:<stream>`` (``c2:dispatch-monthly-2026-05``)."""
    county = county or DEFAULT_COUNTY
    return stream if county == DEFAULT_COUNTY else f"{county}{COUNTY_SEPARATOR}{stream}"


def stream_county(stream: str) -> tuple[str, str]:
    """``(county, stream as named for the default county)``: the inverse of `county_stream`."""
    county, sep, rest = stream.partition(COUNTY_SEPARATOR)
    return (county, rest) if sep else (DEFAULT_COUNTY, stream)


class CountyRequired(Exception):
    """A county-level call (a plan, an assessment, a record of one county) made by a
    principal of several counties without naming one: 422, code ``county_required``."""

    code = "county_required"

    def __init__(self, counties: frozenset[str]) -> None:
        self.counties = sorted(counties)
        super().__init__("本账号管辖多个县（市、区），请用 county 指明是哪一个县")


class UnknownCounty(Exception):
    """A county code that is not a county of this deployment: 422, code ``unknown_county``."""

    code = "unknown_county"

    def __init__(self, county: str) -> None:
        self.county = county
        super().__init__(f"没有代码为“{county}”的县（市、区）")


def county_for(requested: str | None) -> str:
    """The one county a county-level call works in, for the current scope.

    A county office works in its own county (naming another is `BeyondScope`); a principal
    of several counties (a city, the province, a process outside a request) names one of
    its counties, or is refused with `CountyRequired`, except in a deployment of one
    county, where that county is meant."""
    scope = current_scope()
    if requested:
        if requested not in _process["everywhere"].counties:
            raise UnknownCounty(requested)
        if not scope.admits(requested):
            raise BeyondScope(f"“{requested}”的记录")
        return requested
    if scope.county is not None:
        return scope.county
    if len(scope.counties) == 1:
        return next(iter(scope.counties))
    raise CountyRequired(scope.counties)


def county_targets(county: str) -> Mapping[str, Any] | None:
    """The campaign targets configured for ``county`` (``Tenancy.targets``), or None: its
    campaign's."""
    found: Mapping[str, Mapping[str, Any]] = _process.get("targets") or {}
    return found.get(county)


def deployment_counties() -> tuple[str, ...]:
    """Every county of the deployment, in the hierarchy's order."""
    counties: tuple[str, ...] = _process["counties"]
    return counties


def counties_in_scope() -> list[str]:
    """The counties the current scope sees, in the hierarchy's order (lists kept per county
    are read for each of them)."""
    scope = current_scope()
    return [c for c in _process["counties"] if scope.admits(c)]
