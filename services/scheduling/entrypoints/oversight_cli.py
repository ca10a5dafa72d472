"""`gongjian scheduling` commands for the oversight of units: record an inspection round
from a file, list rounds, write (and issue) a round's 督查通报; escalate a problem to the
leading group, record its decision, close it, list them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from shared.commandline import Codes
from shared.documents import FORMATS
from shared.i18n import label

from .cli import _runtime, _service, load_body, scheduling

DAY = click.DateTime(["%Y-%m-%d"])


def _refusing(call, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
    """The service's answer; its refusals as the command's error, in Chinese."""
    from shared.tenancy import BeyondScope, CountyRequired, UnknownCounty

    from ..domain.errors import SchedulingError

    try:
        return call(*args, **kwargs)
    except (SchedulingError, CountyRequired, UnknownCounty, BeyondScope) as exc:
        raise click.ClickException(str(exc)) from exc


COUNTY = click.option("--county", default=None, help="县（部署多个县时）。")


@scheduling.command("inspection")
@click.argument("record_file", type=click.Path(exists=True, dir_okay=False))
@COUNTY
@click.pass_obj
def inspection(obj, record_file: str, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """从 YAML 或 JSON 文件（与接口的请求体相同，见 docs/scheduling.md）记录一轮对单位的
    督查；每个发现的问题都会生成一项跟踪督办事项。"""
    from .oversight import InspectionBody

    body = load_body(record_file, InspectionBody, "督查检查记录")
    body["county"] = county or body.get("county")
    record, written = _refusing(_service(obj).record_inspection, body, actor="cli", source="cli")
    state = "已记录" if written else "此前已记录"
    problems = sum(1 for f in record["findings"] if f["kind"] == "problem")
    click.echo(
        f"督查检查 {record['round_id']}（{state}）：被检查单位{len(record['units'])}个，"
        f"发现问题{problems}项，未办结{record['open_problems']}项"
    )


@scheduling.command("inspections")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option("--unit", default=None, help="只列督查过此单位的轮次。")
@COUNTY
@click.pass_obj
def inspections(obj, campaign: int | None, unit: str | None, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """列出督查轮次（最新在前），及其发现问题的督办状态。"""
    for r in _service(obj).inspections(campaign=campaign, unit=unit, county=county):
        click.echo(
            f"{r['round_id']} {r['ended_on']} {label('inspection_kind', r['kind'])}：{r['title']}"
            f"（组长：{r['team']['leader']}；未办结问题{r['open_problems']}项）"
        )
        for f in r["findings"]:
            state = f"，{label('action_status', f['status'])}" if f["status"] else ""
            click.echo(
                f"  {f['number']}. {label('finding_kind', f['kind'])} {f['unit']}：{f['text']}{state}"
            )


@scheduling.command("inspection-notice")
@click.argument("round_id")
@click.option(
    "--format",
    "fmt",
    default="md",
    type=Codes("document_format", FORMATS),
)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="默认：标准输出。")
@click.option("--issue", is_flag=True, help="先给它编本年度的下一个文号（发文）。")
@COUNTY
@click.pass_obj
def inspection_notice(
    obj, round_id: str, fmt: str, output: str | None, issue: bool, county
) -> None:  # type: ignore[no-untyped-def]
    """写出一轮督查的督查通报；加 --issue 则先编号（只编一次）。"""
    from shared.documents import render

    from .documents import issuing

    runtime, service = _runtime(obj), _service(obj)
    if issue:
        issued, _ = _refusing(
            issuing.issue_round_document,
            runtime,
            service,
            round_id,
            county,
            actor="cli",
            source="cli",
        )
        click.echo(f"发文字号：{issued.number}", err=True)
    document, office = _refusing(issuing.round_document, runtime, service, round_id, county)
    rendered = render(document, fmt, office, f"inspection-{round_id}")
    if output is None:
        click.echo(
            rendered.body if isinstance(rendered.body, str) else "（二进制格式请用 --output）"
        )
        return
    data = rendered.body.encode() if isinstance(rendered.body, str) else rendered.body
    Path(output).write_bytes(data)


@scheduling.command("escalate")
@click.option("--project", "project_id", default=None, help="涉及的项目。")
@click.option("--unit", default=None, help="涉及的单位。")
@click.option("--matter", required=True, help="提交领导小组的问题。")
@click.option("--raised-by", required=True, help="提交人或提交单位。")
@click.option("--raised-on", required=True, type=DAY, help="提交日期，YYYY-MM-DD。")
@click.option(
    "--id", "escalation_id", default=None, help="幂等键（重复提交同一键只记录一次）；默认自动生成。"
)
@COUNTY
@click.pass_obj
def escalate(obj, raised_on: datetime, **given: Any) -> None:  # type: ignore[no-untyped-def]
    """把项目或单位的问题提交领导小组（一事一议）。"""
    body = {**given, "raised_on": raised_on.date()}
    found, written = _refusing(_service(obj).raise_escalation, body, actor="cli", source="cli")
    _said(found, written)


@scheduling.command("escalation-decide")
@click.argument("escalation_id")
@click.option("--decision", required=True, help="领导小组的决定。")
@click.option("--owner", required=True, help="责任人或责任单位。")
@click.option("--due", required=True, type=DAY, help="办结期限，YYYY-MM-DD。")
@click.option("--decided-on", required=True, type=DAY, help="决定日期，YYYY-MM-DD。")
@COUNTY
@click.pass_obj
def escalation_decide(obj, escalation_id: str, decision, owner, due, decided_on, county) -> None:  # type: ignore[no-untyped-def]
    """记录领导小组的决定、责任人和期限。"""
    body = {
        "decision": decision,
        "owner": owner,
        "due": due.date(),
        "decided_on": decided_on.date(),
    }
    found, written = _refusing(
        _service(obj).decide_escalation,
        escalation_id,
        body,
        actor="cli",
        source="cli",
        county=county,
    )
    _said(found, written)


@scheduling.command("escalation-close")
@click.argument("escalation_id")
@click.option("--closed-on", required=True, type=DAY, help="办结日期，YYYY-MM-DD。")
@click.option("--note", required=True, help="解决情况。")
@COUNTY
@click.pass_obj
def escalation_close(obj, escalation_id: str, closed_on: datetime, note: str, county) -> None:  # type: ignore[no-untyped-def]
    """办结一项已提交领导小组的问题。"""
    body = {"closed_on": closed_on.date(), "note": note}
    found, written = _refusing(
        _service(obj).close_escalation,
        escalation_id,
        body,
        actor="cli",
        source="cli",
        county=county,
    )
    _said(found, written)


@scheduling.command("escalations")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option(
    "--state", type=Codes("escalation_state", ("open", "decided", "closed")), default=None
)
@COUNTY
@click.pass_obj
def escalations(obj, campaign: int | None, state: str | None, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """列出提交领导小组的问题（本攻坚年提出的，或仍未办结的），最新在前。"""
    for e in _service(obj).escalations(campaign=campaign, state=state, county=county):
        about = "、".join(x for x in (e["project_id"], e["unit"]) if x)
        click.echo(
            f"{e['escalation_id']} {e['raised_on']} {about}：{e['matter']}"
            f"（{label('escalation_state', e['state'])}）"
        )


def _said(found: dict[str, Any], written: bool) -> None:
    state = "已记录" if written else "此前已记录"
    click.echo(
        f"提级事项 {found['escalation_id']}：{label('escalation_state', found['state'])}（{state}）"
    )
