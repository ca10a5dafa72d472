"""`gongjian` subcommands of the scheduling service: the scheduler process and the read
model's maintenance."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime

import click
import redis
from dramatiq.errors import DramatiqError
from sqlalchemy.exc import InterfaceError, OperationalError

from shared.commandline import KNOWN_AT, Codes
from shared.documents import FORMATS
from shared.i18n import label, month_text, period_text
from shared.logging import configure_logging, once_a_minute

log = logging.getLogger("gongjian.scheduler")
outage_log = once_a_minute(logging.getLogger("gongjian.scheduler.outage"))
OUTAGES = (OperationalError, InterfaceError, redis.RedisError, DramatiqError, OSError)
"""What a scheduler tick may meet while a dependency is away: it waits and tries again."""


def _runtime(obj):  # type: ignore[no-untyped-def]
    return obj.runtime()


def _service(obj):  # type: ignore[no-untyped-def]
    from ..wiring import SchedulingParts

    return SchedulingParts.of(_runtime(obj)).service


@click.command("scheduler")
@click.option("--once", is_flag=True, help="认领并请求到期的周期一次，然后退出。")
@click.option(
    "--interval",
    type=int,
    default=None,
    help="两次运行之间的秒数（GONGJIAN_SCHEDULING_SCHEDULER_INTERVAL_SECONDS）。",
)
@click.pass_obj
def scheduler(obj, once: bool, interval: int | None) -> None:  # type: ignore[no-untyped-def]
    """每个周期开始时生成计划；补做错过的周期；保持读模型最新。"""
    from shared.messaging import start_worker

    settings = obj.settings
    configure_logging(settings.log_level, settings.log_format)
    runtime = _runtime(obj)
    # Embedded (in-memory broker): this process must also run the planning actor.
    worker = start_worker(runtime.broker) if not settings.uses_redis else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_scheduler(runtime, stop, interval=interval, once=once)
        if once and worker is not None:
            runtime.broker.join("scheduling")
    except KeyboardInterrupt:
        return
    finally:
        if worker is not None:
            worker.stop()


OUTAGE_PAUSES = (1, 2, 5, 10, 30)
"""Seconds between tries while the database or the broker is away; the last repeats."""


def run_scheduler(  # type: ignore[no-untyped-def]
    runtime, stop: threading.Event, *, interval: int | None = None, once: bool = False
) -> None:
    """The scheduler's loop: catch the read model up, claim and request every period
    that has opened, then wait a tick (the `scheduler` command, or a thread of `serve`).
    While the database or the broker is away it tries again, pausing longer each time,
    and never exits for it (a warning a minute)."""
    from shared.checkpointing import TailVerification

    from ..wiring import SchedulingParts

    parts = SchedulingParts.of(runtime)
    every = interval or parts.config.scheduler_interval_seconds
    verify_tail = TailVerification.configured(runtime.store, runtime.settings)
    log.info("调度器已启动，每%s秒检查一次", every, extra={"interval_seconds": every})
    failures = 0
    while True:
        try:
            _tick(runtime, parts, verify_tail)
            failures = 0
        except OUTAGES as exc:
            if once:
                raise
            outage_log.warning(
                "scheduler tick failed; trying again", extra={"reason": str(exc)[:300]}
            )
            failures += 1
        pause = every if not failures else min(every, OUTAGE_PAUSES[min(failures, 5) - 1])
        if once or stop.wait(pause):
            return


def _tick(runtime, parts, verify_tail) -> None:  # type: ignore[no-untyped-def]
    from shared.checkpointing import sign_if_due

    parts.service.catch_up()
    schedulers = parts.schedulers or (parts.scheduler,)  # one per county
    for scheduler in schedulers:
        whose = label("county", scheduler.county) if len(schedulers) > 1 else ""
        for cadence, period in scheduler.tick():
            _planned("正在制定%s%s计划：%s", cadence, period, whose)
        for cadence, period in scheduler.refresh():
            _planned("会前更新%s%s计划：%s", cadence, period, whose)
    for month in parts.service.record_ended_months():
        log.info("已记录%s红黄绿灯", month_text(month), extra={"month": month})
    verify_tail()  # every few minutes: /v1/chain stays cheap
    sign_if_due(runtime.store, runtime.settings)  # the daily signed checkpoint


def _planned(message: str, cadence: str, period: str, whose: str) -> None:
    """``whose``: the county's name in a deployment of several counties, else empty."""
    log.info(
        message,
        whose,
        label("cadence", cadence),
        period_text(period),
        extra={"cadence": cadence, "period": period, "county": whose},
    )


@click.group("scheduling")
def scheduling() -> None:
    """调度服务的读模型和调度计划。"""


@scheduling.command("rebuild")
@click.pass_obj
def rebuild(obj) -> None:  # type: ignore[no-untyped-def]
    """清空读模型，并把整个日志重放进去。"""
    result = _service(obj).rebuild()
    click.echo(f"读模型已重建：处理事件{result.processed}个，检查点 {result.position}")


@scheduling.command("catch-up")
@click.pass_obj
def catch_up(obj) -> None:  # type: ignore[no-untyped-def]
    """应用读模型检查点之后的事件。"""
    result = _service(obj).catch_up()
    click.echo(f"读模型已追上：处理事件{result.processed}个，检查点 {result.position}")


@scheduling.command("plan")
@click.option("--cadence", required=True, type=Codes("cadence", ("weekly", "monthly", "quarterly")))
@click.option("--period", required=True, help="周期，如 2024-W10、2024-03 或 2024-Q1")
@click.option(
    "--known-at",
    default=None,
    type=KNOWN_AT,
    help="RFC 3339 时刻，或 YYYY-MM-DD（当天结束时）；默认：现在。",
)
@click.option("--replan", is_flag=True, help="计划有变化时写入新版本。")
@click.option(
    "--county",
    default=None,
    help="计划所属的县（部署多个县时必填）。",
)
@click.pass_obj
def plan(  # type: ignore[no-untyped-def]
    obj, cadence: str, period: str, known_at: datetime | None, replan: bool, county: str | None
) -> None:
    """生成（或查看）一个县某周期的计划，并打印其版本和摘要。"""
    from shared.tenancy import CountyRequired, UnknownCounty

    from ..domain.periods import InvalidPeriod

    service = _service(obj)  # the runtime first: it configures the counties
    several = len(_runtime(obj).settings.tenancy.counties) > 1
    try:
        record, created = service.plan(
            cadence, period, known_at=known_at, replan=replan, actor="cli", county=county
        )
    except (InvalidPeriod, ValueError, CountyRequired, UnknownCounty) as exc:
        raise click.ClickException(str(exc)) from exc
    state = "新制定" if created else "已存在"
    click.echo(
        f"{label('county', record.county) if several else ''}"
        f"{period_text(period)}{label('cadence', cadence)}计划"
        f" 第{record.version}版（{state}） 摘要 {record.digest}"
    )


@scheduling.command("rollup")
@click.option("--tenant", default=None, help="市或省（默认：所有县）。")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option("--known-at", default=None, type=KNOWN_AT, help="YYYY-MM-DD 或某一时刻。")
@click.pass_obj
def rollup(obj, tenant: str | None, campaign: int | None, known_at: datetime | None) -> None:  # type: ignore[no-untyped-def]
    """一个市或省各县的排名，及各项合计与目标的对比。"""
    from shared.i18n import wan
    from shared.tenancy import TenancyError, scoped_to

    tenancy = _runtime(obj).settings.tenancy
    try:
        scope = tenancy.scope_of(tenant) if tenant else tenancy.everywhere()
    except TenancyError as exc:
        raise click.ClickException(str(exc)) from exc
    with scoped_to(scope):
        body = _service(obj).rollup(tenancy, None, known_at, campaign)
    click.echo(f"{body['campaign']['year']}年县区汇总（截至{body['as_of']}）：")
    for c in [*body["counties"], {"rank": "", "county_label": "合计", **body["totals"]}]:
        invested = c["investment"]
        click.echo(
            f"  {c['rank']} {c['county_label']} 项目{c['projects']}个"
            f"（绿{c['counts']['green']} 黄{c['counts']['yellow']} 红{c['counts']['red']}）"
            f" 投资{wan(invested['reported'])}/{wan(invested['target'])}"
            f" 完成率{float(invested['share']):.1%}"
        )


@scheduling.command("set-pieces")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option("--county", default=None, help="县（部署多个县时必填）。")
@click.pass_obj
def set_pieces(obj, campaign: int | None, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """列出攻坚年日程中的重要节点（一个县的），及其时间窗口、责任单位和状态。"""
    from shared.tenancy import CountyRequired, UnknownCounty

    service = _service(obj)
    try:
        chosen, pieces = service.set_pieces(campaign, county=county)
    except (CountyRequired, UnknownCounty) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{chosen.year}年重点活动：")
    for p in pieces:
        done = f"，{p['held_on']} {p['outcome']}" if p["held_on"] else ""
        click.echo(
            f"  {label('set_piece', p['code'])}（{p['code']}） {p['starts_on']}至{p['ends_on']}"
            f" 责任：{p['owner']} 成果：{p['produces']} —— "
            f"{label('set_piece_state', p['state'])}{done}"
        )


@scheduling.command("set-piece-held")
@click.argument("code")
@click.option(
    "--held-on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="举行日期，YYYY-MM-DD。"
)
@click.option("--outcome", required=True, help="形成的成果。")
@click.option("--note", default="", help="备注。")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option("--county", default=None, help="县（部署多个县时必填）。")
@click.pass_obj
def set_piece_held(obj, code, held_on, outcome, note, campaign, county) -> None:  # type: ignore[no-untyped-def]
    """记录某日举行的重要节点及其成果（SetPieceHeld）。"""
    record = {"held_on": held_on.date(), "outcome": outcome, "note": note, "campaign": campaign}
    _record_set_piece(obj, code, record, county)


@scheduling.command("set-piece-missed")
@click.argument("code")
@click.option("--note", required=True, help="未举行的原因。")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option("--county", default=None, help="县（部署多个县时必填）。")
@click.pass_obj
def set_piece_missed(obj, code, note, campaign, county) -> None:  # type: ignore[no-untyped-def]
    """记录未举行的重要节点及原因（SetPieceMissed）。"""
    _record_set_piece(obj, code, {"note": note, "campaign": campaign}, county)


def _record_set_piece(obj, code: str, record: dict, county: str | None) -> None:  # type: ignore[no-untyped-def]
    from shared.tenancy import CountyRequired, UnknownCounty

    from ..domain.errors import InvalidRecord, SetPieceNotFound

    service = _service(obj)
    try:
        piece, written = service.record_set_piece(
            code, record, actor="cli", source="cli", county=county
        )
    except (InvalidRecord, SetPieceNotFound, CountyRequired, UnknownCounty) as exc:
        raise click.ClickException(str(exc)) from exc
    state = "已记录" if written else "此前已记录"
    click.echo(f"{label('set_piece', code)}：{label('set_piece_state', piece['state'])}（{state}）")


@scheduling.command("site-meeting")
@click.argument("record_file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def site_meeting(obj, record_file: str) -> None:  # type: ignore[no-untyped-def]
    """从 YAML 或 JSON 文件（与接口的请求体相同，见 docs/scheduling.md）记录一次
    现场办公/现场督办；每项决定事项都会生成一项跟踪督办事项。"""
    from ..domain.errors import InvalidRecord
    from .routes import SiteMeetingBody

    body = load_body(record_file, SiteMeetingBody, "现场办公记录")
    try:
        record, written = _service(obj).record_site_meeting(body, actor="cli", source="cli")
    except InvalidRecord as exc:
        raise click.ClickException(str(exc)) from exc
    state = "已记录" if written else "此前已记录"
    click.echo(
        f"现场办公记录 {record['record_id']}（{state}）：决定事项{len(record['decisions'])}项，"
        f"未办结{record['open_decisions']}项"
    )


def load_body(record_file: str, schema: type, what: str) -> dict:  # type: ignore[type-arg]
    """A record's body from a YAML or JSON file, loaded as the API loads it."""
    import json

    import yaml
    from marshmallow import ValidationError

    with open(record_file, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    try:
        return schema().load(json.loads(json.dumps(raw, default=str)))  # type: ignore[no-any-return]  # dates: text
    except ValidationError as exc:
        raise click.ClickException(f"{what}有误：{exc.messages}") from exc


@scheduling.command("actions")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option("--status", type=Codes("action_listing", ("open", "closed", "all")), default="open")
@click.pass_obj
def actions(obj, campaign: int | None, status: str) -> None:  # type: ignore[no-untyped-def]
    """列出跟踪督办事项，及其督办阶段、当前步骤期限和红黄灯。"""
    found = _service(obj).actions(
        status=None if status == "all" else status, campaign=campaign, limit=10000
    )
    for a in found:
        due = f"，本环节时限{a['step_due']}" if a["step_due"] else ""
        click.echo(
            f"{a['action_id']} {a['assignee']} {label('action_stage', a['stage'])}"
            f"（{label('action_urgency', a['urgency'])}{due}） {a['description'][:40]}"
        )
    click.echo(f"共{len(found)}项")


STEP_CHOICES = ("acknowledge", "start", "report", "accept", "return")


@scheduling.command("action-step")
@click.argument("action_id")
@click.argument("step", type=Codes("action_step", STEP_CHOICES))
@click.option("--person", default="", help="责任单位的经办人。")
@click.option("--note", default="", help="备注（签收、办理时）。")
@click.option("--report", default="", help="单位的办理情况（反馈时必填）。")
@click.option("--reason", default="", help="复核意见（退回时必填）。")
@click.pass_obj
def action_step(obj, action_id, step, person, note, report, reason) -> None:  # type: ignore[no-untyped-def]
    """推进督办事项的一步；复核通过即办结，复核退回则回到办理。"""
    from ..domain.duban import StepRefused
    from ..domain.errors import ActionNotFound

    if step == "report" and not report.strip():
        raise click.ClickException("反馈须写明办理情况（--report）")
    if step == "return" and not reason.strip():
        raise click.ClickException("退回重办须写明理由（--reason）")
    body = {"person": person, "note": note, "report": report, "reason": reason}
    try:
        action = _service(obj).action_step(action_id, step, body, actor="cli", source="cli")
    except (StepRefused, ActionNotFound) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{action_id}：{label('action_step', step)}，现为“{label('action_stage', action['stage'])}”"
    )


@scheduling.command("action-letter")
@click.argument("action_ids", nargs=-1, required=True)
@click.option("--issue", is_flag=True, help="给它编下一个文号（DocumentIssued）。")
@click.option("--format", "fmt", type=Codes("document_format", FORMATS))
@click.option("--output", type=click.Path(dir_okay=False), help="把督办函写入此文件。")
@click.pass_obj
def action_letter(obj, action_ids, issue, fmt, output) -> None:  # type: ignore[no-untyped-def]
    """一个单位督办事项的督办函：编号发出（--issue）和/或写入文件（--output）。"""
    from shared.documents import render

    from ..domain.errors import ActionNotFound, InvalidRecord
    from .documents import issuing

    runtime, service = _runtime(obj), _service(obj)
    try:
        if issue:
            issued, now = issuing.issue_action_letter(
                runtime, service, list(action_ids), actor="cli", source="cli"
            )
            click.echo(f"督办函{'已编号' if now else '此前已编号'}：{issued.number}")
        document, found, office = issuing.action_letter(runtime, service, list(action_ids))
    except (ActionNotFound, InvalidRecord) as exc:
        raise click.ClickException(str(exc)) from exc
    if output:
        chosen = fmt or output.rsplit(".", 1)[-1]
        if chosen not in ("docx", "html", "xlsx", "md", "csv"):
            raise click.ClickException("请用 --format 指定格式：docx、html、xlsx、md 或 csv")
        rendered = render(document, chosen, office, "duban-letter")
        data = rendered.body if isinstance(rendered.body, bytes) else rendered.body.encode()
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"已写出：{output}（{document.title}）")


@scheduling.command("colours")
@click.option("--campaign", type=int, default=None, help="攻坚年度（默认：当前）。")
@click.option("--project", "project_id", default=None, help="只看这一个项目。")
@click.option("--record", is_flag=True, help="记录已结束但尚未记录的月份（按考核细则）。")
@click.option("--county", default=None, help="只看一个县（部署多个县时）。")
@click.pass_obj
def colours(obj, campaign: int | None, project_id: str | None, record: bool, county) -> None:  # type: ignore[no-untyped-def]
    """红黄绿灯月度记录：每个项目在每月末（按当时所知）的灯色。"""
    from shared.tenancy import CountyRequired, UnknownCounty

    from ..domain.errors import ColourRecordNotFound

    service = _service(obj)
    try:
        if record:
            _, months = service.record_month_colours(
                campaign, county=county, actor="cli", source="cli"
            )
            done = "、".join(month_text(m) for m in months) or "无新的已结束月份"
            click.echo("已记录：" + done)
        body = service.colour_record(campaign, project_id=project_id, county=county)
    except (ColourRecordNotFound, CountyRequired, UnknownCounty) as exc:
        raise click.ClickException(str(exc)) from exc
    months = [f"{int(m['month'][5:])}月" for m in body["months"]]
    click.echo(f"{body['campaign']['name']}红黄绿灯月度记录（{' '.join(months)}）：")
    for row in body["projects"]:
        marks = " ".join(label("month_colour", c) if c != "none" else "—" for c in row["colours"])
        run = row["consecutive_red"]
        click.echo(
            f"  {row['project_id']} {row['name']}：{marks}"
            f"（连续红灯{run['current']}个月，最长{run['longest']}个月）"
        )


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    from . import oversight_cli  # noqa: F401  (adds its commands to the group)
    from .alert_cli import alerts

    return [scheduler, scheduling, alerts]
