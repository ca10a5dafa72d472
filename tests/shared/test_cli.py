"""The `gongjian` command line: set-up, verification, tokens."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from services.cli import main
from shared.auth import ROLES
from shared.checkpointing import export_signer
from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore, canonical_json
from shared.eventstore.export import export_lines

from .helpers import note, tampering


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))  # the signing key lives here
    monkeypatch.delenv("GONGJIAN_CHECKPOINT_KEY", raising=False)
    monkeypatch.delenv("GONGJIAN_CHECKPOINT_KEY_FILE", raising=False)
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
    sign = export_signer(store, Settings.from_env())
    path.write_text("".join(export_lines(store.iter_stored(), "", sign)), encoding="utf-8")


def test_db_upgrade_can_run_twice(cli):
    assert cli("db", "upgrade").exit_code == 0
    second = cli("db", "upgrade")
    assert second.exit_code == 0 and "数据库已迁移到最新版本" in second.output


def test_verify_reports_the_head_of_an_intact_chain(cli, filled_store):
    result = cli("verify")
    assert result.exit_code == 0
    assert f"链头位置 4，链头哈希 {filled_store.head().hash}" in result.output


def test_verify_exits_non_zero_and_names_the_first_bad_position(cli, filled_store):
    with tampering(filled_store.engine) as conn:
        conn.execute(text("UPDATE events SET actor = 'someone else' WHERE global_position = 2"))
    result = cli("verify")
    assert result.exit_code == 1
    assert "链条损坏：位置 2，内容被改动：内容与其哈希不符（代码 changed）" in result.output


def test_an_export_verifies_offline_until_one_line_is_tampered(cli, filled_store, tmp_path):
    path = tmp_path / "log.ndjson"
    export(filled_store, path)
    assert cli("verify", "--file", str(path)).exit_code == 0

    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[3])
    record["payload"]["note"] = "forged"
    lines[3] = canonical_json(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("verify", "--file", str(path))
    assert result.exit_code == 1 and "链条损坏：位置 3，内容被改动" in result.output


def test_an_export_with_its_tail_cut_off_fails_against_its_trailer(cli, filled_store, tmp_path):
    path = tmp_path / "log.ndjson"
    export(filled_store, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    del lines[4]  # the last event, keeping the trailer
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("verify", "--file", str(path))
    assert result.exit_code == 1 and "链条损坏：位置 4" in result.output


def test_a_file_that_is_not_an_export_is_a_one_line_failure(cli, tmp_path):
    path = tmp_path / "bad.ndjson"
    path.write_text("not json\n")
    result = CliRunner().invoke(main, ["verify", "--file", str(path)])
    assert result.exit_code == 1
    assert "位置 1" in result.output and "第 1 行" in result.output


def test_a_kept_checkpoint_catches_a_deleted_tail(cli, filled_store, tmp_path):
    kept = tmp_path / "checkpoint.json"
    signed = cli("checkpoint", "--out", str(kept))
    assert signed.exit_code == 0 and "已签名检查点：位置 4" in signed.output
    assert cli("verify", "--checkpoint", str(kept)).exit_code == 0
    with tampering(filled_store.engine) as conn:
        conn.execute(text("DELETE FROM events WHERE global_position > 2"))
        conn.execute(text("DELETE FROM signed_checkpoints"))
        conn.execute(text("DELETE FROM checkpoints"))  # the verifier's own, too
    result = cli("verify", "--checkpoint", str(kept))
    assert result.exit_code == 1
    assert "位置 3，日志被截断" in result.output and "低于位置 4 的签名检查点" in result.output


def test_the_verifier_says_when_the_log_was_rolled_back(cli, filled_store):
    assert cli("verify").exit_code == 0
    with tampering(filled_store.engine) as conn:
        conn.execute(text("DELETE FROM events WHERE global_position > 2"))
    result = cli("verify")
    assert result.exit_code == 1 and "日志从位置 4 回滚到了位置 2" in result.output


def test_the_public_key_verifies_an_export_elsewhere(cli, filled_store, tmp_path, monkeypatch):
    path, keys = tmp_path / "log.ndjson", tmp_path / "trusted.keys"
    export(filled_store, path)
    keys.write_text(cli("checkpoint", "public-key").output)
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path / "elsewhere"))
    assert cli("verify", "--file", str(path)).exit_code == 1  # no trusted key here
    assert cli("verify", "--file", str(path), "--public-keys", str(keys)).exit_code == 0


def test_a_token_is_printed_once_and_names_are_unique(cli):
    cli("db", "upgrade")
    first = cli("token", "create", "--role", "office", "--name", "office-1")
    assert first.exit_code == 0 and first.output.startswith("gj_")
    again = CliRunner().invoke(main, ["token", "create", "--role", "office", "--name", "office-1"])
    assert again.exit_code == 1 and "已有名为" in again.output


def test_every_role_the_api_knows_can_be_given_a_token(cli):
    """README offers ``--role approver`` (审定); the command once refused it."""
    cli("db", "upgrade")
    for role in ROLES:
        made = CliRunner().invoke(main, ["token", "create", "--role", role, "--name", f"t-{role}"])
        assert made.exit_code == 0 and made.output.startswith("gj_"), (role, made.output)


def test_an_unknown_role_is_refused(cli):
    result = CliRunner().invoke(main, ["token", "create", "--role", "boss", "--name", "x"])
    assert result.exit_code == 2 and "boss" in result.output


def test_a_command_on_an_unmigrated_database_says_so_in_one_line(cli):
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 1
    assert "gongjian db upgrade" in result.output and "Traceback" not in result.output
