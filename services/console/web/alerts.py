"""提醒推送: the outbox of alerts to the people responsible, each with its delivery
attempts (office, auditors); the leaders' and units' channels (set and removed by the
administrator; URLs masked, secrets never shown)."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from marshmallow import ValidationError

from shared.tenancy import CountyRequired, scoped_to

from ...scheduling.domain.alerts import FORMATS, OWNER_KINDS, STATUSES
from ...scheduling.domain.errors import AlertChannelNotFound, InvalidRecord
from ...scheduling.entrypoints.alert_routes import ChannelBody
from ...scheduling.wiring import SchedulingParts
from .base import bp, current_user, gateway, page, signed_in
from .counties import chosen_county, county_refusal
from .site_meetings import _messages


def _alerts():  # type: ignore[no-untyped-def]
    return SchedulingParts.of(gateway().runtime).alerts


def _alerts_page(**shown: Any) -> Any:
    alerts = _alerts()
    user = current_user()
    status = request.args.get("status") or None
    county = chosen_county()
    html = page(
        "alerts",
        "提醒推送",
        alerts=alerts.alerts(
            status=status if status in STATUSES else None, limit=200, county=county
        ),
        channels=alerts.channels(county=county)
        if user is not None and user.role == "admin"
        else [],
        sending=alerts.sending,
        formats=FORMATS,
        owner_kinds=OWNER_KINDS,
        statuses=STATUSES,
        **shown,
    )
    return (html, 422) if shown.get("error") else html


@bp.get("/alerts")
@signed_in("office", "auditor")
def alerts():  # type: ignore[no-untyped-def]
    return _alerts_page()


@bp.post("/alerts/channels")
@signed_in("admin")
def alerts_channel_set():  # type: ignore[no-untyped-def]
    """设置提醒通道: a leader's or unit's group robot."""
    fields = ("channel_id", "owner_kind", "owner", "format", "url", "secret")
    raw = {k: request.form[k].strip() for k in fields if request.form.get(k, "").strip()}
    raw["county"] = chosen_county()
    user = current_user()
    assert user is not None
    try:
        channel, _ = _alerts().configure_channel(
            ChannelBody().load(raw), actor=user.username, source=user.source
        )
    except ValidationError as exc:
        return _alerts_page(error=f"未能设置：{_messages(exc.messages)}")
    except InvalidRecord as exc:
        return _alerts_page(error=f"未能设置：{exc}")
    except CountyRequired as exc:
        return _alerts_page(error=f"未能设置：{county_refusal(exc)}")
    return _alerts_page(notice=f"提醒通道 {channel['channel_id']} 已设置：{channel['target']}")


@bp.post("/alerts/channels/<channel_id>/remove")
@signed_in("admin")
def alerts_channel_remove(channel_id: str):  # type: ignore[no-untyped-def]
    user = current_user()
    assert user is not None
    try:
        _alerts().remove_channel(channel_id, actor=user.username, source=user.source)
    except AlertChannelNotFound as exc:
        return _alerts_page(error=str(exc))
    return redirect(url_for("console.alerts", county=chosen_county()))


@bp.post("/alerts/scan")
@signed_in("office")
def alerts_scan():  # type: ignore[no-untyped-def]
    """立即检查: derive the alerts due now (workers also do it on their timer)."""
    alerts = _alerts()
    tenancy = gateway().runtime.settings.tenancy
    with scoped_to(tenancy.everywhere()):  # every county's causes, as the workers' scan
        made = alerts.scan()
    return _alerts_page(notice=f"已检查，新提醒{len(alerts.in_scope(made))}条")
