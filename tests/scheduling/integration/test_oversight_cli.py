"""The oversight of units from the command line: an inspection round from a file, its
督查通报 numbered once, and an escalation raised, decided and closed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from services.cli import main
from services.composition import runtime_for
from shared.config import Settings

from ..helpers import Project


@pytest.fixture
def env(sqlite_url, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GONGJIAN_REDIS_URL", "")
    monkeypatch.setenv("GONGJIAN_LOG_FORMAT", "text")
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url))
    Project(runtime.store, "p1").register()
    runtime.close()
    return sqlite_url


ROUND = """\
round_id: R11
kind: level_check
title: 11月层级检查
started_on: 2026-11-16
ended_on: 2026-11-18
team: {leader: 王组长, members: [李某, 赵某]}
units: [城关镇, 县工信局]
findings:
  - {unit: 县工信局, kind: commendation, text: 服务企业到位}
  - {unit: 城关镇, kind: problem, text: 台账不全, owner: 城关镇, due: 2026-12-20}
"""


def test_an_inspection_round_and_its_notice_from_the_command_line(env, tmp_path):
    record = tmp_path / "round.yaml"
    record.write_text(ROUND, encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["scheduling", "inspection", str(record)])
    assert first.exit_code == 0, first.output
    assert "督查检查 R11（已记录）：被检查单位2个，发现问题1项，未办结1项" in first.output
    again = runner.invoke(main, ["scheduling", "inspection", str(record)])
    assert "此前已记录" in again.output
    listed = runner.invoke(main, ["scheduling", "inspections", "--campaign", "2026"])
    assert "层级检查：11月层级检查" in listed.output and "台账不全，未办结" in listed.output
    notice = runner.invoke(main, ["scheduling", "inspection-notice", "R11", "--issue"])
    assert notice.exit_code == 0, notice.output
    assert "发文字号：" in notice.output and "对城关镇予以通报批评" in notice.output
    out = tmp_path / "notice.docx"
    written = runner.invoke(
        main, ["scheduling", "inspection-notice", "R11", "--format", "docx", "--output", str(out)]
    )
    assert written.exit_code == 0 and out.read_bytes()[:2] == b"PK"
    bad = tmp_path / "bad.yaml"
    bad.write_text(ROUND.replace("units: [城关镇, 县工信局]", "units: [县工信局]"), "utf-8")
    refused = runner.invoke(main, ["scheduling", "inspection", str(bad)])
    assert refused.exit_code == 1 and "不在被检查单位中" in refused.output
    missing = runner.invoke(main, ["scheduling", "inspection-notice", "R99"])
    assert missing.exit_code == 1 and "R99" in missing.output


def test_an_escalation_from_the_command_line(env):
    runner = CliRunner()
    raised = runner.invoke(
        main,
        ["scheduling", "escalate", "--project", "p1", "--matter", "用地指标缺口"]
        + ["--raised-by", "县发改局", "--raised-on", "2026-11-20", "--id", "E1"],
    )
    assert raised.exit_code == 0, raised.output
    assert "提级事项 E1：待领导小组研究（已记录）" in raised.output
    decided = runner.invoke(
        main,
        ["scheduling", "escalation-decide", "E1", "--decision", "调剂指标"]
        + ["--owner", "县自然资源局", "--due", "2026-12-31", "--decided-on", "2026-11-25"],
    )
    assert "E1：已议定（已记录）" in decided.output
    args = ["scheduling", "escalation-close", "E1", "--closed-on", "2026-11-30", "--note", "已调剂"]
    assert "E1：已办结（已记录）" in runner.invoke(main, args).output
    assert "此前已记录" in runner.invoke(main, args).output
    late = runner.invoke(
        main,
        ["scheduling", "escalation-decide", "E1", "--decision", "x", "--owner", "y"]
        + ["--due", "2026-12-31", "--decided-on", "2026-11-30"],
    )
    assert late.exit_code == 1 and "已办结" in late.output
    listed = runner.invoke(main, ["scheduling", "escalations", "--state", "closed"])
    assert "E1 2026-11-20 p1：用地指标缺口（已办结）" in listed.output
