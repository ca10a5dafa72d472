"""The `gongjian` command line: set-up, verification, tokens."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from services.cli import main
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore

from .helpers import note


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def filled_store(cli, tmp_path):
    assert cli("db", "upgrade").exit_code == 0
    engine = create_db_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    store = EventStore(engine, build_registry())
    for i in range(4):
        store.append([note("project-a", f"event {i}")])
    yield store
    engine.dispose()


def export(store, path) -> None:
    head = store.head()
    with path.open("w", encoding="utf-8") as out:
        for row in store.iter_stored():
            record = {
                k: (v.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if hasattr(v, "strftime") else v)
                for k, v in row.items()
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.write(json.dumps({"chain_head": {"position": head.position, "hash": head.hash}}) + "\n")


def test_db_upgrade_can_run_twice(cli):
    assert cli("db", "upgrade").exit_code == 0
    second = cli("db", "upgrade")
    assert second.exit_code == 0 and "数据库已迁移到最新版本" in second.output


def test_verify_reports_the_head_of_an_intact_chain(cli, filled_store):
    result = cli("verify")
    assert result.exit_code == 0
    assert f"head 4 {filled_store.head().hash}" in result.output


def test_verify_exits_non_zero_and_names_the_first_bad_position(cli, filled_store):
    from sqlalchemy import text

    with filled_store.engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'someone else' WHERE global_position = 2"))
    result = cli("verify")
    assert result.exit_code == 1
    assert "BROKEN at position 2" in result.output


def test_an_export_verifies_offline_until_one_line_is_tampered(cli, filled_store, tmp_path):
    path = tmp_path / "log.ndjson"
    export(filled_store, path)
    assert cli("verify", "--file", str(path)).exit_code == 0

    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[2])
    record["payload"]["note"] = "forged"
    lines[2] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("verify", "--file", str(path))
    assert result.exit_code == 1 and "position 3" in result.output


def test_an_export_with_its_tail_cut_off_fails_against_its_recorded_head(
    cli, filled_store, tmp_path
):
    path = tmp_path / "log.ndjson"
    export(filled_store, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    del lines[3]  # the last event, keeping the chain_head line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("verify", "--file", str(path))
    assert result.exit_code == 1 and "missing" in result.output


def test_a_file_that_is_not_json_is_a_one_line_error(cli, tmp_path):
    path = tmp_path / "bad.ndjson"
    path.write_text("not json\n")
    result = CliRunner().invoke(main, ["verify", "--file", str(path)])
    assert result.exit_code == 1
    assert "bad.ndjson:1: not JSON" in result.output


def test_a_token_is_printed_once_and_names_are_unique(cli):
    cli("db", "upgrade")
    first = cli("token", "create", "--role", "office", "--name", "office-1")
    assert first.exit_code == 0 and first.output.startswith("gj_")
    again = CliRunner().invoke(main, ["token", "create", "--role", "office", "--name", "office-1"])
    assert again.exit_code == 1 and "exists already" in again.output


def test_an_unknown_role_is_refused(cli):
    result = CliRunner().invoke(main, ["token", "create", "--role", "boss", "--name", "x"])
    assert result.exit_code == 2 and "boss" in result.output


def test_a_command_on_an_unmigrated_database_says_so_in_one_line(cli):
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 1
    assert "gongjian db upgrade" in result.output and "Traceback" not in result.output
