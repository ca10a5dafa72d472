"""`gongjian campaign define|list` and `gongjian project carry-over`."""

from __future__ import annotations

from click.testing import CliRunner

from services.cli import main


def run(url, *args):
    return CliRunner().invoke(main, list(args), env={"GONGJIAN_DATABASE_URL": url})


DEFINE_2026 = (
    "campaign", "define", "--year", "2026", "--name", "某某县2026年项目攻坚年",
    "--county", "某某县", "--starts-on", "2026-03-01", "--ends-on", "2026-12-31",
)  # fmt: skip


def test_a_campaign_is_defined_once_and_listed_in_chinese(sqlite_url):
    assert run(sqlite_url, "campaign", "list").output.startswith("尚未设定攻坚年")
    first = run(sqlite_url, *DEFINE_2026)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("已设定 2026 某某县2026年项目攻坚年")
    assert run(sqlite_url, *DEFINE_2026).output.startswith("未变化")
    listed = run(sqlite_url, "campaign", "list").output
    assert "2026年3月1日" in listed and "年度投资45.00亿元" in listed


def test_a_bad_definition_is_a_one_line_error(sqlite_url):
    wrong = run(sqlite_url, *DEFINE_2026[:-2], "--ends-on", "2026-01-01")
    assert wrong.exit_code == 1 and "攻坚年设定有误" in wrong.output and "ends_on" in wrong.output


def test_a_project_is_carried_over_once(sqlite_url):
    from services.composition import runtime_for
    from services.registry.application.submissions import Submission
    from services.registry.wiring import RegistryParts
    from shared.config import Settings
    from shared.eventstore import now_utc
    from tests.registry.unit.builders import registration

    runtime = runtime_for(Settings(database_url=sqlite_url))
    RegistryParts.of(runtime).registry.submit(
        Submission("7d0a5f7e-1111-4c2b-9a6e-1d0c0e9b1a01", "ProjectRegistered", now_utc(),
                   registration("p1", year=2025), project_id="p1")
    )  # fmt: skip
    runtime.close()
    carried = run(
        sqlite_url, "project", "carry-over", "p1", "--to-year", "2026", "--reason", "续建"
    )
    assert carried.exit_code == 0, carried.output
    assert "已结转到2026年攻坚年" in carried.output
    again = run(sqlite_url, "project", "carry-over", "p1", "--to-year", "2026", "--reason", "续建")
    assert again.exit_code == 1 and "项目已属于2026年攻坚年" in again.output
    planned = ("project", "carry-over", "p1", "--to-year", "2027", "--reason", "续建")
    wrong = run(sqlite_url, *planned, "--annual-plan", "很多")
    assert wrong.exit_code == 1 and "annual_plan" in wrong.output
    stated = run(sqlite_url, *planned, "--annual-plan", "2400000")
    assert stated.exit_code == 0, stated.output
