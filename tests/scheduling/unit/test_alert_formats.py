"""The group robots' formats and signatures, the alert texts in Chinese, the backoff and
the county's settings (services/scheduling/domain/alerts.py)."""

from __future__ import annotations

import json
import urllib.parse
from datetime import date

import pytest

from services.scheduling.config import SchedulingConfig
from services.scheduling.domain import alerts
from services.scheduling.domain.errors import InvalidRecord

MESSAGE = {
    "alert_id": "a1",
    "kind": "project_red",
    "subject": "p1",
    "title": "【红灯】X",
    "text": "> 项目：X",
}


def test_dingtalk_signing_matches_its_documented_recipe():
    # 钉钉: sign = urlEncode(base64(HmacSHA256(key=secret, "timestamp\nsecret"))); the value
    # below from `printf '1700000000000\nSEC000' | openssl dgst -sha256 -hmac SEC000 -binary | base64`
    assert alerts.dingtalk_sign("SEC000", 1700000000000) == (
        "ltBBey5eZrWKh1cPzFIdz3v3xpkc4Tjx4lLsPSHqdtA="
    )
    request = alerts.outgoing(
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=t",
        "SEC000",
        MESSAGE,
        1700000000000,
    )
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))
    assert query == {
        "access_token": "t",
        "timestamp": "1700000000000",
        "sign": "ltBBey5eZrWKh1cPzFIdz3v3xpkc4Tjx4lLsPSHqdtA=",
    }
    assert request.url.endswith("sign=ltBBey5eZrWKh1cPzFIdz3v3xpkc4Tjx4lLsPSHqdtA%3D")
    body = json.loads(request.body)
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "【红灯】X"


def test_dingtalk_without_a_secret_is_not_signed_and_wecom_is_markdown_content():
    plain = alerts.outgoing("dingtalk", "https://x/robot/send?access_token=t", None, MESSAGE, 1)
    assert plain.url == "https://x/robot/send?access_token=t"
    wecom = alerts.outgoing("wecom", "https://q/cgi-bin/webhook/send?key=k", None, MESSAGE, 1)
    assert json.loads(wecom.body) == {
        "msgtype": "markdown",
        "markdown": {"content": "**【红灯】X**\n> 项目：X"},
    }


def test_the_generic_webhook_is_signed_in_the_standard_webhooks_style():
    request = alerts.outgoing(
        "webhook",
        "https://h/hook",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        MESSAGE,
        1614265330000,
    )
    assert request.headers["webhook-id"] == "a1"
    assert request.headers["webhook-timestamp"] == "1614265330"
    expected = alerts.webhook_signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "a1", 1614265330, request.body
    )
    assert request.headers["webhook-signature"] == expected and expected.startswith("v1,")
    # The Standard Webhooks test vector.
    assert (
        alerts.webhook_signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


@pytest.mark.parametrize(
    "fmt, url, secret, field",
    [
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", None, "url"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send", None, "url"),
        ("webhook", "https://h/hook", None, "secret"),
        ("wecom", "ftp://x/?key=1", None, "url"),
    ],
)
def test_a_channel_that_cannot_carry_its_format_is_refused(fmt, url, secret, field):
    with pytest.raises(InvalidRecord) as refused:
        alerts.checked_channel(fmt, url, secret)
    assert refused.value.field == field


def test_credentials_are_masked_and_answers_judged_as_each_robot_answers():
    assert alerts.redacted("https://q/cgi-bin/webhook/send?key=abc&x=1") == (
        "https://q/cgi-bin/webhook/send?key=***&x=***"
    )
    assert alerts.accepted("wecom", 200, b'{"errcode":0,"errmsg":"ok"}')
    assert not alerts.accepted("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}')
    assert not alerts.accepted("webhook", 500, b"")
    assert alerts.accepted("webhook", 204, b"")


def test_the_backoff_doubles_up_to_an_hour_and_sending_follows_the_backend():
    settings = alerts.AlertSettings(backoff_seconds=30)
    assert [settings.backoff(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert settings.backoff(20) == 3600
    assert settings.sending("postgresql+psycopg://x") and not settings.sending("sqlite:///x")
    assert alerts.AlertSettings(send="on").sending("sqlite:///x")
    with pytest.raises(ValueError):
        alerts.AlertSettings(send="sometimes")


def test_the_county_sets_its_alert_rules_in_configuration_or_the_environment():
    config = SchedulingConfig.load(
        {
            "GONGJIAN_SCHEDULING_ALERTS_DAYS_BEFORE": "5",
            "GONGJIAN_SCHEDULING_ALERTS_SEND": "off",
            "GONGJIAN_SCHEDULING_ALERTS_BACKOFF_SECONDS": "2.5",
        }
    )
    assert (config.alerts.days_before, config.alerts.send) == (5, "off")
    assert config.alerts.backoff_seconds == 2.5
    assert SchedulingConfig().alerts.days_before == 3


def test_an_action_alerts_within_its_days_and_says_how_late_in_chinese():
    action = {
        "action_id": "A1",
        "project_id": "p1",
        "description": "完成用地报批",
        "assignee": "县自然资源局",
        "due": date(2026, 3, 20),
    }
    project = {"name": "物流园", "leader": "王五", "lead_unit": "县发改局"}
    leader = lambda name: f"{name}（副县长）"  # noqa: E731
    assert alerts.action_cause(action, project, date(2026, 3, 16), 3, leader) is None
    due = alerts.action_cause(action, project, date(2026, 3, 17), 3, leader)
    assert due is not None and due.kind == "action_due" and due.key == "action_due:A1"
    assert "2026年3月20日" in due.text and "还剩3天" in due.text and "王五（副县长）" in due.text
    late = alerts.action_cause(action, project, date(2026, 3, 22), 3, leader)
    assert late is not None and late.key == "action_overdue:A1" and "已逾期2天" in late.text
    assert late.owners() == {
        ("leader", "王五"),
        ("unit", "县自然资源局"),
        ("unit", "县发改局"),
    }


def test_a_long_text_is_cut_to_what_the_robot_takes():
    long = {**MESSAGE, "text": "> 原因：" + "节点逾期；" * 2000}
    wecom = json.loads(alerts.outgoing("wecom", "https://q/s?key=k", None, long, 1).body)
    content = wecom["markdown"]["content"]
    assert len(content.encode()) <= 4096 and content.endswith("……")
    ding = json.loads(alerts.outgoing("dingtalk", "https://d/s?access_token=t", None, long, 1).body)
    assert len(ding["markdown"]["text"].encode()) <= 20000
