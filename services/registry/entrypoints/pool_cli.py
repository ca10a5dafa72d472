"""`gongjian pool enter|stage|statistics|list|conversions`: the project pool (项目库) from
the command line."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import click

from shared.commandline import Codes
from shared.events.catalogue import POOL_STAGES

from ..domain.project import STAGES


def _pool(obj):  # type: ignore[no-untyped-def]
    from ..wiring import RegistryParts

    return RegistryParts.of(obj.runtime()).pool


def _written(obj, on: str | None):  # type: ignore[no-untyped-def]
    """The CLI as the writer; ``on`` (YYYY-MM-DD) is noon of that day in the campaign zone."""
    from ..application.pool import Written

    if on is None:
        return Written("cli", "cli")
    try:
        day = date.fromisoformat(on)
    except ValueError as exc:
        raise click.BadParameter(f"日期应为 YYYY-MM-DD：{on}", param_hint="--on") from exc
    zone = obj.runtime().settings.zone
    return Written("cli", "cli", datetime.combine(day, time(12), zone))


def _run(what: str, write: Any) -> Any:
    from shared.eventstore import EventStoreError

    from ..domain import RegistryError

    try:
        return write()
    except (RegistryError, EventStoreError) as exc:
        raise click.ClickException(f"{what}：{exc}") from exc


@click.group()
def pool() -> None:
    """项目库：谋划 → 储备 → 在谈 → 签约 → 前期 → 开工 → 竣工 → 投产，入统，季度转化。"""


_ON = click.option("--on", default=None, metavar="日期", help="发生日期 YYYY-MM-DD（默认：现在）")
_COUNTY = click.option(
    "--county", default=None, help="县（市、区）代码（多县部署；默认：全部县，入库时为默认县）"
)


def _county(obj, county: str | None) -> str | None:  # type: ignore[no-untyped-def]
    """A county of this deployment (checked), or None."""
    if county is None:
        return None
    from shared.tenancy import UnknownCounty, county_for

    obj.runtime()  # the hierarchy is configured with the runtime
    try:
        return county_for(county)
    except UnknownCounty as exc:
        raise click.BadParameter(str(exc), param_hint="--county") from exc


@pool.command("enter")
@click.argument("project_id")
@click.option("--name", required=True, help="项目名称")
@click.option("--sector", required=True, help="行业，例如 manufacturing 或 制造业")
@click.option("--town", required=True, help="所在乡镇")
@click.option("--investment", required=True, help="计划总投资（元）")
@click.option(
    "--stage", default="planning", show_default=True, type=Codes("project_stage", POOL_STAGES)
)
@_COUNTY
@_ON
@click.pass_obj
def pool_enter(obj, project_id: str, investment: str, on: str | None, county, **given: str) -> None:  # type: ignore[no-untyped-def]
    """项目入库（记录 ProjectPooled）。"""
    payload = {"project_id": project_id, "total_investment": investment, **given}
    if county:
        payload["county"] = _county(obj, county)
    _run("不能入库", lambda: _pool(obj).enter(payload, _written(obj, on)))
    click.echo(f"项目 {project_id} 已入库（{_stage_text(given['stage'])}）")


@pool.command("stage")
@click.argument("project_id")
@click.argument("stage", type=Codes("project_stage", POOL_STAGES))
@click.option("--note", default="", help="备注。")
@_ON
@click.pass_obj
def pool_stage(obj, project_id: str, stage: str, note: str, on: str | None) -> None:  # type: ignore[no-untyped-def]
    """项目进入下一阶段（记录 ProjectStageChanged）；开工、竣工、投产按项目事件记录。"""
    _run("不能推进阶段", lambda: _pool(obj).advance(project_id, stage, note, _written(obj, on)))
    click.echo(f"项目 {project_id} 进入{_stage_text(stage)}阶段")


@pool.command("statistics")
@click.argument("project_id")
@click.option("--code", default=None, help="统计库项目编号")
@_ON
@click.pass_obj
def pool_statistics(obj, project_id: str, code: str | None, on: str | None) -> None:  # type: ignore[no-untyped-def]
    """已开工项目入统（记录 ProjectStatisticsEntered）。"""
    _run("不能入统", lambda: _pool(obj).enter_statistics(project_id, code, "", _written(obj, on)))
    click.echo(f"项目 {project_id} 已入统")


@pool.command("list")
@click.option("--stage", default=None, type=Codes("project_stage", STAGES))
@_COUNTY
@click.pass_obj
def pool_list(obj, stage: str | None, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """列出项目库中的项目：阶段、进入各阶段的日期、入统日期、所属攻坚年。"""
    rows = _pool(obj).listing(stage, _county(obj, county))
    if not rows:
        click.echo("项目库中没有项目")
    for row in rows:
        click.echo(_row_line(row))


@pool.command("conversions")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="统计转化的年度。")
@_COUNTY
@click.pass_obj
def pool_conversions(obj, year: int, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """一年各季度的项目转化：签约→开工、开工→投产。"""
    for quarter in _pool(obj).conversions(year, _county(obj, county)):
        parts = [_conversion_text(c) for c in quarter["conversions"]]
        click.echo(f"{year}年第{quarter['quarter']}季度：" + "；".join(parts))


def _stage_text(stage: str) -> str:
    from shared.i18n import label

    return label("project_stage", stage)


def _row_line(row: dict[str, Any]) -> str:
    dates = "，".join(f"{_stage_text(s)}{d}" for s, d in row["stage_dates"].items())
    years = "、".join(f"{y}年" for y in row["campaign_years"]) or "未进入攻坚年"
    statistics = f"，{row['statistics_on']}入统" if row["statistics_on"] else "，未入统"
    return (
        f"{row['project_id']} {row['name']}：{_stage_text(row['stage'])}"
        f"（{dates}{statistics}）；{years}"
    )


def _conversion_text(conversion: dict[str, Any]) -> str:
    name = f"{_stage_text(conversion['source'])}→{_stage_text(conversion['target'])}"
    if conversion["rate"] is None:
        return f"{name} 无可转化项目"
    rate = f"{float(conversion['rate']) * 100:.0f}%"
    return f"{name} {conversion['converted']}/{conversion['could']}（{rate}）"


@click.group()
def visits() -> None:
    """挂点服务：领导到挂点项目服务的记录；本季度未到挂点项目的领导。"""


@visits.command("record")
@click.argument("project_id")
@click.option("--services", required=True, help="服务内容：做了什么")
@click.option("--solved", multiple=True, help="解决的问题（可多次给出）")
@click.option("--leader", default=None, help="挂点领导（默认：项目分包领导）")
@_ON
@click.pass_obj
def visits_record(obj, project_id: str, services: str, solved, leader, on) -> None:  # type: ignore[no-untyped-def]
    """记录一次挂点服务（LeaderVisited）。"""
    from ..wiring import RegistryParts

    body = {"services": services, "problems_solved": list(solved)}
    if leader:
        body["leader"] = leader
    parts = RegistryParts.of(obj.runtime())
    _run("不能记录", lambda: parts.visits.record(project_id, body, _written(obj, on)))
    click.echo(f"项目 {project_id} 的挂点服务已记录")


@visits.command("quarter")
@click.argument("quarter")
@_COUNTY
@click.pass_obj
def visits_quarter(obj, quarter: str, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """一个季度（如 2026-Q4）各领导的挂点服务，未到的项目在前。"""
    import re

    from ..wiring import RegistryParts

    found = re.fullmatch(r"(\d{4})-Q([1-4])", quarter)
    if not found:
        raise click.BadParameter("季度写作 2026-Q4", param_hint="'季度'")
    leaders = RegistryParts.of(obj.runtime()).visits.quarter(
        int(found[1]), int(found[2]), _county(obj, county)
    )
    if not leaders:
        click.echo("本季度没有挂点项目")
    for row in leaders:
        names = {p["project_id"]: p["name"] for p in row["projects"]}
        missing = "、".join(names[p] for p in row["not_visited"])
        done = f"已到{len(row['visited'])}个项目"
        click.echo(f"{row['leader']}：{done}" + (f"；未到：{missing}" if missing else ""))
