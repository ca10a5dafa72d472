"""Backup and restore (docs/operations.md): a `pg_dump` restored into a new database is
verified against the last signed checkpoint before it is served; readiness refuses a
database that falls short of it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.cli import main
from services.composition import create_app, runtime_for
from shared.checkpointing import sign_head, signing_key
from shared.config import Settings
from tests.shared.helpers import note, tampering


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def restore(postgres_clones, tmp_path) -> Iterator:
    """Restores a dump into a database of its own; returns its URL."""
    if shutil.which("pg_restore") is None:
        pytest.fail("pg_dump/pg_restore are needed for the backup test")
    made: list[str] = []

    def run(dump) -> str:  # type: ignore[no-untyped-def]
        made.append(postgres_clones.empty("gj_restore"))
        url = postgres_clones.url(made[-1])
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "-d", libpq(url), str(dump)],
            check=True,
        )
        return url

    yield run
    for name in made:
        postgres_clones.give_back(name)


def backup(url: str, path) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["pg_dump", "-Fc", "-f", str(path), libpq(url)], check=True)


def ready(settings: Settings) -> tuple[int, dict]:
    runtime = runtime_for(settings)
    try:
        response = create_app(runtime).test_client().get("/readyz")
        return response.status_code, response.get_json()["problems"]
    finally:
        runtime.close()


@pytest.fixture
def live(postgres_url, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGJIAN_CHECKPOINT_FILE", str(tmp_path / "kept-checkpoint.json"))
    settings = Settings.from_env(database_url=postgres_url, redis_url="", data_dir=tmp_path)
    runtime = runtime_for(settings)
    yield runtime
    runtime.close()


def fill(runtime, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        runtime.store.append([note("project-a", f"event {i}")])


def test_a_backup_taken_after_the_last_checkpoint_restores_and_is_served(live, restore, tmp_path):
    fill(live, 3)
    sign_head(live.store, signing_key(live.settings, create=True))
    backup(live.settings.database_url, tmp_path / "gongjian.dump")
    restored = restore(tmp_path / "gongjian.dump")

    status, problems = ready(Settings.from_env(database_url=restored, data_dir=tmp_path))
    assert (status, problems) == (200, {})
    kept = str(tmp_path / "kept-checkpoint.json")
    result = _verify(restored, tmp_path, "--checkpoint", kept)
    assert result.exit_code == 0, result.output


def test_a_backup_older_than_the_last_signed_checkpoint_is_refused(live, restore, tmp_path):
    fill(live, 3)
    sign_head(live.store, signing_key(live.settings, create=True))
    backup(live.settings.database_url, tmp_path / "gongjian.dump")
    fill(live, 2)
    sign_head(live.store, signing_key(live.settings))  # kept outside: at position 5
    restored = restore(tmp_path / "gongjian.dump")

    status, problems = ready(Settings.from_env(database_url=restored, data_dir=tmp_path))
    assert status == 503 and "日志被截断" in problems["chain"]
    assert "低于位置 5 的签名检查点" in problems["chain"]
    result = _verify(restored, tmp_path, "--checkpoint", str(tmp_path / "kept-checkpoint.json"))
    assert result.exit_code == 1 and "位置 4" in result.output


def test_a_tampered_restore_is_refused(live, restore, tmp_path):
    fill(live, 4)
    sign_head(live.store, signing_key(live.settings, create=True))
    backup(live.settings.database_url, tmp_path / "gongjian.dump")
    restored = restore(tmp_path / "gongjian.dump")
    runtime = runtime_for(Settings.from_env(database_url=restored, data_dir=tmp_path))
    with tampering(runtime.store.engine) as conn:
        conn.execute(text("UPDATE events SET hash = repeat('0', 64) WHERE global_position = 4"))
    runtime.close()

    status, problems = ready(Settings.from_env(database_url=restored, data_dir=tmp_path))
    assert status == 503 and "与签名检查点不符" in problems["chain"]


def _verify(url: str, data_dir, *args: str):  # type: ignore[no-untyped-def]
    env = {"GONGJIAN_DATABASE_URL": url, "GONGJIAN_DATA_DIR": str(data_dir)}
    return CliRunner(env=env).invoke(main, ["verify", *args])
