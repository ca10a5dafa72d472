"""Alerts to the people responsible, delivered to a real HTTP receiver on 127.0.0.1 that
checks each message as 企业微信 and 钉钉 do (the format, 钉钉's 加签 signature, the
generic webhook's signature): a project turning red, an action near and past its
deadline, a meeting notice issued; retries with backoff; one alert per cause and
channel; on SQLite and PostgreSQL, and through Redis and a dramatiq worker."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.fernet import Fernet

from services.composition import create_app
from services.scheduling.domain.alerts import AlertSettings
from services.scheduling.entrypoints.documents import issuing
from services.scheduling.wiring import SchedulingParts
from shared.messaging import start_worker

from ..helpers import Project

DING_SECRET = "SECb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2"
HOOK_SECRET = "hook-secret-自然资源局"


class Receiver:
    """Group robots on 127.0.0.1: ``/robot/send`` answers as 钉钉 (checks the signature),
    ``/cgi-bin/webhook/send`` as 企业微信, ``/hook`` as a signed generic webhook; each
    answer's status comes from ``statuses`` (then 200)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                body = json.loads(raw)
                problem = receiver.check(parts.path, query, self.headers, raw, body)
                receiver.received.append(
                    {"path": parts.path, "query": query, "body": body, "problem": problem}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = {"errcode": 310000 if problem else 0, "errmsg": problem or "ok"}
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    @staticmethod
    def check(path: str, query: dict, headers, raw: bytes, body: dict) -> str | None:
        if path == "/robot/send":
            if body.get("msgtype") != "markdown" or set(body["markdown"]) != {"title", "text"}:
                return "钉钉: not a markdown message"
            signed = f"{query.get('timestamp')}\n{DING_SECRET}".encode()
            digest = hmac.new(DING_SECRET.encode(), signed, hashlib.sha256).digest()
            if query.get("sign") != base64.b64encode(digest).decode():
                return "sign not match"
        elif path == "/cgi-bin/webhook/send":
            if query.get("key") != "wecom-key" or body.get("msgtype") != "markdown":
                return "企业微信: not a markdown message to this key"
            if len(body["markdown"]["content"].encode()) > 4096:
                return "企业微信: content over 4096 bytes"
        else:
            content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw
            mac = hmac.new(HOOK_SECRET.encode(), content, hashlib.sha256).digest()
            if headers.get("webhook-signature") != "v1," + base64.b64encode(mac).decode():
                return "webhook: bad signature"
        return None


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def alerts(runtime):
    """The runtime's alerts with sending on, a short backoff, deliveries asked for by the
    test (no worker here)."""
    made = SchedulingParts.of(runtime).alerts
    made.sending = True
    made.settings = AlertSettings(backoff_seconds=1, max_attempts=3)
    made.request_delivery = lambda alert_id, delay: None
    return made


@pytest.fixture
def admin(runtime):
    return {"Authorization": f"Bearer {runtime.tokens.create('admin', 'admin')}"}


@pytest.fixture
def office(runtime):
    return {"Authorization": f"Bearer {runtime.tokens.create('office', 'office')}"}


def _channels(client, admin, receiver, ding_secret=DING_SECRET):
    for body in (
        {
            "channel_id": "li-si",
            "owner_kind": "leader",
            "owner": "李四",
            "format": "dingtalk",
            "url": receiver.url("/robot/send?access_token=ding-token"),
            "secret": ding_secret,
        },
        {
            "channel_id": "zhujian",
            "owner_kind": "unit",
            "owner": "住建局",
            "format": "wecom",
            "url": receiver.url("/cgi-bin/webhook/send?key=wecom-key"),
        },
        {
            "channel_id": "ziran",
            "owner_kind": "unit",
            "owner": "自然资源局",
            "format": "webhook",
            "url": receiver.url("/hook"),
            "secret": HOOK_SECRET,
        },
    ):
        answer = client.post("/v1/alert-channels", json=body, headers=admin)
        assert answer.status_code == 201, answer.json


@pytest.fixture
def late(runtime, clock):
    """A project of 李四 and 住建局 whose milestone was due on 1 February."""
    clock.set("2024-01-02")
    project = Project(runtime.store, "p1")
    project.register(name="城南污水处理厂", leader="李四", lead_unit="住建局")
    project.milestone("m1", "2024-02-01")
    return project


def test_a_project_turning_red_alerts_its_leader_and_unit_once(
    runtime, client, admin, office, receiver, alerts, late, clock
):
    _channels(client, admin, receiver)
    clock.set("2024-01-10")
    assert client.post("/v1/alerts/scan", headers=office).json["made"] == []
    clock.set("2024-03-15")
    made = client.post("/v1/alerts/scan", headers=office).json["made"]
    assert len(made) == 2
    assert sorted(alerts.deliver_due()) == sorted(made)
    assert {r["path"] for r in receiver.received} == {"/robot/send", "/cgi-bin/webhook/send"}
    assert [r["problem"] for r in receiver.received] == [None, None]
    ding = next(r for r in receiver.received if r["path"] == "/robot/send")
    assert ding["query"]["access_token"] == "ding-token"
    text = ding["body"]["markdown"]["text"]
    for shown in ("城南污水处理厂", "红灯", "李四", "住建局", "2024年3月15日"):
        assert shown in text
    assert client.post("/v1/alerts/scan", headers=office).json["made"] == []
    assert alerts.deliver_due() == []
    listed = client.get("/v1/alerts", headers=office).json["alerts"]
    assert {(a["kind"], a["status"], a["status_label"]) for a in listed} == {
        ("project_red", "delivered", "已送达")
    }
    assert [len(a["attempts"]) for a in listed] == [1, 1]
    assert listed[0]["attempts"][0]["response_code"] == 200
    assert listed[0]["kind_label"] == "项目转为红灯"


def test_a_failed_delivery_is_retried_after_its_backoff_and_recorded(
    runtime, client, admin, office, receiver, alerts, late, clock
):
    _channels(client, admin, receiver)
    clock.set("2024-03-15")
    receiver.statuses = [500, 500]
    made = alerts.scan()
    assert sorted(alerts.deliver_due()) == sorted(made)
    assert [a["status"] for a in alerts.alerts()] == ["pending", "pending"]
    assert alerts.deliver_due() == []  # not before the backoff
    clock.advance(seconds=2)
    assert sorted(alerts.deliver_due()) == sorted(made)
    for alert in client.get("/v1/alerts", headers=office).json["alerts"]:
        assert alert["status"] == "delivered"
        assert [(t["outcome"], t["response_code"]) for t in alert["attempts"]] == [
            ("refused", 500),
            ("delivered", 200),
        ]
    assert len(receiver.received) == 4


def test_a_wrong_signature_is_refused_and_given_up_after_the_last_attempt(
    runtime, client, admin, office, receiver, alerts, late, clock
):
    _channels(client, admin, receiver, ding_secret="SECwrong")
    clock.set("2024-03-15")
    alerts.scan()
    for _ in range(4):
        alerts.deliver_due()
        clock.advance(seconds=10)
    ding = client.get("/v1/alerts?channel_id=li-si", headers=office).json["alerts"][0]
    assert ding["status"] == "failed" and len(ding["attempts"]) == 3
    assert ding["attempts"][0]["outcome_label"] == "对方拒收"
    assert "sign not match" in ding["attempts"][0]["detail"]
    assert {r["problem"] for r in receiver.received if r["path"] == "/robot/send"} == {
        "sign not match"
    }
    unit = client.get("/v1/alerts?channel_id=zhujian", headers=office).json["alerts"][0]
    assert unit["status"] == "delivered"
    assert client.delete("/v1/alert-channels/li-si", headers=admin).status_code == 204


def test_an_alert_whose_channel_was_removed_fails_without_a_post(
    runtime, client, admin, office, receiver, alerts, late, clock
):
    _channels(client, admin, receiver)
    clock.set("2024-03-15")
    alerts.scan()
    assert client.delete("/v1/alert-channels/li-si", headers=admin).status_code == 204
    alerts.deliver_due()
    ding = client.get("/v1/alerts?channel_id=li-si", headers=office).json["alerts"][0]
    assert ding["status"] == "failed" and ding["attempts"][0]["detail"] == "通道已删除"
    assert {r["path"] for r in receiver.received} == {"/cgi-bin/webhook/send"}


def _site_meeting(client, office, due: str) -> None:
    body = {
        "project_id": "p1",
        "place": "项目现场",
        "held_on": "2024-03-01",
        "attendees": ["李四"],
        "problems": ["用地未报批"],
        "decisions": [{"text": "完成用地报批", "owner": "自然资源局", "due": due}],
    }
    assert client.post("/v1/site-meetings", json=body, headers=office).status_code == 201


def test_an_action_alerts_its_unit_before_its_deadline_and_again_when_overdue(
    runtime, client, admin, office, receiver, alerts, late, clock
):
    _channels(client, admin, receiver)
    clock.set("2024-03-01")
    _site_meeting(client, office, "2024-03-20")
    alerts.scan()
    clock.set("2024-03-18")
    assert {a["kind"] for a in alerts.alerts() if a["channel_id"] == "ziran"} == set()
    alerts.scan()
    clock.set("2024-03-21")
    alerts.scan()
    alerts.scan()
    mine = [a for a in alerts.alerts() if a["channel_id"] == "ziran"]
    assert sorted(a["kind"] for a in mine) == ["action_due", "action_overdue"]
    alerts.deliver_due()
    hooks = [r for r in receiver.received if r["path"] == "/hook"]
    assert [r["problem"] for r in hooks] == [None, None]
    texts = sorted(r["body"]["text"] for r in hooks)
    assert "已逾期1天" in texts[0] + texts[1] and "还剩2天" in texts[0] + texts[1]
    assert all("完成用地报批" in t and "2024年3月20日" in t for t in texts)


def test_a_meeting_notice_issued_alerts_the_leaders_and_units_on_its_agenda(
    runtime, client, admin, office, receiver, alerts, late, clock
):
    _channels(client, admin, receiver)
    clock.set("2024-03-15")
    alerts.scan()
    service = SchedulingParts.of(runtime).service
    service.plan("monthly", "2024-04", actor="office", source="test")
    issuing.issue_plan_document(
        runtime, service, "agenda", "monthly", "2024-04", None, actor="office", source="test"
    )
    made = alerts.scan()
    assert alerts.scan() == []
    notices = [a for a in alerts.alerts(kind="notice_issued")]
    assert sorted(a["alert_id"] for a in notices) == sorted(made)
    assert {a["channel_id"] for a in notices} == {"li-si", "zhujian"}
    assert "攻坚办〔2024〕1号" in notices[0]["text"]


def test_channels_are_admin_only_their_secrets_sealed_and_bad_ones_refused(
    runtime, client, admin, office, receiver
):
    _channels(client, admin, receiver)
    again = client.post(
        "/v1/alert-channels",
        json={
            "channel_id": "zhujian",
            "owner_kind": "unit",
            "owner": "住建局",
            "format": "wecom",
            "url": receiver.url("/cgi-bin/webhook/send?key=wecom-key"),
        },
        headers=admin,
    )
    assert again.status_code == 200
    listed = client.get("/v1/alert-channels", headers=admin).json["channels"]
    wecom = next(c for c in listed if c["channel_id"] == "zhujian")
    assert wecom["target"].endswith("key=***") and wecom["format_label"] == "企业微信群机器人"
    assert "wecom-key" not in json.dumps(listed) and DING_SECRET not in json.dumps(listed)
    assert client.get("/v1/alert-channels", headers=office).status_code == 403
    bad = client.post(
        "/v1/alert-channels",
        json={"owner_kind": "unit", "owner": "住建局", "format": "wecom", "url": "http://x/y"},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert "key" in bad.json["errors"]["url"][0]
    with runtime.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT url, secret FROM scheduling_alert_channels").all()
    assert all(url.startswith("fernet:") for url, _ in stored)
    assert "ding-token" not in json.dumps([list(r) for r in stored])
    events = [e.type for e in runtime.store.read_stream("alert-channels")]
    assert events == ["AlertChannelConfigured"] * 3
    assert client.delete("/v1/alert-channels/ziran", headers=admin).status_code == 204
    assert client.delete("/v1/alert-channels/ziran", headers=admin).status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_embedded_default_holds_alerts_without_sending(
    runtime, client, admin, office, receiver, late, clock
):
    alerts = SchedulingParts.of(runtime).alerts
    _channels(client, admin, receiver)
    clock.set("2024-03-15")
    assert alerts.sending is False
    alerts.scan()
    assert alerts.deliver_due() == [] and receiver.received == []
    listed = client.get("/v1/alerts", headers=office).json["alerts"]
    assert {a["status_label"] for a in listed} == {"未外发（外发未开启）"}


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_dramatiq_worker_on_redis_delivers_and_retries(settings, redis_url, receiver, tmp_path):
    from dramatiq.brokers.redis import RedisBroker

    from services.composition import wire
    from shared.events import build_registry
    from shared.runtime import build_runtime

    broker = RedisBroker(url=redis_url, namespace=f"gj-alerts-{uuid.uuid4().hex[:8]}")
    runtime = wire(build_runtime(settings, build_registry(), broker=broker))
    worker = start_worker(runtime.broker, threads=2)
    try:
        alerts = SchedulingParts.of(runtime).alerts
        assert alerts.sending is True  # PostgreSQL: outbound on by default
        alerts.settings = replace(alerts.settings, backoff_seconds=0.2)
        year = alerts.today().year
        project = Project(runtime.store, "p9")
        project.register(on=f"{year}-01-02", year=year, leader="李四", lead_unit="住建局")
        project.milestone("m1", f"{year}-01-05", on=f"{year}-01-03")
        client = create_app(runtime).test_client()
        token = {"Authorization": f"Bearer {runtime.tokens.create('admin', 'admin')}"}
        _channels(client, token, receiver)
        receiver.statuses = [500]
        made = alerts.scan()
        assert len(made) == 2
        assert _wait(lambda: all(a["status"] == "delivered" for a in alerts.alerts()))
        attempts = sorted(len(a["attempts"]) for a in alerts.alerts())
        assert attempts == [1, 2] and len(receiver.received) == 3
    finally:
        worker.stop()
        for key in broker.client.scan_iter(f"{broker.namespace}*"):
            broker.client.delete(key)
        runtime.close()


def _wait(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_office_sets_channels_and_sends_alerts_from_the_command_line(
    sqlite_url, monkeypatch, tmp_path, receiver
):
    from click.testing import CliRunner

    from services.cli import main
    from services.composition import runtime_for
    from shared.config import Settings

    for name, value in {
        "GONGJIAN_DATABASE_URL": sqlite_url,
        "GONGJIAN_REDIS_URL": "",
        "GONGJIAN_DATA_DIR": str(tmp_path),
        "GONGJIAN_LOG_FORMAT": "text",
        "GONGJIAN_SCHEDULING_ALERTS_SEND": "on",
    }.items():
        monkeypatch.setenv(name, value)
    runtime = runtime_for(Settings.from_env())
    year = SchedulingParts.of(runtime).alerts.today().year
    project = Project(runtime.store, "p7")
    project.register(
        on=f"{year}-01-02", year=year, name="物流园", leader="李四", lead_unit="住建局"
    )
    project.milestone("m1", f"{year}-01-05", on=f"{year}-01-03")
    runtime.close()
    runner = CliRunner()
    url = receiver.url("/robot/send?access_token=ding-token")
    made = runner.invoke(
        main,
        ["alerts", "set-channel", "--id", "li-si", "--leader", "李四", "--format", "dingtalk"]
        + ["--url", url, "--secret", DING_SECRET],
    )
    assert made.exit_code == 0, made.output
    assert "提醒通道 li-si（已设置）" in made.output and "access_token=***" in made.output
    listed = runner.invoke(main, ["alerts", "channels"])
    assert "分包领导 李四  钉钉自定义机器人" in listed.output and "ding-token" not in listed.output
    scanned = runner.invoke(main, ["alerts", "scan", "--deliver"])
    assert "新提醒1条" in scanned.output and "已尝试发送1条" in scanned.output, scanned.output
    assert [r["problem"] for r in receiver.received] == [None]
    shown = runner.invoke(main, ["alerts", "list"])
    assert "项目转为红灯" in shown.output and "已送达" in shown.output and " 200" in shown.output
    both = runner.invoke(main, ["alerts", "set-channel", "--format", "wecom", "--url", url])
    assert both.exit_code == 1 and "--leader 或 --unit" in both.output
    old_key = (tmp_path / "secrets.key").read_text().strip()
    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("GONGJIAN_SECRETS_KEY", f"{new_key},{old_key}")
    assert "已重新加密提醒通道1个" in runner.invoke(main, ["alerts", "reseal"]).output
    monkeypatch.setenv("GONGJIAN_SECRETS_KEY", new_key)
    assert "access_token=***" in runner.invoke(main, ["alerts", "channels"]).output
    again = runtime_for(Settings.from_env())
    try:
        assert SchedulingParts.of(again).alerts._same(
            SchedulingParts.of(again).alerts._channel_row("li-si"),
            {"owner_kind": "leader", "owner": "李四", "format": "dingtalk", "url": url}
            | {"secret": DING_SECRET},
        )
    finally:
        again.close()
