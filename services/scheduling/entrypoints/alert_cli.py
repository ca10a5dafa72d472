"""`gongjian alerts …`: the office's and the administrator's commands for alerts to the
people responsible (docs/alerts.md)."""

from __future__ import annotations

import click

from shared.commandline import Codes
from shared.i18n import label


def _operator() -> dict[str, str]:
    from shared.commandline import operator

    who = operator()
    return {"actor": who.name, "source": who.source}


def _alerts(obj):  # type: ignore[no-untyped-def]
    from ..wiring import SchedulingParts

    return SchedulingParts.of(obj.runtime()).alerts


@click.group("alerts")
def alerts() -> None:
    """发给领导和单位群机器人的提醒：通道、待发队列、发送。"""


@alerts.command("channels")
@click.option("--owner", default=None, help="只列这位领导或这个单位的通道。")
@click.pass_obj
def channels(obj, owner: str | None) -> None:  # type: ignore[no-untyped-def]
    """列出通道（网址已打码，从不显示密钥）。"""
    for c in _alerts(obj).channels(owner):
        signed = "，已设签名密钥" if c["signed"] else ""
        click.echo(
            f"{c['channel_id']}  {label('alert_owner', c['owner_kind'])} {c['owner']}  "
            f"{label('alert_format', c['format'])}  {c['target']}{signed}"
        )


@alerts.command("set-channel")
@click.option("--id", "channel_id", default=None, help="通道编号（默认：新建一个）。")
@click.option("--leader", default=None, help="领导姓名，与项目中的写法一致。")
@click.option("--unit", default=None, help="单位名称，与项目中的写法一致。")
@click.option(
    "--format", "fmt", required=True, type=Codes("alert_format", ("wecom", "dingtalk", "webhook"))
)
@click.option("--url", required=True, help="机器人的 Webhook 网址（含 key/access_token）。")
@click.option(
    "--secret", default=None, envvar="GONGJIAN_ALERT_SECRET", help="钉钉加签密钥（SEC…）。"
)
@click.option("--county", default=None, help="领导或单位所属的县（部署多个县时）。")
@click.pass_obj
def set_channel(obj, channel_id, leader, unit, fmt, url, secret, county) -> None:  # type: ignore[no-untyped-def]
    """设置领导或单位的通道（AlertChannelConfigured）。"""
    from shared.tenancy import CountyRequired, UnknownCounty

    from ..domain.errors import InvalidRecord

    if bool(leader) == bool(unit):
        raise click.ClickException("请指定 --leader 或 --unit 之一")
    body = {
        "channel_id": channel_id,
        "owner_kind": "leader" if leader else "unit",
        "owner": leader or unit,
        "format": fmt,
        "url": url,
        "secret": secret,
        "county": county,
    }
    try:
        channel, written = _alerts(obj).configure_channel(body, **_operator())
    except (InvalidRecord, CountyRequired, UnknownCounty) as exc:
        raise click.ClickException(str(exc)) from exc
    state = "已设置" if written else "未改变"
    click.echo(f"提醒通道 {channel['channel_id']}（{state}）：{channel['target']}")


@alerts.command("remove-channel")
@click.argument("channel_id")
@click.pass_obj
def remove_channel(obj, channel_id: str) -> None:  # type: ignore[no-untyped-def]
    """删除通道（AlertChannelRemoved）。"""
    from ..domain.errors import AlertChannelNotFound

    try:
        _alerts(obj).remove_channel(channel_id, **_operator())
    except AlertChannelNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"提醒通道 {channel_id} 已删除")


@alerts.command("reseal")
@click.pass_obj
def reseal(obj) -> None:  # type: ignore[no-untyped-def]
    """用 GONGJIAN_SECRETS_KEY 的第一个密钥重新加密所有通道的网址和密钥。"""
    click.echo(f"已重新加密提醒通道{_alerts(obj).reseal()}个")


@alerts.command("scan")
@click.option("--deliver", is_flag=True, help="同时立即发送所有到期的提醒。")
@click.pass_obj
def scan(obj, deliver: bool) -> None:  # type: ignore[no-untyped-def]
    """把现在到期的提醒放入待发队列（后台任务进程会定时做这件事）。"""
    found = _alerts(obj)
    made = found.scan()
    click.echo(f"新提醒{len(made)}条")
    if deliver:
        click.echo(f"已尝试发送{len(found.deliver_due())}条")


@alerts.command("list")
@click.option(
    "--status",
    default=None,
    type=Codes("alert_status", ("pending", "sending", "held", "delivered", "failed")),
)
@click.option("--limit", default=50, show_default=True, type=int, help="最多列出的提醒条数。")
@click.pass_obj
def list_alerts(obj, status: str | None, limit: int) -> None:  # type: ignore[no-untyped-def]
    """待发队列，及每条提醒的发送尝试。"""
    for a in _alerts(obj).alerts(status=status, limit=limit):
        click.echo(
            f"{a['alert_id']}  {label('alert_kind', a['kind'])}  {a['title']}  → {a['channel_id']}"
            f"  {label('alert_status', a['status'])}（尝试{len(a['attempts'])}次）"
        )
        for t in a["attempts"]:
            code = t["response_code"] if t["response_code"] is not None else "—"
            click.echo(
                f"    第{t['attempt']}次 {t['at']} {label('alert_attempt', t['outcome'])} {code}"
            )
