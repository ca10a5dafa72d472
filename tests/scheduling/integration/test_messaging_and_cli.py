"""The read model is nudged through dramatiq after each append (in-memory and Redis
brokers); the command line rebuilds it and runs the scheduler."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import pytest
from click.testing import CliRunner

from services.cli import main
from services.composition import runtime_for
from services.scheduling.readmodel import queries
from shared.config import Settings
from shared.i18n import period_text
from shared.messaging import start_worker

from ..helpers import ZONE, Project


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(params=["stub", "redis"])
def broker(request):
    if request.param == "stub":
        return None
    from dramatiq.brokers.redis import RedisBroker

    url = request.getfixturevalue("redis_url")
    return RedisBroker(url=url, namespace=f"gj-sched-{uuid.uuid4().hex[:8]}")


def test_an_append_nudges_the_read_model_to_catch_up(settings, broker):
    runtime = runtime_for(settings) if broker is None else _with_broker(settings, broker)
    worker = start_worker(runtime.broker, threads=1)
    try:
        project = Project(runtime.store, "p1")
        project.register()
        project.milestone("m1", "2024-03-01")
        head = runtime.store.head().position
        assert wait_for(lambda: queries.checkpoint(runtime.store) == head)
        (state,) = queries.current_states(runtime.engine)
        assert list(state.milestones) == ["m1"]
    finally:
        worker.stop()
        if broker is not None:
            for key in broker.client.scan_iter(f"{broker.namespace}*"):
                broker.client.delete(key)
        runtime.close()


def _with_broker(settings, broker):
    from services.composition import wire
    from shared.events import build_registry
    from shared.runtime import build_runtime

    return wire(build_runtime(settings, build_registry(), broker=broker))


@pytest.fixture
def env(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GONGJIAN_REDIS_URL", "")
    monkeypatch.setenv("GONGJIAN_LOG_FORMAT", "text")
    return sqlite_url


def test_the_read_model_is_rebuilt_with_one_command(env):
    runtime = runtime_for(Settings.from_env(database_url=env))
    Project(runtime.store, "p1").register()
    runtime.close()
    result = CliRunner().invoke(main, ["scheduling", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "读模型已重建：处理事件1个，检查点 1" in result.output


def test_the_scheduler_plans_the_periods_that_opened(env, monkeypatch):
    today = datetime.now(ZONE).date()
    monkeypatch.setenv("GONGJIAN_SCHEDULING_SCHEDULER_SINCE", today.isoformat())
    month = f"{today:%Y-%m}"
    runtime = runtime_for(Settings.from_env(database_url=env))
    # A project of this year's campaign: a period is planned only when it has projects.
    Project(runtime.store, "p1").register(major=True, year=today.year)
    runtime.close()
    result = CliRunner().invoke(main, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert f"正在制定月调度计划：{period_text(month)}" in result.output
    runtime = runtime_for(Settings.from_env(database_url=env))
    try:
        stored = runtime.store.read_stream(f"dispatch-monthly-{month}")
        assert [e.type for e in stored] == ["DispatchPlanned"]
    finally:
        runtime.close()


def test_plan_from_the_command_line_names_a_bad_period(env):
    result = CliRunner().invoke(
        main, ["scheduling", "plan", "--cadence", "weekly", "--period", "2024-13"]
    )
    assert result.exit_code == 1 and "2024-W10" in result.output


def test_set_pieces_and_site_meetings_from_the_command_line(env, tmp_path):
    runtime = runtime_for(Settings.from_env(database_url=env))
    Project(runtime.store, "p1").register()
    runtime.close()
    runner = CliRunner()
    held = runner.invoke(
        main,
        ["scheduling", "set-piece-held", "full_check", "--held-on", "2026-11-20"]
        + ["--outcome", "全面检查29个项目", "--campaign", "2026"],
    )
    assert held.exit_code == 0, held.output
    assert "全面检查：已开展（已记录）" in held.output
    listed = runner.invoke(main, ["scheduling", "set-pieces", "--campaign", "2026"])
    assert "动员大会" in listed.output and "全面检查29个项目" in listed.output
    unknown = runner.invoke(main, ["scheduling", "set-piece-missed", "parade", "--note", "x"])
    assert unknown.exit_code == 1 and "parade" in unknown.output
    record = tmp_path / "site.yaml"
    record.write_text(
        "project_id: p1\nplace: 项目现场\nheld_on: 2026-11-20\nattendees: [张县长, 发改局]\n"
        "decisions:\n  - {text: 落实用地, owner: 自然资源局, due: 2026-12-20}\n",
        encoding="utf-8",
    )
    first = runner.invoke(main, ["scheduling", "site-meeting", str(record)])
    assert first.exit_code == 0, first.output
    assert "已记录）：决定事项1项，未办结1项" in first.output
    again = runner.invoke(main, ["scheduling", "site-meeting", str(record)])
    assert "此前已记录" in again.output


def test_the_duban_workflow_and_its_letter_from_the_command_line(env, tmp_path):
    runtime = runtime_for(Settings.from_env(database_url=env))
    Project(runtime.store, "p1").register(year=2026)
    runtime.close()
    runner = CliRunner()
    record = tmp_path / "site.yaml"
    record.write_text(
        "project_id: p1\nplace: 项目现场\nheld_on: 2026-11-20\nattendees: [张县长]\n"
        "decisions:\n  - {text: 落实用地, owner: 自然资源局, due: 2026-12-20}\n",
        encoding="utf-8",
    )
    assert runner.invoke(main, ["scheduling", "site-meeting", str(record)]).exit_code == 0
    listed = runner.invoke(main, ["scheduling", "actions", "--campaign", "2026"])
    assert "自然资源局 已下发待签收" in listed.output and "共1项" in listed.output
    action_id = listed.output.split()[0]
    early = runner.invoke(main, ["scheduling", "action-step", action_id, "start"])
    assert early.exit_code == 1 and "不能“办理”" in early.output
    for step in (["acknowledge", "--person", "李科长"], ["start"]):
        done = runner.invoke(main, ["scheduling", "action-step", action_id, *step])
        assert done.exit_code == 0, done.output
    assert "现为“办理中”" in done.output
    bare = runner.invoke(main, ["scheduling", "action-step", action_id, "report"])
    assert bare.exit_code == 1 and "--report" in bare.output
    letter = tmp_path / "letter.md"
    issued = runner.invoke(
        main, ["scheduling", "action-letter", action_id, "--issue", "--output", str(letter)]
    )
    assert issued.exit_code == 0, issued.output
    assert "督办函已编号" in issued.output
    assert "关于督促自然资源局加快办理重点项目督办事项的函" in letter.read_text(encoding="utf-8")


def test_a_units_token_from_the_command_line_acts_for_its_unit(env):
    made = CliRunner().invoke(
        main, ["token", "create", "--role", "unit", "--name", "zrj-1", "--unit", "自然资源局"]
    )
    assert made.exit_code == 0, made.output
    runtime = runtime_for(Settings.from_env(database_url=env))
    try:
        principal = runtime.tokens.authenticate(made.output.strip())
        assert principal is not None and principal.unit == "自然资源局"
    finally:
        runtime.close()
    wrong = CliRunner().invoke(
        main, ["token", "create", "--role", "office", "--name", "o-2", "--unit", "自然资源局"]
    )
    assert wrong.exit_code == 1 and "--unit" in wrong.output


def test_the_colour_record_from_the_command_line_and_the_scheduler(env):
    today = datetime.now(ZONE).date()
    runtime = runtime_for(Settings.from_env(database_url=env))
    Project(runtime.store, "p1").register(year=today.year)
    runtime.close()
    runner = CliRunner()
    shown = runner.invoke(main, ["scheduling", "colours", "--campaign", str(today.year)])
    assert shown.exit_code == 0, shown.output
    assert "红黄绿灯月度记录" in shown.output and "p1 项目 p1" in shown.output
    missing = runner.invoke(main, ["scheduling", "colours", "--project", "nobody"])
    assert missing.exit_code == 1 and "nobody" in missing.output
    if today.month == 1:
        return  # the first month of the year has no ended month of its campaign yet
    ticked = runner.invoke(main, ["scheduler", "--once"])
    assert ticked.exit_code == 0, ticked.output
    last = f"{today.year}年{today.month - 1}月"
    assert f"已记录{last}红黄绿灯" in ticked.output
    again = runner.invoke(main, ["scheduling", "colours", "--record"])
    assert "已记录：无新的已结束月份" in again.output
