"""`gongjian` subcommands of the registry service: integrations and their secrets, the
office's spreadsheets (`gongjian import ledger|monthly-report FILE [--confirm]`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from shared.commandline import Codes
from shared.events import PROJECT_EVENT_TYPES

from .campaign_cli import campaign, project
from .pool_cli import pool, visits


def _integrations(obj):  # type: ignore[no-untyped-def]
    return _parts(obj).integrations


@click.group()
def integration() -> None:
    """接入系统：向 POST /v1/ingest 推送签名事件批次的审批系统等。"""


@integration.command("create")
@click.option("--name", required=True, help="接入系统名称；即其事件的来源（source）。")
@click.option(
    "--types",
    required=True,
    help=f"允许推送的事件类型，逗号分隔，例如 ApprovalGranted,InvestmentReported"
    f"（可选：{', '.join(PROJECT_EVENT_TYPES)}）。",
)
@click.option("--county", default=None, help="它写入哪个县的项目（县代码）。")
@click.pass_obj
def create(obj, name: str, types: str, county: str | None) -> None:  # type: ignore[no-untyped-def]
    """创建接入系统，并只打印一次其密钥。"""
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    try:
        code = _county(obj, county)
        click.echo(_integrations(obj).create(name, wanted, code))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _county(obj, county: str | None) -> str:  # type: ignore[no-untyped-def]
    """A county code of the hierarchy (a city or province cannot hold an integration)."""
    tenant = obj.runtime().settings.tenancy.tenant(county)
    if tenant.level != "county":
        raise ValueError(f"{tenant.code} 不是县级单位：接入系统属于一个县")
    return tenant.code


@integration.command("rotate")
@click.option("--name", required=True, help="接入系统的名称。")
@click.option("--retire-old", is_flag=True, help="停用除最新密钥外的所有密钥（结束一次轮换）。")
@click.pass_obj
def rotate(obj, name: str, retire_old: bool) -> None:  # type: ignore[no-untyped-def]
    """增加第二个密钥并只打印一次；在 --retire-old 之前两个都有效。"""
    try:
        secret = _integrations(obj).rotate(name, retire_old=retire_old)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(secret if secret is not None else f"{name}：只保留最新的密钥")


@integration.command("list")
@click.pass_obj
def list_(obj) -> None:  # type: ignore[no-untyped-def]
    """列出接入系统、其事件类型和有效密钥数（从不显示密钥）。"""
    for row in _integrations(obj).list():
        click.echo(json.dumps(row, ensure_ascii=False))


def _set_enabled(obj, name: str, enabled: bool) -> bool:  # type: ignore[no-untyped-def]
    from shared.commandline import operator

    from ..application.integration_admin import NoSuchIntegration, set_enabled

    try:
        return set_enabled(obj.runtime().store, _integrations(obj), name, enabled, operator())
    except NoSuchIntegration as exc:
        raise click.ClickException(f"没有名为 {name} 的接入系统") from exc


STATES = {False: "停用", True: "启用"}


def _switch(enabled: bool) -> click.Command:
    verb = "enable" if enabled else "disable"

    @click.option("--name", required=True, help="接入系统的名称。")
    @click.pass_obj
    def command(obj, name: str) -> None:  # type: ignore[no-untyped-def]
        changed = _set_enabled(obj, name, enabled)
        state = STATES[enabled]
        click.echo(f"接入系统 {name} 已{state}" if changed else f"接入系统 {name} 原已{state}")

    command.__doc__ = (
        "重新接受该接入系统的请求；记为 IntegrationEnabled 事件。"
        if enabled
        else "从现在起拒绝该接入系统的请求；记为 IntegrationDisabled 事件。"
    )
    return integration.command(verb)(command)


disable, enable = _switch(False), _switch(True)


@integration.command("reseal")
@click.pass_obj
def reseal(obj) -> None:  # type: ignore[no-untyped-def]
    """用 GONGJIAN_SECRETS_KEY 的第一个密钥重新加密所有已存密钥（密钥轮换的最后一步；
    见 docs/operations.md）。"""
    count = _integrations(obj).reseal()
    click.echo(f"已用当前密钥重新加密 {count} 个接入密钥")


@click.group("import")
def import_() -> None:
    """办公室的表格：重点项目台账（ledger）和月度填报表（monthly-report）。"""


TITLES = {"ledger": "重点项目台账", "monthly-report": "月度填报表"}


def _import_command(kind: str) -> click.Command:
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--confirm", is_flag=True, help="文件没有问题时导入。")
    @click.option(
        "--year",
        type=click.IntRange(2000, 2100),
        default=None,
        help="攻坚年度（默认：今年）。",
    )
    @click.option("--actor", default="cli", show_default=True, help="导入人（记为操作者）。")
    @click.pass_obj
    def run(obj, file: Path, confirm: bool, year: int | None, actor: str) -> None:  # type: ignore[no-untyped-def]
        from ..application.spreadsheets import ImportHasProblems, digest_of

        runtime, imports, data = obj.runtime(), _parts(obj).spreadsheets, file.read_bytes()
        layout = imports.layouts[kind]
        context = _context(runtime, year, actor)
        with _progress("读取", layout.title) as bar:
            preview = imports.preview(layout, data, context, bar)
        for problem in preview.problems:
            click.echo(problem.text)
        events = preview.to_dict()["events"]
        click.echo(
            f"{layout.title}：{preview.rows} 行，{len(preview.problems)} 处问题；"
            f"新事件 {events['new']} 个，已导入 {events['duplicate']} 个；摘要 {preview.digest}"
        )
        if not preview.clean:
            raise click.ClickException("文件有问题，未导入任何内容")
        if not confirm:
            click.echo("未导入：确认无误后加 --confirm")
            return
        try:
            with _progress("导入", layout.title) as bar:
                done = imports.confirm(layout, data, digest_of(data), context, bar)
        except ImportHasProblems as exc:  # changed between the preview and the import
            raise click.ClickException(str(exc)) from exc
        click.echo(f"已导入：新事件 {done.accepted} 个，重复 {done.duplicates} 个")

    run.__doc__ = f"预览（加 --confirm 则导入）{TITLES[kind]} XLSX 文件，逐条列出问题。"
    return click.command(kind)(run)


@import_.command("template")
@click.argument("kind", type=Codes(TITLES))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def template_(obj, kind: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    """把一种表格的空白模板（中文表头，一行示例）写入输出文件。"""
    from ..application.spreadsheets import template

    out.write_bytes(template(_parts(obj).spreadsheets.layouts[kind]))
    click.echo(str(out))


for _kind in ("ledger", "monthly-report"):
    import_.add_command(_import_command(_kind))


def _parts(obj):  # type: ignore[no-untyped-def]
    from ..wiring import RegistryParts

    return RegistryParts.of(obj.runtime())


def _context(runtime: Any, year: int | None, actor: str) -> Any:
    from ..application.spreadsheets import ImportContext

    zone, now = runtime.settings.zone, runtime.store.clock()
    return ImportContext(year or now.astimezone(zone).year, f"office:{actor}", actor, now, zone)


class _progress:
    """A progress bar on stderr, drawn once the import reports progress."""

    def __init__(self, verb: str, title: str) -> None:
        self.label, self.bar = f"{verb}{title}", None

    def __enter__(self) -> _progress:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    return [integration, import_, campaign, project, pool, visits]
