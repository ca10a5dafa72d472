"""Alerts to the people responsible: channels per leader and unit, the outbox the causes
are derived into, and its delivery with retries (docs/alerts.md).

Deriving (`Alerts.scan`) is idempotent: a project's change to red is taken with a
conditional update of the colour it was last seen in, a notice by the alerts' own
checkpoint on the log, and every outbox row is inserted with ON CONFLICT DO NOTHING on
(cause, channel) — however many workers scan at once, a cause alerts a channel once.
Delivering (`Alerts.deliver`) claims the row for a lease, posts once, records the
attempt and either marks it delivered, or schedules the next attempt after a growing
pause, or gives up after ``max_attempts``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shared.db import is_postgres
from shared.documents import LeaderRanks
from shared.eventstore import (
    EventStore,
    NewEvent,
    format_instant,
    load_checkpoint,
    save_checkpoint,
)
from shared.secrets import SecretBox
from shared.tenancy import DEFAULT_COUNTY, county_for, county_stream, stream_county, where_scoped

from ..domain import alerts as rules
from ..domain.alerts import AlertCause, AlertSettings, Outgoing
from ..domain.errors import AlertChannelNotFound, AlertNotFound, InvalidRecord
from ..readmodel import queries
from ..readmodel.tables import (
    ALERTS_CONSUMER,
    alert_attempts,
    alert_channels,
    alert_colours,
    alert_outbox,
)
from .service import SchedulingService

CHANNELS_STREAM = "alert-channels"
_IDS = uuid.UUID("0b7e5c1a-8f2d-4c3e-9a61-3d5f7e2b8c90")
"""Namespace of alert ids: one id per (cause, channel)."""
LEASE_SECONDS = 60.0
"""How long a claimed row waits beyond the timeout before another worker may retry it."""

Poster = Callable[[Outgoing, float], tuple[int | None, bytes, str]]
"""Posts a request: (HTTP status or None when unreachable, body, a short detail)."""


def post_json(request: Outgoing, timeout: float) -> tuple[int | None, bytes, str]:
    sent = urllib.request.Request(
        request.url, data=request.body, headers=request.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(sent, timeout=timeout) as answer:  # noqa: S310 - http(s) only
            return answer.status, answer.read(4096), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, b"", str(getattr(exc, "reason", exc))[:200]


@dataclass
class Alerts:
    store: EventStore
    service: SchedulingService
    settings: AlertSettings
    box: Callable[[], SecretBox]
    ranks: LeaderRanks
    sending: bool = False
    request_delivery: Callable[[str, float], None] = lambda alert_id, delay: None
    """Asks a worker to deliver (``scheduling.alerts_deliver``) after ``delay`` seconds."""
    post: Poster = post_json

    def now(self) -> datetime:
        return self.store.clock()

    def today(self) -> date:
        return self.now().astimezone(self.service.zone).date()

    def leader_text(self, name: str) -> str:
        title = self.ranks.title_of(name) if name else None
        return f"{name}（{title}）" if title and title not in name else name

    # -- channels ---------------------------------------------------------------------

    def configure_channel(
        self, body: dict[str, Any], *, actor: str, source: str
    ) -> tuple[dict[str, Any], bool]:
        """Set a channel (``AlertChannelConfigured``, its URL and secret sealed beside it);
        the same configuration again changes nothing. The channel, and True when written."""
        rules.checked_channel(body["format"], body["url"], body.get("secret"))
        county = county_for(body.get("county"))
        channel_id = body.get("channel_id") or uuid.uuid4().hex[:12]
        known = self._channel_row(channel_id, scoped=False)
        if known is not None and known.county != county:
            raise InvalidRecord("channel_id", f"提醒通道编号“{channel_id}”已被其他县（市、区）使用")
        if known is not None and self._same(known, body):
            return _channel_json(known), False
        row = _channel_values(channel_id, body, self.box(), self.now(), actor) | {"county": county}
        event = NewEvent(
            stream_id=county_stream(CHANNELS_STREAM, county),
            type="AlertChannelConfigured",
            occurred_at=row["configured_at"],
            payload={k: row[k] for k in ("channel_id", "owner_kind", "owner", "format", "target")}
            | {"signed": bool(body.get("secret"))},
            actor=actor,
            source=source,
        )
        with self.store.writing() as conn:
            conn.execute(delete(alert_channels).where(alert_channels.c.channel_id == channel_id))
            conn.execute(insert(alert_channels).values(**row))
            result = self.store.append([event], connection=conn)
        self.store.notify(result.last_position)
        return _channel_json(self._channel_row(channel_id)), True

    def _same(self, known: Any, body: dict[str, Any]) -> bool:
        box = self.box()
        secret = box.open(known.secret) if known.secret else None
        return (known.owner_kind, known.owner, known.format, box.open(known.url), secret) == (
            body["owner_kind"],
            body["owner"],
            body["format"],
            body["url"],
            body.get("secret") or None,
        )

    def remove_channel(self, channel_id: str, *, actor: str, source: str) -> None:
        known = self._channel_row(channel_id)
        if known is None:
            raise AlertChannelNotFound(channel_id)
        event = NewEvent(
            stream_id=county_stream(CHANNELS_STREAM, known.county),
            type="AlertChannelRemoved",
            occurred_at=self.now(),
            payload={"channel_id": channel_id},
            actor=actor,
            source=source,
        )
        with self.store.writing() as conn:
            conn.execute(delete(alert_channels).where(alert_channels.c.channel_id == channel_id))
            result = self.store.append([event], connection=conn)
        self.store.notify(result.last_position)

    def channels(self, owner: str | None = None, county: str | None = None) -> list[dict[str, Any]]:
        """The channels of every county the request sees (of ``county`` when given)."""
        query = select(alert_channels).order_by(alert_channels.c.channel_id)
        query = where_scoped(query, alert_channels.c.county)
        if owner:
            query = query.where(alert_channels.c.owner == owner)
        if county:
            query = query.where(alert_channels.c.county == county)
        with self.store.engine.connect() as conn:
            return [_channel_json(row) for row in conn.execute(query)]

    def reseal(self) -> int:
        """Every channel's URL and secret under the first configured key (after a key
        rotation, docs/operations.md); the number of channels rewritten."""
        box = self.box()
        with self.store.engine.begin() as conn:
            rows = conn.execute(
                select(alert_channels.c.channel_id, alert_channels.c.url, alert_channels.c.secret)
            ).all()
            for channel_id, url, secret in rows:
                conn.execute(
                    update(alert_channels)
                    .where(alert_channels.c.channel_id == channel_id)
                    .values(url=box.reseal(url), secret=box.reseal(secret) if secret else None)
                )
        return len(rows)

    def _channel_row(self, channel_id: str, *, scoped: bool = True) -> Any:
        """The channel (of a county the request sees, unless not ``scoped``), or None."""
        with self.store.engine.connect() as conn:
            query = select(alert_channels).where(alert_channels.c.channel_id == channel_id)
            if scoped:
                query = where_scoped(query, alert_channels.c.county)
            return conn.execute(query).first()

    # -- deriving the outbox ----------------------------------------------------------

    def scan(self) -> list[str]:
        """Derive every cause due now into the outbox; the ids of the rows made now (each
        sent to a worker for delivery when sending is on)."""
        self.service.catch_up()
        made = self._red_projects() + self._actions() + self._notices()
        for alert_id in made if self.sending else ():
            self.request_delivery(alert_id, 0)
        return made

    def _red_projects(self) -> list[str]:
        board = self.service.board(known_at=self.now())
        today = date.fromisoformat(board["as_of"])
        with self.store.engine.connect() as conn:
            seen = {r.project_id: r.colour for r in conn.execute(select(alert_colours))}
        made: list[str] = []
        for row in board["projects"]:
            if seen.get(row["project_id"]) == row["status"]:
                continue
            with self.store.engine.begin() as conn:
                turned = self._turned(conn, row["project_id"], row["status"], today)
                if turned and row["status"] == "red":
                    cause = rules.red_cause(row, today, self.leader_text)
                    made += self._enqueue(conn, cause, row["county"])
        return made

    def _turned(self, conn: Connection, project_id: str, colour: str, today: date) -> bool:
        """Record the colour; True only for the one scanner whose write changed it."""
        inserted = conn.execute(
            _insert(conn)(alert_colours)
            .values(project_id=project_id, colour=colour, seen_on=today)
            .on_conflict_do_nothing(index_elements=["project_id"])
            .returning(alert_colours.c.project_id)
        ).first()
        if inserted is not None:
            return True
        changed = conn.execute(
            update(alert_colours)
            .where(alert_colours.c.project_id == project_id, alert_colours.c.colour != colour)
            .values(colour=colour, seen_on=today)
        )
        return changed.rowcount == 1

    def _actions(self) -> list[str]:
        today = self.today()
        states = queries.current_states(self.store.engine, self.service.states)
        projects = {
            s.project_id: {"name": s.name, "leader": s.leader, "lead_unit": s.lead_unit}
            for s in states
        }
        counties = {s.project_id: s.county or DEFAULT_COUNTY for s in states}
        year = self.service.campaign(on=today).year
        found = self.service.actions(status="open", limit=100000, campaign=year)
        causes = [
            (
                rules.action_cause(
                    a, projects[p], today, self.settings.days_before, self.leader_text
                ),
                counties[p],
            )
            for a in found
            if (p := a["project_id"]) in projects
        ]
        made: list[str] = []
        with self.store.engine.begin() as conn:
            for cause, county in causes:
                made += self._enqueue(conn, cause, county) if cause else []
        return made

    def _notices(self) -> list[str]:
        made: list[str] = []
        oldest = self.now() - timedelta(days=self.settings.notice_max_age_days)
        with self.store.engine.begin() as conn:
            position = load_checkpoint(conn, ALERTS_CONSUMER, for_update=True)
            head = self.store.head(connection=conn).position
            issued = self.store.read_all(
                after=position, limit=100000, types=["DocumentIssued"], up_to=head, connection=conn
            )
            for event in issued:
                if event.payload["kind"] == "agenda" and event.recorded_at >= oldest:
                    # A meeting notice goes to the channels of the county that issued it.
                    county = stream_county(event.stream_id)[0]
                    made += self._enqueue(conn, self._notice_cause(event.payload, county), county)
            save_checkpoint(conn, ALERTS_CONSUMER, head)
        return made

    def _notice_cause(self, issued: dict[str, Any], county: str) -> AlertCause:
        _, cadence, period, version = issued["document_key"].split(":")
        number = int(version.lstrip("v"))
        plan = self.service.get_plan(cadence, period, number, county=county).plan
        return rules.notice_cause(issued, plan, self.today(), self.leader_text)

    def _enqueue(self, conn: Connection, cause: AlertCause, county: str) -> list[str]:
        """One outbox row per channel of the cause's owners in the cause's county (a
        county's leaders and units, not another's of the same name); the ids of those
        made now."""
        owners = cause.owners()
        if not owners:
            return []
        found = conn.execute(
            select(
                alert_channels.c.channel_id, alert_channels.c.owner_kind, alert_channels.c.owner
            ).where(
                alert_channels.c.owner.in_(sorted({o for _, o in owners})),
                alert_channels.c.county == county,
            )
        )
        now = self.now()
        made = []
        for channel_id, kind, owner in found:
            if (kind, owner) not in owners:
                continue
            alert_id = str(uuid.uuid5(_IDS, f"{cause.key}|{channel_id}"))
            values = _outbox_values(alert_id, cause, channel_id, now, self.sending)
            values["county"] = county
            result = conn.execute(
                _insert(conn)(alert_outbox)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["cause", "channel_id"])
                .returning(alert_outbox.c.alert_id)
            ).first()
            if result is not None:
                made.append(alert_id)
        return made

    # -- delivering -------------------------------------------------------------------

    def deliver_due(self) -> list[str]:
        """Deliver every row whose attempt is due (a lost message, a dead worker's lease)."""
        if not self.sending:
            return []
        query = select(alert_outbox.c.alert_id).where(
            alert_outbox.c.status.in_(("pending", "sending")),
            alert_outbox.c.next_attempt_at <= self.now(),
        )
        with self.store.engine.connect() as conn:
            due = [r.alert_id for r in conn.execute(query.order_by(alert_outbox.c.created_at))]
        return [alert_id for alert_id in due if self.deliver(alert_id)]

    def deliver(self, alert_id: str) -> str | None:
        """One attempt, if the row is due and this worker claims it; its outcome."""
        claimed = self._claim(alert_id) if self.sending else None
        if claimed is None:
            return None
        alert, channel = claimed
        if channel is None:  # removed since: nowhere to send it
            self._record(alert, "unreachable", None, "通道已删除", final=True)
            return "unreachable"
        code, body, detail = self.post(self._request(alert, channel), self.settings.timeout_seconds)
        outcome = _outcome(channel.format, code, body)
        self._record(alert, outcome, code, detail or body[:200].decode(errors="replace"))
        return outcome

    def _claim(self, alert_id: str) -> tuple[Any, Any] | None:
        now = self.now()
        lease = now + timedelta(seconds=self.settings.timeout_seconds + LEASE_SECONDS)
        with self.store.engine.begin() as conn:
            claimed = conn.execute(
                update(alert_outbox)
                .where(
                    alert_outbox.c.alert_id == alert_id,
                    alert_outbox.c.status.in_(("pending", "sending")),
                    alert_outbox.c.next_attempt_at <= now,
                )
                .values(status="sending", next_attempt_at=lease)
            )
            if claimed.rowcount != 1:
                return None
            alert = conn.execute(
                select(alert_outbox).where(alert_outbox.c.alert_id == alert_id)
            ).one()
            channel = conn.execute(
                select(alert_channels).where(alert_channels.c.channel_id == alert.channel_id)
            ).first()
        return alert, channel

    def _request(self, alert: Any, channel: Any) -> Outgoing:
        box = self.box()
        message = {
            "alert_id": alert.alert_id,
            "kind": alert.kind,
            "subject": alert.subject,
            "title": alert.title,
            "text": alert.text,
        }
        secret = box.open(channel.secret) if channel.secret else None
        now_ms = int(self.now().timestamp() * 1000)
        return rules.outgoing(channel.format, box.open(channel.url), secret, message, now_ms)

    def _record(
        self, alert: Any, outcome: str, code: int | None, detail: str, *, final: bool = False
    ) -> None:
        now = self.now()
        attempts = alert.attempts + 1
        if outcome == "delivered":
            change: dict[str, Any] = {"status": "delivered", "delivered_at": now}
        elif final or attempts >= self.settings.max_attempts:
            change = {"status": "failed"}
        else:
            pause = self.settings.backoff(attempts)
            change = {"status": "pending", "next_attempt_at": now + timedelta(seconds=pause)}
        with self.store.engine.begin() as conn:
            conn.execute(
                insert(alert_attempts).values(
                    alert_id=alert.alert_id,
                    attempt=attempts,
                    at=now,
                    outcome=outcome,
                    response_code=code,
                    detail=detail[:500],
                )
            )
            conn.execute(
                update(alert_outbox)
                .where(alert_outbox.c.alert_id == alert.alert_id)
                .values(attempts=attempts, **change)
            )
        if change["status"] == "pending":
            self.request_delivery(alert.alert_id, self.settings.backoff(attempts))

    # -- reading ----------------------------------------------------------------------

    def alerts(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        channel_id: str | None = None,
        after: str | None = None,
        limit: int = 100,
        county: str | None = None,
    ) -> list[dict[str, Any]]:
        """The outbox in the order of its ids (the paging cursor), each alert with its
        delivery attempts: of every county the request sees (of ``county`` when given)."""
        query = select(alert_outbox).order_by(alert_outbox.c.alert_id).limit(limit)
        query = where_scoped(query, alert_outbox.c.county)
        filters = (("status", status), ("kind", kind), ("channel_id", channel_id))
        for column, wanted in (*filters, ("county", county)):
            if wanted:
                query = query.where(alert_outbox.c[column] == wanted)
        if after:
            query = query.where(alert_outbox.c.alert_id > after)
        with self.store.engine.connect() as conn:
            rows = list(conn.execute(query))
            tried = _attempts_of(conn, [r.alert_id for r in rows])
        return [_alert_json(row, tried.get(row.alert_id, [])) for row in rows]

    def in_scope(self, alert_ids: list[str]) -> list[str]:
        """Those of ``alert_ids`` of a county the request sees, in the same order."""
        if not alert_ids:
            return []
        with self.store.engine.connect() as conn:
            seen = set(conn.execute(_in_scope_query(alert_ids)).scalars())
        return [alert_id for alert_id in alert_ids if alert_id in seen]

    def alert(self, alert_id: str) -> dict[str, Any]:
        with self.store.engine.connect() as conn:
            query = select(alert_outbox).where(alert_outbox.c.alert_id == alert_id)
            row = conn.execute(where_scoped(query, alert_outbox.c.county)).first()
            if row is None:
                raise AlertNotFound(alert_id)
            return _alert_json(row, _attempts_of(conn, [alert_id]).get(alert_id, []))


def _in_scope_query(alert_ids: list[str]) -> Any:
    query = select(alert_outbox.c.alert_id).where(alert_outbox.c.alert_id.in_(alert_ids))
    return where_scoped(query, alert_outbox.c.county)


def _insert(conn: Connection) -> Any:
    return postgresql.insert if is_postgres(conn.engine) else sqlite.insert


def _outcome(fmt: str, code: int | None, body: bytes) -> str:
    if code is None:
        return "unreachable"
    return "delivered" if rules.accepted(fmt, code, body) else "refused"


def _channel_values(
    channel_id: str, body: dict[str, Any], box: SecretBox, now: datetime, actor: str
) -> dict[str, Any]:
    return {
        "channel_id": channel_id,
        "owner_kind": body["owner_kind"],
        "owner": body["owner"],
        "format": body["format"],
        "url": box.seal(body["url"]),
        "secret": box.seal(body["secret"]) if body.get("secret") else None,
        "target": rules.redacted(body["url"]),
        "configured_at": now,
        "configured_by": actor,
    }


def _channel_json(row: Any) -> dict[str, Any]:
    return {
        "channel_id": row.channel_id,
        "owner_kind": row.owner_kind,
        "owner": row.owner,
        "format": row.format,
        "target": row.target,
        "signed": row.secret is not None,
        "configured_at": format_instant(row.configured_at),
        "configured_by": row.configured_by,
        "county": row.county,
    }


def _outbox_values(
    alert_id: str, cause: AlertCause, channel_id: str, now: datetime, sending: bool
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "cause": cause.key,
        "channel_id": channel_id,
        "kind": cause.kind,
        "subject": cause.subject,
        "title": cause.title,
        "text": cause.text,
        "status": "pending" if sending else "held",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _attempts_of(conn: Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    if not ids:
        return found
    query = (
        select(alert_attempts)
        .where(alert_attempts.c.alert_id.in_(ids))
        .order_by(alert_attempts.c.alert_id, alert_attempts.c.attempt)
    )
    for row in conn.execute(query):
        found.setdefault(row.alert_id, []).append(
            {
                "attempt": row.attempt,
                "at": format_instant(row.at),
                "outcome": row.outcome,
                "response_code": row.response_code,
                "detail": row.detail,
            }
        )
    return found


def _alert_json(row: Any, attempts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "alert_id": row.alert_id,
        "cause": row.cause,
        "channel_id": row.channel_id,
        "kind": row.kind,
        "subject": row.subject,
        "title": row.title,
        "text": row.text,
        "status": row.status,
        "attempts": attempts,
        "next_attempt_at": format_instant(row.next_attempt_at)
        if row.status in ("pending", "sending")
        else None,
        "created_at": format_instant(row.created_at),
        "delivered_at": format_instant(row.delivered_at) if row.delivered_at else None,
        "county": row.county,
    }
