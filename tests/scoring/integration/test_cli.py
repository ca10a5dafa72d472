"""`gongjian assess` and `gongjian rulebook` on the embedded store."""

from __future__ import annotations

from click.testing import CliRunner
from openpyxl import load_workbook

from services.cli import main
from services.composition import runtime_for
from shared.config import Settings
from tests.scoring.builders import History
from tests.scoring.integration.test_assessment_jobs import county


def test_assess_prints_the_digest_and_writes_the_xlsx_report(sqlite_url, tmp_path, monkeypatch):
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url))
    county(History(runtime.store))
    runtime.close()
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(
        main, ["assess", "--year", "2024", "--known-at", "2024-12-31", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "digest" in result.output
    assert load_workbook(out)["项目分类排名"].max_row == 2 + 3
    again = CliRunner().invoke(main, ["assess", "--year", "2024", "--known-at", "2024-12-31"])
    assert again.output.splitlines()[0] == result.output.splitlines()[0]


def test_an_unknown_report_suffix_is_refused(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    result = CliRunner().invoke(
        main, ["assess", "--year", "2024", "--out", str(tmp_path / "r.pdf")]
    )
    assert result.exit_code != 0 and "--out" in result.output


def test_rulebook_check_names_the_bad_field_and_adopt_adopts(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "x", "total_points": "100"}', encoding="utf-8")
    result = CliRunner().invoke(main, ["rulebook", "check", str(bad)])
    assert result.exit_code == 1 and "lines" in result.output
    from services.scoring.application.rulebooks import DEFAULT_RULEBOOK

    good = tmp_path / "rb.yaml"
    good.write_text(
        DEFAULT_RULEBOOK.read_text(encoding="utf-8").replace("default-2024.1", "2025.1"),
        encoding="utf-8",
    )
    adopted = CliRunner().invoke(main, ["rulebook", "adopt", str(good)])
    assert adopted.exit_code == 0 and "考核细则 2025.1 已启用" in adopted.output


def test_a_stored_assessment_verifies_and_a_tampered_result_does_not(sqlite_url, monkeypatch):
    from sqlalchemy import create_engine, text

    runtime = runtime_for(Settings.from_env(database_url=sqlite_url))
    county(History(runtime.store))
    runtime.close()
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    first = CliRunner().invoke(main, ["assess", "--year", "2024", "--known-at", "2024-12-31"])
    assessment_id = first.output.split()[1]
    verified = CliRunner().invoke(main, ["assessment", "verify", assessment_id])
    assert verified.exit_code == 0, verified.output
    assert "重算结果与存档一致" in verified.output
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE scoring_assessments SET result_hash = :h"), {"h": "0" * 64})
    engine.dispose()
    tampered = CliRunner().invoke(main, ["assessment", "verify", assessment_id])
    assert tampered.exit_code == 1 and "result_hash 不一致" in tampered.output


def test_assessment_approve_signs_off_a_draft_and_a_correction_needs_its_reason(
    sqlite_url, monkeypatch
):
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url))
    county(History(runtime.store))
    runtime.close()
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    first = CliRunner().invoke(main, ["assess", "--year", "2024", "--known-at", "2024-12-31"])
    assert "草稿" in first.output.splitlines()[0]
    december = first.output.split()[1]
    signed = CliRunner().invoke(main, ["assessment", "approve", december, "--by", "张书记"])
    assert signed.exit_code == 0, signed.output
    assert f"考核 {december} 已发布：第1版，审定人 张书记" in signed.output
    later = CliRunner().invoke(main, ["assess", "--year", "2024", "--known-at", "2025-01-31"])
    january = later.output.split()[1]
    refused = CliRunner().invoke(main, ["assessment", "approve", january, "--by", "张书记"])
    assert refused.exit_code == 1 and "须说明更正原因" in refused.output
    corrected = CliRunner().invoke(
        main, ["assessment", "approve", january, "--by", "张书记", "--reason", "迟报更正"]
    )
    assert corrected.exit_code == 0, corrected.output
    assert f"更正 {december}，原因：迟报更正" in corrected.output


def test_admonish_records_a_talk_and_cadre_writes_the_published_results(
    sqlite_url, tmp_path, monkeypatch
):
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url))
    county(History(runtime.store))
    runtime.close()
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    talk = ["assessment", "admonish", "2024", "--unit", "Unit B", "--principal", "王某某"]
    talk += [
        "--held-on",
        "2025-01-20",
        "--by",
        "县委组织部",
        "--reason",
        "成效不明显",
        "--id",
        "J1",
    ]
    recorded = CliRunner().invoke(main, talk)
    assert recorded.exit_code == 0 and "诫勉谈话 J1 已记录：Unit B 王某某" in recorded.output
    assert "此前已记录" in CliRunner().invoke(main, talk).output
    first = CliRunner().invoke(main, ["assess", "--year", "2024", "--known-at", "2024-12-31"])
    assessment_id = first.output.split()[1]
    out = tmp_path / "cadre.xlsx"
    draft = CliRunner().invoke(main, ["assessment", "cadre", assessment_id, "--out", str(out)])
    assert draft.exit_code == 1 and "草稿" in draft.output
    CliRunner().invoke(main, ["assessment", "approve", assessment_id, "--by", "张书记"])
    written = CliRunner().invoke(main, ["assessment", "cadre", assessment_id, "--out", str(out)])
    assert written.exit_code == 0, written.output
    rows = {r[0]: r for r in load_workbook(out)["承办单位"].iter_rows(min_row=3, values_only=True)}
    assert rows["Unit B"][6] == "王某某（2025年1月20日，县委组织部）"
