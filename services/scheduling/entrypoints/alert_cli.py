"""`gongjian alerts …`: the office's and the administrator's commands for alerts to the
people responsible (docs/alerts.md)."""

from __future__ import annotations

import click

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
    """Alerts to leaders' and units' group robots: channels, the outbox, delivery."""


@alerts.command("channels")
@click.option("--owner", default=None, help="Only this leader's or unit's channels.")
@click.pass_obj
def channels(obj, owner: str | None) -> None:  # type: ignore[no-untyped-def]
    """List the channels (URLs masked, secrets never shown)."""
    for c in _alerts(obj).channels(owner):
        signed = "，已设签名密钥" if c["signed"] else ""
        click.echo(
            f"{c['channel_id']}  {label('alert_owner', c['owner_kind'])} {c['owner']}  "
            f"{label('alert_format', c['format'])}  {c['target']}{signed}"
        )


@alerts.command("set-channel")
@click.option("--id", "channel_id", default=None, help="The channel id (default: a new one).")
@click.option("--leader", default=None, help="The leader's name, as projects name them.")
@click.option("--unit", default=None, help="The unit's name, as projects name them.")
@click.option("--format", "fmt", required=True, type=click.Choice(["wecom", "dingtalk", "webhook"]))
@click.option("--url", required=True, help="The robot's webhook URL with its key/access_token.")
@click.option(
    "--secret", default=None, envvar="GONGJIAN_ALERT_SECRET", help="钉钉 加签 secret (SEC…)."
)
@click.option(
    "--county", default=None, help="The county whose leader or unit it is (many counties)."
)
@click.pass_obj
def set_channel(obj, channel_id, leader, unit, fmt, url, secret, county) -> None:  # type: ignore[no-untyped-def]
    """Set a leader's or a unit's channel (AlertChannelConfigured)."""
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
    """Remove a channel (AlertChannelRemoved)."""
    from ..domain.errors import AlertChannelNotFound

    try:
        _alerts(obj).remove_channel(channel_id, **_operator())
    except AlertChannelNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"提醒通道 {channel_id} 已删除")


@alerts.command("reseal")
@click.pass_obj
def reseal(obj) -> None:  # type: ignore[no-untyped-def]
    """Re-encrypt every channel's URL and secret under the first GONGJIAN_SECRETS_KEY."""
    click.echo(f"已重新加密提醒通道{_alerts(obj).reseal()}个")


@alerts.command("scan")
@click.option("--deliver", is_flag=True, help="Also deliver every due alert now.")
@click.pass_obj
def scan(obj, deliver: bool) -> None:  # type: ignore[no-untyped-def]
    """Derive the alerts due now into the outbox (workers do it on their timer)."""
    found = _alerts(obj)
    made = found.scan()
    click.echo(f"新提醒{len(made)}条")
    if deliver:
        click.echo(f"已尝试发送{len(found.deliver_due())}条")


@alerts.command("list")
@click.option(
    "--status",
    default=None,
    type=click.Choice(["pending", "sending", "held", "delivered", "failed"]),
)
@click.option("--limit", default=50, type=int)
@click.pass_obj
def list_alerts(obj, status: str | None, limit: int) -> None:  # type: ignore[no-untyped-def]
    """The outbox with each alert's attempts."""
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
