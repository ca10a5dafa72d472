"""`gongjian pool enter|stage|statistics|list|conversions`."""

from __future__ import annotations

from click.testing import CliRunner

from services.cli import main


def run(url, *args):
    return CliRunner().invoke(main, list(args), env={"GONGJIAN_DATABASE_URL": url})


ENTER = (
    "pool", "enter", "pool-1", "--name", "智能装备产业园项目", "--sector", "manufacturing",
    "--town", "城关镇", "--investment", "300000000", "--on", "2024-01-10",
)  # fmt: skip


def test_a_project_enters_the_pool_moves_on_and_is_listed_in_chinese(sqlite_url):
    assert run(sqlite_url, "pool", "list").output.startswith("项目库中没有项目")
    entered = run(sqlite_url, *ENTER)
    assert entered.exit_code == 0, entered.output
    assert entered.output.startswith("项目 pool-1 已入库（谋划）")
    signed = run(sqlite_url, "pool", "stage", "pool-1", "signed", "--on", "2024-03-15")
    assert signed.exit_code == 0 and "进入签约阶段" in signed.output
    listed = run(sqlite_url, "pool", "list").output
    assert "pool-1 智能装备产业园项目：签约（谋划2024-01-10，签约2024-03-15，未入统）" in listed
    assert "未进入攻坚年" in listed
    quarters = run(sqlite_url, "pool", "conversions", "--year", "2024").output.splitlines()
    assert quarters[0] == "2024年第1季度：签约→开工 0/1（0%）；开工→投产 无可转化项目"


def test_a_refusal_is_a_one_line_error(sqlite_url):
    run(sqlite_url, *ENTER)
    run(sqlite_url, "pool", "stage", "pool-1", "signed", "--on", "2024-03-15")
    back = run(sqlite_url, "pool", "stage", "pool-1", "reserve")
    assert back.exit_code == 1 and "不能推进阶段" in back.output and "只能向后推进" in back.output
    early = run(sqlite_url, "pool", "statistics", "pool-1")
    assert early.exit_code == 1 and "不能入统" in early.output
    bad_day = run(sqlite_url, "pool", "stage", "pool-1", "preliminary", "--on", "2024-13-01")
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output


def test_a_visit_is_recorded_and_the_quarter_names_who_has_not_visited(sqlite_url):
    from services.composition import runtime_for
    from services.registry.application.submissions import Submission
    from services.registry.wiring import RegistryParts
    from shared.config import Settings
    from tests.registry.unit.builders import registration

    runtime = runtime_for(Settings.from_env(database_url=sqlite_url))
    for project_id, leader in (("p1", "张副县长"), ("p2", "王县长")):
        RegistryParts.of(runtime).registry.submit(
            Submission(
                f"reg-{project_id}",
                "ProjectRegistered",
                runtime.store.clock(),
                registration(project_id, national_code=None, leader=leader),
                project_id,
            )
        )
    runtime.close()
    recorded = run(
        sqlite_url, "visits", "record", "p1", "--services", "协调用电",
        "--solved", "临时用电", "--on", "2024-05-06",
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    quarter = run(sqlite_url, "visits", "quarter", "2024-Q2").output.splitlines()
    assert quarter == ["王县长：已到0个项目；未到：年产10万吨新材料项目", "张副县长：已到1个项目"]
    assert run(sqlite_url, "visits", "quarter", "2024-5").exit_code == 2
