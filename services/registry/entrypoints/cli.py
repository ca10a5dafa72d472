"""`gongjian` subcommands of the registry service: integrations and their secrets."""

from __future__ import annotations

import json

import click

from shared.events import PROJECT_EVENT_TYPES


def _integrations(obj):  # type: ignore[no-untyped-def]
    from ..wiring import RegistryParts

    return RegistryParts.of(obj.runtime()).integrations


@click.group()
def integration() -> None:
    """Approval systems that push signed event batches to POST /v1/ingest."""


@integration.command("create")
@click.option("--name", required=True, help="The integration's name; the source of its events.")
@click.option(
    "--types",
    required=True,
    help=f"Comma-separated event types it may send, e.g. ApprovalGranted,InvestmentReported "
    f"(known: {', '.join(PROJECT_EVENT_TYPES)}).",
)
@click.pass_obj
def create(obj, name: str, types: str) -> None:  # type: ignore[no-untyped-def]
    """Create an integration and print its secret once."""
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    try:
        click.echo(_integrations(obj).create(name, wanted))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@integration.command("rotate")
@click.option("--name", required=True)
@click.option(
    "--retire-old", is_flag=True, help="Retire every secret but the newest (ends a rotation)."
)
@click.pass_obj
def rotate(obj, name: str, retire_old: bool) -> None:  # type: ignore[no-untyped-def]
    """Add a second secret and print it once; both stay valid until --retire-old."""
    try:
        secret = _integrations(obj).rotate(name, retire_old=retire_old)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(secret if secret is not None else f"{name}：只保留最新的密钥")


@integration.command("list")
@click.pass_obj
def list_(obj) -> None:  # type: ignore[no-untyped-def]
    """Integrations, their types and how many secrets are active (never the secrets)."""
    for row in _integrations(obj).list():
        click.echo(json.dumps(row, ensure_ascii=False))


def _campaigns(obj):  # type: ignore[no-untyped-def]
    from ..wiring import RegistryParts

    return RegistryParts.of(obj.runtime()).campaigns


@click.group()
def campaign() -> None:
    """攻坚年：年度、县、起止日期、目标（定义后看板、调度计划、考核按攻坚年取项目）。"""


@campaign.command("define")
@click.option("--year", required=True, type=click.IntRange(2000, 2100))
@click.option("--name", required=True, help="名称，例如 某某县2026年项目攻坚年")
@click.option("--county", required=True)
@click.option("--starts-on", required=True, help="YYYY-MM-DD")
@click.option("--ends-on", required=True, help="YYYY-MM-DD")
@click.option("--breakthrough", default=18, show_default=True, type=click.IntRange(0))
@click.option("--new-start", default=5, show_default=True, type=click.IntRange(0))
@click.option("--preliminary", default=6, show_default=True, type=click.IntRange(0))
@click.option("--investment", default="4500000000.00", show_default=True, help="元")
@click.pass_obj
def campaign_define(obj, year: int, **given: str) -> None:  # type: ignore[no-untyped-def]
    """设定（或修改）一个攻坚年；内容相同则不再记录。"""
    from shared.eventstore import EventStoreError

    body = {
        "name": given["name"],
        "county": given["county"],
        "starts_on": given["starts_on"],
        "ends_on": given["ends_on"],
        "targets": {k: given[k] for k in ("breakthrough", "new_start", "preliminary")}
        | {"investment": given["investment"]},
    }
    try:
        defined, written = _campaigns(obj).define(year, body, actor="cli", source="cli")
    except EventStoreError as exc:
        raise click.ClickException(f"攻坚年设定有误：{exc}") from exc
    click.echo(("已设定 " if written else "未变化 ") + _campaign_line(defined))


@campaign.command("list")
@click.pass_obj
def campaign_list(obj) -> None:  # type: ignore[no-untyped-def]
    """列出已设定的攻坚年。"""
    found = _campaigns(obj).list()
    if not found:
        click.echo("尚未设定攻坚年（按日历年度和默认目标计）")
    for item in found:
        click.echo(_campaign_line(item))


def _campaign_line(item) -> str:  # type: ignore[no-untyped-def]
    from shared.i18n import date_text, yi

    t = item.targets
    return (
        f"{item.year} {item.name}（{item.county}）{date_text(item.starts_on)}至"
        f"{date_text(item.ends_on)}；目标：突破性进展或完工投产{t.breakthrough}个、"
        f"开工建设{t.new_start}个、前期谋划{t.preliminary}个，年度投资{yi(t.investment)}"
    )


@click.group()
def project() -> None:
    """重点项目的操作。"""


@project.command("carry-over")
@click.argument("project_id")
@click.option("--to-year", required=True, type=click.IntRange(2000, 2100))
@click.option("--reason", required=True, help="结转原因，例如 续建项目")
@click.option("--from-year", default=None, type=click.IntRange(2000, 2100))
@click.pass_obj
def project_carry_over(obj, project_id: str, to_year: int, reason: str, from_year) -> None:  # type: ignore[no-untyped-def]
    """把项目结转到以后年度的攻坚年（记录 ProjectCarriedOver）。"""
    from shared.eventstore import EventStoreError

    from ..domain import RegistryError

    try:
        outcome = _campaigns(obj).carry_over(
            project_id, to_year, reason, from_year=from_year, actor="cli", source="cli"
        )
    except (RegistryError, EventStoreError) as exc:
        raise click.ClickException(f"不能结转：{exc}") from exc
    click.echo(f"项目 {project_id} 已结转到{to_year}年攻坚年（事件位置 {outcome.global_position}）")


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    return [integration, campaign, project]
