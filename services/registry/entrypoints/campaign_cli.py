"""`gongjian campaign define|list` and `gongjian project carry-over`: the campaign year
(项目攻坚年) from the command line."""

from __future__ import annotations

import click


def _campaigns(obj):  # type: ignore[no-untyped-def]
    from ..wiring import RegistryParts

    return RegistryParts.of(obj.runtime()).campaigns


@click.group()
def campaign() -> None:
    """攻坚年：年度、县、起止日期、目标（定义后看板、调度计划、考核按攻坚年取项目）。"""


@campaign.command("define")
@click.option(
    "--year", required=True, type=click.IntRange(2000, 2100), help="攻坚年度，例如 2026。"
)
@click.option("--name", required=True, help="名称，例如 某某县2026年项目攻坚年")
@click.option("--county", required=True, help="县（市、区）代码。")
@click.option("--starts-on", required=True, metavar="日期", help="第一天，YYYY-MM-DD")
@click.option("--ends-on", required=True, metavar="日期", help="最后一天，YYYY-MM-DD")
@click.option(
    "--breakthrough",
    default=18,
    show_default=True,
    type=click.IntRange(0),
    help="目标：取得突破性进展或完工投产的项目个数。",
)
@click.option(
    "--new-start",
    default=5,
    show_default=True,
    type=click.IntRange(0),
    help="目标：开工建设的项目个数。",
)
@click.option(
    "--preliminary",
    default=6,
    show_default=True,
    type=click.IntRange(0),
    help="目标：前期谋划取得实质性进展的项目个数。",
)
@click.option(
    "--investment",
    default="4500000000.00",
    show_default=True,
    metavar="金额",
    help="年度投资目标，元",
)
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
@click.option(
    "--to-year", required=True, type=click.IntRange(2000, 2100), help="结转进入的攻坚年度。"
)
@click.option("--reason", required=True, help="结转原因，例如 续建项目")
@click.option(
    "--from-year",
    default=None,
    type=click.IntRange(2000, 2100),
    help="结转出的攻坚年度（默认：项目在结转进入年度之前最近的攻坚年度）。",
)
@click.option(
    "--annual-plan", default=None, help="结转进入年度的年度计划投资（元）；不填沿用登记时的计划"
)
@click.pass_obj
def project_carry_over(
    obj, project_id: str, to_year: int, reason: str, from_year, annual_plan
) -> None:  # type: ignore[no-untyped-def]
    """把项目结转到以后年度的攻坚年（记录 ProjectCarriedOver）。"""
    from shared.eventstore import EventStoreError

    from ..domain import RegistryError

    try:
        outcome = _campaigns(obj).carry_over(
            project_id,
            to_year,
            reason,
            from_year=from_year,
            actor="cli",
            source="cli",
            plan={"annual_plan": annual_plan},
        )
    except (RegistryError, EventStoreError) as exc:
        raise click.ClickException(f"不能结转：{exc}") from exc
    click.echo(f"项目 {project_id} 已结转到{to_year}年攻坚年（事件位置 {outcome.global_position}）")
