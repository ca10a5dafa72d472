"""`gongjian` subcommands of the scoring service: ``assess`` and ``rulebook``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from shared.commandline import AS_OF, KNOWN_AT
from shared.documents import office_config_for
from shared.documents import render as render_document
from shared.i18n import label
from shared.tenancy import DEFAULT_COUNTY, deployment_counties

from ..application import accountability, assessments, publication, rulebooks, verification
from ..domain.errors import (
    AssessmentAlreadyPublished,
    AssessmentAltered,
    AssessmentNotFound,
    CorrectionReasonMissing,
)
from ..domain.rulebook import RulebookInvalid
from ..readmodel.records import Records
from . import cadre, reports
from .actors import checkpoint_after


@click.command()
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="考核的攻坚年度。")
@click.option(
    "--as-of",
    "as_of",
    type=AS_OF,
    help="业务时间截止日：YYYY-MM-DD（默认：考核细则规定的次年一月报送十二月数据的截止日）。",
)
@click.option(
    "--known-at",
    "known_at",
    type=KNOWN_AT,
    help="记录时间截止：RFC 3339 时刻，或 YYYY-MM-DD（当天结束时）；默认：现在。",
)
@click.option("--rulebook-version", default=None, help="已采用的考核细则版本（默认：现行的）。")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出考核通报；按文件后缀为 .docx、.html、.xlsx、.md 或 .csv。",
)
@click.option(
    "--county",
    default=None,
    help="被考核的县（部署多个县时，见 docs/tenancy.md）；不给则一次重放日志，考核部署中的每个县。",
)
@click.pass_obj
def assess(
    obj: Any,
    year: int,
    as_of: date | None,
    known_at: datetime | None,
    rulebook_version: str | None,
    out: Path | None,
    county: str | None,
) -> None:
    """在本机运行年终考核（显示进度条），并导出结果。"""
    fmt = out.suffix.lower().lstrip(".") if out else None
    if fmt is not None and fmt not in reports.FORMATS:
        raise click.BadParameter(
            f"文件扩展名应为 {'、'.join(reports.FORMATS)} 之一", param_hint="--out"
        )
    runtime = obj.runtime()
    chosen = _counties_assessed(county, out)
    request = assessments.request_for(
        runtime.store,
        year,
        as_of=as_of,
        known_at=known_at,
        rulebook_version=rulebook_version,
        zone=runtime.settings.zone,
    )
    records = Records(runtime.engine)
    job_ids = [
        assessments.submit(records, replace(request, county=c), requested_by="cli")[0]["job_id"]
        for c in chosen
    ]
    with tqdm(total=0, unit="event", desc=f"assess {year}", disable=None) as bar:

        def progress(replayed: int, total: int) -> None:
            bar.total = total
            bar.update(replayed - bar.n)

        try:
            done = assessments.run_together(
                runtime.store,
                records,
                job_ids,
                runtime.settings.zone,
                progress=progress,
                on_recorded=checkpoint_after(runtime),
            )
        except rulebooks.UnknownRulebook as exc:
            raise click.ClickException(str(exc)) from exc
    for job in done:
        _report(_finished(runtime, records, job), out, fmt, runtime)


def _finished(runtime: Any, records: Records, job: dict[str, Any]) -> dict[str, Any]:
    """A finished job's assessment, with its publication and the year's 诫勉谈话."""
    record = records.assessment(job["assessment_id"])
    assert record is not None
    record["publication"] = publication.standing(runtime.store, record)
    admonished = accountability.of_year(runtime.store, record["year"], county=job["county"])
    record["admonishments"] = [a.view() for a in admonished]
    return record


def _counties_assessed(county: str | None, out: Path | None) -> list[str]:
    """The county named, or every county of the deployment (one report: one county)."""
    counties = deployment_counties()
    if county is not None and county not in counties:
        raise click.BadParameter(f"没有代码为“{county}”的县（市、区）", param_hint="--county")
    chosen = [county] if county is not None else list(counties)
    if out is not None and len(chosen) > 1:
        raise click.BadParameter("导出考核通报时请用 --county 指明县", param_hint="--out")
    return chosen


def _report(record: dict[str, Any], out: Path | None, fmt: str | None, runtime: Any) -> None:
    """Print the digest and the grade counts; write the report if asked."""
    campaign = record["result"]["campaign"]
    state = label("assessment_state", record["publication"]["state"])
    county = record.get("county") or DEFAULT_COUNTY
    where = "" if deployment_counties() == (DEFAULT_COUNTY,) else f"{label('county', county)} "
    click.echo(f"{where}年终考核 {record['assessment_id']}  摘要 {record['digest']}  {state}")
    click.echo(
        f"  项目{campaign['projects']}个；等次："
        + "、".join(f"{label('grade', g)}{n}个" for g, n in campaign["grade_counts"].items())
    )
    if out is not None and fmt is not None:
        checkpoints = reports.checkpoints_for(runtime.store, record)
        rendered = reports.render(
            record,
            fmt,
            office_config_for(runtime, county),
            runtime.settings.zone,
            None,
            checkpoints,
        )
        body = rendered.body
        if isinstance(body, bytes):
            out.write_bytes(body)
        else:
            out.write_text(body, encoding="utf-8")
        click.echo(f"  报告已写入 {out}")


@click.group()
def assessment() -> None:
    """已保存的考核结果。"""


@assessment.command("verify")
@click.argument("assessment_id", required=False)
@click.pass_obj
def assessment_verify(obj: Any, assessment_id: str | None) -> None:
    """用保存的考核细则和输入，从日志重算已保存的考核结果（一个或全部），逐项比对每一行、
    合计、排名和摘要，指出第一处不同；有不同时以 1 退出。"""
    runtime = obj.runtime()
    records, zone = Records(runtime.engine), runtime.settings.zone
    try:
        outcomes = (
            [verification.verify(runtime.store, records, assessment_id, zone)]
            if assessment_id
            else verification.verify_all(runtime.store, records, zone)
        )
    except (AssessmentNotFound, rulebooks.UnknownRulebook) as exc:
        raise click.ClickException(str(exc)) from exc
    for outcome in outcomes:
        click.echo(f"考核 {outcome.assessment_id}")
        click.echo(f"  存档摘要 {outcome.stored_digest}")
        click.echo(f"  重算摘要 {outcome.recomputed_digest}")
        click.echo(f"  {outcome.difference}" if outcome.difference else "  重算结果与存档一致")
    if not outcomes:
        click.echo("尚无已存档的考核")
    if any(not outcome.ok for outcome in outcomes):
        raise SystemExit(1)


@assessment.command("approve")
@click.argument("assessment_id")
@click.option("--by", "by", required=True, help="审定人，按记录的写法。")
@click.option("--reason", default=None, help="更正已发布年度结果的原因。")
@click.pass_obj
def assessment_approve(obj: Any, assessment_id: str, by: str, reason: str | None) -> None:
    """审定：审定并发布一次考核结果；更正已发布年度的结果须给出 --reason，并取代已发布的版本。"""
    runtime = obj.runtime()
    try:
        standing, published = publication.approve(
            runtime.store, Records(runtime.engine), assessment_id, by=by, reason=reason
        )
    except (
        AssessmentNotFound,
        AssessmentAltered,
        AssessmentAlreadyPublished,
        CorrectionReasonMissing,
    ) as exc:
        raise click.ClickException(str(exc)) from exc
    if published:
        checkpoint_after(runtime)(0)
    click.echo(
        f"考核 {assessment_id} {label('assessment_state', standing['state'])}："
        f"第{standing['version']}版，审定人 {standing['approved_by'] or '（未记录）'}"
        + ("" if published else "（此前已发布）")
    )
    if standing["supersedes"]:
        click.echo(f"  更正 {standing['supersedes']}，原因：{standing['correction_reason']}")


@assessment.command("admonish")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--unit", required=True, help="承办单位。")
@click.option("--principal", required=True, help="该单位的主要负责人。")
@click.option(
    "--held-on",
    "held_on",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="谈话日期，YYYY-MM-DD。",
)
@click.option("--by", "conducted_by", required=True, help="谈话人。")
@click.option("--reason", required=True, help="事由。")
@click.option("--id", "admonishment_id", default=None, help="幂等键（重复提交同一键只记录一次）。")
@click.option("--county", default=DEFAULT_COUNTY, help="记录所属的县。")
@click.pass_obj
def assessment_admonish(obj: Any, year: int, held_on: datetime, county: str, **given: Any) -> None:
    """诫勉谈话：记录单位主要负责人受到诫勉——谁、何时、由谁、为何。"""
    runtime = obj.runtime()
    if county not in deployment_counties():
        raise click.BadParameter(f"没有代码为“{county}”的县（市、区）", param_hint="--county")
    found, created = accountability.record(
        runtime.store,
        year,
        {**given, "held_on": held_on.date()},
        actor="cli",
        source="cli",
        zone=runtime.settings.zone,
        county=county,
    )
    state = "已记录" if created else "此前已记录"
    click.echo(f"诫勉谈话 {found.admonishment_id} {state}：{found.unit} {found.principal}")


@assessment.command("cadre")
@click.argument("assessment_id")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写入的 XLSX 文件。",
)
@click.pass_obj
def assessment_cadre(obj: Any, assessment_id: str, out: Path) -> None:
    """干部考核：把已发布考核结果中的单位和领导（得分、等次、排名、先进单位、通报批评、
    诫勉谈话）写成 XLSX。"""
    runtime = obj.runtime()
    try:
        record = verification.read(Records(runtime.engine), assessment_id)
    except (AssessmentNotFound, AssessmentAltered) as exc:
        raise click.ClickException(str(exc)) from exc
    if publication.standing(runtime.store, record)["state"] == "draft":
        raise click.ClickException(f"考核结果 {assessment_id} 尚为草稿，审定发布后方可导出")
    admonished = accountability.of_year(runtime.store, record["year"], county=record["county"])
    office = office_config_for(runtime, record["county"])
    document = cadre.build(record, admonished, office, runtime.settings.zone)
    body = render_document(document, "xlsx", office, "cadre").body
    assert isinstance(body, bytes)  # XLSX is binary
    out.write_bytes(body)
    click.echo(f"干部考核参考表已写入 {out}")


@click.group()
def rulebook() -> None:
    """考核细则。"""


@rulebook.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rulebook_check(path: Path) -> None:
    """校验考核细则文件（YAML 或 JSON），并打印其版本和哈希。"""
    try:
        parsed = rulebooks.parse_rulebook(rulebooks.read_document(path))
    except RulebookInvalid as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    click.echo(f"{parsed.version} {parsed.hash}")


@rulebook.command("adopt")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def rulebook_adopt(obj: Any, path: Path) -> None:
    """采用考核细则文件：此后的考核都用它。"""
    try:
        parsed, position, created = rulebooks.adopt(
            obj.runtime().store, rulebooks.read_document(path), actor="cli"
        )
    except (RulebookInvalid, rulebooks.RulebookConflict) as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    state = "已启用" if created else "此前已启用"
    click.echo(f"考核细则 {parsed.version} {state}，全局位置 {position}（{parsed.hash}）")


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    return [assess, assessment, rulebook]
