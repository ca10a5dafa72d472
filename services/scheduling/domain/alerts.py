"""Alerts to the people responsible (督办提醒): what causes one, what it says, and how it
is put into each group robot's format (plain Python; docs/alerts.md).

A cause is one fact that deserves one message per channel: a project turned red on a
day, a follow-up action near its deadline, the same action overdue, a meeting notice
issued. Its key (`AlertCause.key`) is what makes an alert once: the outbox holds at
most one row per (cause, channel).

Formats: 企业微信 group robot (``{"msgtype": "markdown", "markdown": {"content": …}}``
posted to its webhook URL, whose ``key`` is the credential), 钉钉 custom robot
(``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``; with 加签 the URL
gains ``&timestamp=<ms>&sign=<url-encoded base64 HMAC-SHA256 of "timestamp\\nsecret">``)
and a generic JSON webhook signed in the Standard Webhooks style, as the ingest API is
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.events.codes import ALERT_FORMATS, ALERT_OWNERS
from shared.i18n import date_text

from .errors import InvalidRecord

KINDS = ("project_red", "action_due", "action_overdue", "notice_issued")
"""What an alert is about (labels: ``alert_kind``)."""
FORMATS = ALERT_FORMATS
"""A channel's format (labels: ``alert_format``)."""
OWNER_KINDS = ALERT_OWNERS
"""Whose channel it is (labels: ``alert_owner``)."""
STATUSES = ("pending", "sending", "delivered", "failed", "held")
"""An alert in the outbox (labels: ``alert_status``): waiting for its next attempt, being
sent, delivered, given up after the last attempt, held (outbound sending is off)."""
ATTEMPT_OUTCOMES = ("delivered", "refused", "unreachable")
"""One delivery attempt (labels: ``alert_attempt``)."""

MAX_BACKOFF_SECONDS = 3600.0
MAX_BYTES = {"wecom": 4096, "dingtalk": 20000, "webhook": 60000}
"""The longest message text each receiver takes (企业微信 markdown: 4096 bytes of UTF-8)."""


@dataclass(frozen=True)
class AlertSettings:
    """The county's choices (``alerts`` in the scheduling configuration)."""

    days_before: int = 3
    """An open action alerts this many days before its deadline (and again when overdue)."""
    send: str = "auto"
    """Outbound sending: ``on``, ``off``, or ``auto`` (on with PostgreSQL, off embedded)."""
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    """The pause after the first failed attempt; it doubles after each (at most an hour)."""
    timeout_seconds: float = 10.0
    notice_max_age_days: int = 2
    """A meeting notice issued longer ago than this raises no alert (a first start on an
    old log does not announce every notice ever issued)."""

    def __post_init__(self) -> None:
        if self.send not in ("on", "off", "auto"):
            raise ValueError(f"alerts.send：应为 on、off 或 auto，而不是 {self.send!r}")
        if self.days_before < 0 or self.max_attempts < 1 or self.backoff_seconds < 0:
            raise ValueError("alerts：须 days_before >= 0、max_attempts >= 1、backoff_seconds >= 0")

    def sending(self, database_url: str) -> bool:
        if self.send == "auto":
            return database_url.startswith("postgresql")
        return self.send == "on"

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones."""
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


@dataclass(frozen=True)
class AlertCause:
    kind: str
    subject: str
    """The project id, action id or document key the alert is about."""
    on: date
    title: str
    text: str
    """Markdown lines in Chinese, the same for every channel."""
    leader: str
    unit: str
    extra_units: tuple[str, ...] = ()
    extra_leaders: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        if self.kind == "project_red":
            return f"project_red:{self.subject}:{self.on.isoformat()}"
        return f"{self.kind}:{self.subject}"

    def owners(self) -> set[tuple[str, str]]:
        """Every (owner kind, owner) whose channels receive it."""
        leaders = {self.leader, *self.extra_leaders} - {""}
        units = {self.unit, *self.extra_units} - {""}
        return {("leader", name) for name in leaders} | {("unit", name) for name in units}


def checked_channel(fmt: str, url: str, secret: str | None) -> None:
    """Raise `InvalidRecord` unless the URL can carry this format."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRecord("url", "地址须为 http:// 或 https:// 开头的完整网址")
    query = urllib.parse.parse_qs(parts.query)
    if fmt == "wecom" and "key" not in query:
        raise InvalidRecord(
            "url", "企业微信群机器人的地址须带 key 参数（…/cgi-bin/webhook/send?key=…）"
        )
    if fmt == "dingtalk" and "access_token" not in query:
        raise InvalidRecord("url", "钉钉自定义机器人的地址须带 access_token 参数")
    if fmt == "webhook" and not secret:
        raise InvalidRecord("secret", "通用回调须设置签名密钥")


def redacted(url: str) -> str:
    """The URL without its credentials: each query value (key, access_token) masked."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, "***") for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
    masked = urllib.parse.urlencode(query, safe="*")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, masked, ""))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64 of HMAC-SHA256(key=secret, "timestamp\\nsecret"), not yet URL-encoded."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret: str, message_id: str, timestamp_s: int, body: bytes) -> str:
    """The generic webhook's ``webhook-signature``: ``v1,`` and the base64 HMAC-SHA256 of
    ``"<id>.<timestamp>.<body>"`` (a ``whsec_`` secret is the base64 of the key)."""
    key = (
        base64.b64decode(secret[len("whsec_") :])
        if secret.startswith("whsec_")
        else secret.encode()
    )
    content = f"{message_id}.{timestamp_s}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


def outgoing(
    fmt: str, url: str, secret: str | None, message: dict[str, Any], now_ms: int
) -> Outgoing:
    """The request that delivers ``message`` (``alert_id``, ``kind``, ``title``, ``text``)
    in format ``fmt``, signed at ``now_ms``."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    message = {**message, "text": fitted(message["text"], MAX_BYTES[fmt] - 200)}
    if fmt == "wecom":
        content = f"**{message['title']}**\n{message['text']}"
        payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"content": content}}
    elif fmt == "dingtalk":
        payload = {
            "msgtype": "markdown",
            "markdown": {
                "title": message["title"],
                "text": f"#### {message['title']}\n\n" + message["text"].replace("\n", "\n\n"),
            },
        }
        if secret:
            sign = urllib.parse.quote_plus(dingtalk_sign(secret, now_ms))
            url = f"{url}&timestamp={now_ms}&sign={sign}"
    else:
        payload = dict(message)
    body = json.dumps(payload, ensure_ascii=False).encode()
    if fmt == "webhook" and secret:
        seconds, message_id = now_ms // 1000, str(message["alert_id"])
        headers["webhook-id"] = message_id
        headers["webhook-timestamp"] = str(seconds)
        headers["webhook-signature"] = webhook_signature(secret, message_id, seconds, body)
    return Outgoing(url, body, headers)


def fitted(text: str, most: int) -> str:
    """``text`` within ``most`` bytes of UTF-8, cut at a character and marked (……)."""
    if len(text.encode()) <= most:
        return text
    return text.encode()[: most - 6].decode(errors="ignore") + "……"


def accepted(fmt: str, status: int, body: bytes) -> bool:
    """Whether the receiver took the message: a 2xx, and for the robots ``errcode`` 0."""
    if not 200 <= status < 300:
        return False
    if fmt == "webhook":
        return True
    try:
        return json.loads(body or b"{}").get("errcode", 0) == 0
    except (ValueError, AttributeError):
        return False


# -- what each cause says (Chinese; dates in the campaign's time zone) -------------------

LeaderText = Any
"""``leader_text(name) -> "张三（副县长）"``: the leader as the documents name them, by rank."""


def _lines(*pairs: tuple[str, str]) -> str:
    return "\n".join(f"> {name}：{value}" for name, value in pairs if value)


def red_cause(row: dict[str, Any], today: date, leader_text: LeaderText) -> AlertCause:
    """A project that turned red on ``today`` (a board row of the scheduling service)."""
    reasons = "；".join(r["reason"] for r in row["reasons"] if r["colour"] == "red")
    name = row["name"]
    text = _lines(
        ("项目", f"{name}（{row['project_id']}）"),
        ("状态", "红灯（滞后）"),
        ("原因", reasons),
        ("分包领导", leader_text(row["leader"])),
        ("责任单位", row["lead_unit"]),
        ("日期", date_text(today)),
    )
    return AlertCause(
        "project_red",
        row["project_id"],
        today,
        f"【红灯】{name}",
        text,
        row["leader"],
        row["lead_unit"],
        extra_units=(row.get("owner_unit") or "",),
    )


def action_cause(
    action: dict[str, Any],
    project: dict[str, str],
    today: date,
    days_before: int,
    leader_text: LeaderText,
) -> AlertCause | None:
    """An open follow-up action near its deadline (``days_before``) or past it; None when
    neither. ``project``: its ``name``, ``leader`` and ``lead_unit``."""
    due: date = action["due"]
    left = (due - today).days
    if left > days_before:
        return None
    kind = "action_overdue" if left < 0 else "action_due"
    when = f"已逾期{-left}天" if left < 0 else ("今天到期" if left == 0 else f"还剩{left}天")
    text = _lines(
        ("项目", f"{project['name']}（{action['project_id']}）"),
        ("督办事项", action["description"]),
        ("责任单位", action["assignee"]),
        ("分包领导", leader_text(project["leader"])),
        ("办理期限", f"{date_text(due)}（{when}）"),
    )
    title = "【督办逾期】" if left < 0 else "【督办临期】"
    return AlertCause(
        kind,
        action["action_id"],
        today,
        title + project["name"],
        text,
        project["leader"],
        action["assignee"],
        extra_units=(project["lead_unit"],),
    )


def notice_cause(
    issued: dict[str, Any], plan: dict[str, Any], today: date, leader_text: LeaderText
) -> AlertCause:
    """A meeting notice issued (``DocumentIssued`` of kind ``agenda``): to every leader and
    unit with an item on its agenda."""
    meeting = plan.get("meeting") or {}
    groups = plan.get("groups") or []
    held_on = meeting.get("date")
    when = date_text(date.fromisoformat(held_on)) if held_on else "本期不召开（议题顺延）"
    if held_on and meeting.get("time"):
        when += f" {meeting['time']}"
    text = _lines(
        ("文号", issued["number"]),
        ("会议时间", when),
        ("主持", meeting.get("chair") or ""),
        ("上会项目", f"{sum(len(g['items']) for g in groups)}项"),
        ("分包领导", "、".join(leader_text(g["leader"]) for g in groups if g.get("leader"))),
        ("印发日期", date_text(date.fromisoformat(issued["issued_on"]))),
    )
    return AlertCause(
        "notice_issued",
        issued["document_key"],
        today,
        f"【会议通知】{issued['title']}",
        text,
        "",
        "",
        extra_units=tuple(g["unit"] for g in groups if g.get("unit")),
        extra_leaders=tuple(g["leader"] for g in groups if g.get("leader")),
    )
