"""HTTP API of alerts to the people responsible (docs/alerts.md): each leader's and
unit's channels (admin), the outbox with every delivery attempt (office, auditors), and
a scan on demand."""

from __future__ import annotations

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import current_principal, require_role
from shared.events.catalogue import ALERT_FORMATS, ALERT_OWNERS
from shared.http import PageQuery, limit_field, next_link, page_after
from shared.http.county_param import county_field, one_county
from shared.tenancy import scoped_to

from ..domain.alerts import KINDS, STATUSES
from ..wiring import SchedulingParts
from .labelled import (
    AlertChannelsResponse,
    AlertChannelView,
    AlertScanResponse,
    AlertsResponse,
    AlertView,
)

blp = Blueprint(
    "alerts",
    __name__,
    url_prefix="/v1",
    description="Alerts (督办提醒) to leaders' and units' group robots: channels and the outbox",
)

ALERT_READERS = ("office", "auditor")


def _alerts():  # type: ignore[no-untyped-def]
    from flask import current_app

    return SchedulingParts.of(current_app.extensions["gongjian.runtime"]).alerts


class ChannelBody(Schema):
    county = county_field("the county whose leader or unit it is (a county's admin: its own)")
    channel_id = fields.String(
        load_default=None, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$")
    )
    owner_kind = fields.String(required=True, validate=validate.OneOf(ALERT_OWNERS))
    owner = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "the leader's or unit's name as projects are registered"},
    )
    format = fields.String(required=True, validate=validate.OneOf(ALERT_FORMATS))
    url = fields.String(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"description": "the robot's webhook URL with its key or access_token"},
    )
    secret = fields.String(
        load_default=None,
        validate=validate.Length(1, 500),
        metadata={"description": "钉钉 加签 secret (SEC…), or the generic webhook's key"},
    )


class ChannelsQuery(PageQuery):
    after = fields.String(
        load_default=None, metadata={"description": "the last channel id of the page before"}
    )
    limit = limit_field(100, 1000)
    owner = fields.String(load_default=None, validate=validate.Length(1, 200))
    county = county_field()


class AlertsQuery(PageQuery):
    after = fields.String(
        load_default=None, metadata={"description": "the last alert id of the page before"}
    )
    limit = limit_field(100, 1000)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    channel_id = fields.String(load_default=None, validate=validate.Length(1, 64))
    county = county_field()


@blp.get("/alert-channels")
@require_role("admin")
@blp.arguments(ChannelsQuery, location="query")
@blp.response(200, AlertChannelsResponse)
@blp.doc(security=[{"bearer": []}])
def list_channels(query):  # type: ignore[no-untyped-def]
    """Every alert channel (a leader's or unit's group robot) of the counties the caller
    sees (or of ``county``), each with its ``county``; URLs with their credentials masked,
    secrets never shown."""
    found = _alerts().channels(query["owner"], one_county(query))
    channels, next_after = page_after(
        found, query["after"], query["limit"], key=lambda c: c["channel_id"], ordered=True
    )
    return {"channels": channels, "next_after": next_after}, 200, next_link(next_after)


@blp.post("/alert-channels")
@require_role("admin")
@blp.arguments(ChannelBody)
@blp.response(200, AlertChannelView, description="the same channel as configured before")
@blp.alt_response(201, schema=AlertChannelView, description="the channel as configured now")
@blp.doc(security=[{"bearer": []}])
def configure_channel(body):  # type: ignore[no-untyped-def]
    """Set a channel (``AlertChannelConfigured``; the URL and secret are sealed at rest):
    the same ``channel_id`` again replaces it. 201; the same configuration again: 200. A
    channel is of one county (a county's admin: its own; a city's or the province's names
    ``county``, else 422 ``county_required``): that county's alerts go to it."""
    principal = current_principal()
    channel, written = _alerts().configure_channel(
        body, actor=principal.name, source=principal.source
    )
    return channel, 201 if written else 200


@blp.delete("/alert-channels/<channel_id>")
@require_role("admin")
@blp.response(204)
@blp.doc(security=[{"bearer": []}])
def remove_channel(channel_id: str):  # type: ignore[no-untyped-def]
    """Remove a channel (``AlertChannelRemoved``); its undelivered alerts fail."""
    principal = current_principal()
    _alerts().remove_channel(channel_id, actor=principal.name, source=principal.source)
    return Response(status=204)


@blp.get("/alerts")
@require_role(*ALERT_READERS)
@blp.arguments(AlertsQuery, location="query")
@blp.response(200, AlertsResponse)
@blp.doc(security=[{"bearer": []}])
def list_alerts(query):  # type: ignore[no-untyped-def]
    """The outbox: each alert (cause, channel, text, status) with every delivery attempt
    (outcome, response code, time); of the counties the caller sees (or of ``county``),
    each with its ``county``."""
    found = _alerts().alerts(
        status=query["status"],
        kind=query["kind"],
        channel_id=query["channel_id"],
        after=query["after"],
        limit=query["limit"] + 1,
        county=one_county(query),
    )
    rows, next_after = page_after(found, None, query["limit"], key=lambda a: a["alert_id"])
    return {"alerts": rows, "next_after": next_after}, 200, next_link(next_after)


@blp.get("/alerts/<alert_id>")
@require_role(*ALERT_READERS)
@blp.response(200, AlertView)
@blp.doc(security=[{"bearer": []}])
def get_alert(alert_id: str):  # type: ignore[no-untyped-def]
    """One alert with its delivery attempts."""
    return _alerts().alert(alert_id)


@blp.post("/alerts/scan")
@require_role("office")
@blp.response(200, AlertScanResponse)
@blp.doc(security=[{"bearer": []}])
def scan_alerts():  # type: ignore[no-untyped-def]
    """Derive the alerts due now (workers do it on their timer): the ids made now of the
    counties the caller sees. The scan derives every county's, as the workers' does (it
    is idempotent: each cause alerts a channel once)."""
    alerts = _alerts()
    with scoped_to(current_app.extensions["gongjian.runtime"].settings.tenancy.everywhere()):
        made = alerts.scan()
    return {"made": alerts.in_scope(made)}
