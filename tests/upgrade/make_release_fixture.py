"""Writes the upgrade fixture with a past release (run it with THAT release's code).

    git -C /work/main worktree add /work/wt/oldrel <release>
    cd /work/wt/oldrel && make .venv/.installed
    .venv/bin/python /path/to/tests/upgrade/make_release_fixture.py <release> <out-dir>

It builds a small store on SQLite the way a user would (``gongjian db upgrade``, ``gongjian
demo``, ``gongjian scheduling plan``, closing an action over the API, ``gongjian assess``),
then asks :mod:`questions` and writes ``store.sqlite.gz`` and ``answers.json`` to ``out-dir``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import questions  # noqa: E402


def main(release: str, out: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="gj-fixture-"))
    database = work / "gongjian.db"
    os.environ.update(
        GONGJIAN_DATABASE_URL=f"sqlite:///{database}",
        GONGJIAN_DATA_DIR=str(work),
        GONGJIAN_LOG_FORMAT="text",
        GONGJIAN_LOG_LEVEL="WARNING",
    )
    gongjian = str(Path(sys.executable).with_name("gongjian"))

    def run(*args: str) -> str:
        done = subprocess.run([gongjian, *args], check=True, capture_output=True, text=True)
        print("$ gongjian", *args, "\n" + done.stdout.strip())
        return done.stdout

    run("db", "upgrade")
    loaded = run("demo", "--projects", "5", "--year", str(questions.YEAR), "--seed", "11")
    first_wave = re.search(r"(?:first wave known at|第一批事件知情时点) (\S+)", loaded).group(1)  # type: ignore[union-attr]
    for cadence, period in questions.PLANS:
        run("scheduling", "plan", "--cadence", cadence, "--period", period)
    _close_an_action()
    year = str(questions.YEAR)
    run("assess", "--year", year, "--as-of", f"{year}-12-31", "--known-at", first_wave)
    run("assess", "--year", year, "--as-of", f"{year}-09-30")
    run("verify")
    known_at = _now()
    answers = _ask(first_wave, known_at)
    out.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(database) as conn:
        conn.execute("DELETE FROM api_tokens")  # the fixture carries no credentials
        conn.commit()
    with sqlite3.connect(database) as conn:
        conn.execute("VACUUM")
    with database.open("rb") as raw, gzip.open(out / "store.sqlite.gz", "wb", 9) as packed:
        shutil.copyfileobj(raw, packed)
    record = {
        "release": release,
        "first_wave_known_at": first_wave,
        "known_at": known_at,
        "answers": answers,
    }
    text = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True)
    (out / "answers.json").write_text(text + "\n", encoding="utf-8")
    shutil.rmtree(work)


def _runtime():  # type: ignore[no-untyped-def]
    from services.composition import create_app, runtime_for
    from shared.config import Settings

    runtime = runtime_for(Settings.from_env())
    return runtime, create_app(runtime).test_client()


def _close_an_action() -> None:
    runtime, client = _runtime()
    token = runtime.tokens.create("fixture-office", "office")
    headers = {"Authorization": f"Bearer {token}"}
    actions = client.get("/v1/actions?status=open", headers=headers).get_json()["actions"]
    assert actions, "the plans assigned no follow-up action"
    closed = client.post(
        f"/v1/actions/{actions[0]['action_id']}/close",
        json={"note": "已整改到位"},
        headers=headers,
    )
    assert closed.status_code == 200, closed.get_data()
    print("closed", actions[0]["action_id"])
    runtime.close()


def _now() -> str:
    from shared.eventstore import now_utc

    return now_utc().isoformat()


def _ask(first_wave: str, known_at: str) -> dict:
    runtime, client = _runtime()
    token = runtime.tokens.create("fixture-auditor", "auditor")
    answers = questions.ask(client, token, first_wave, known_at)
    runtime.close()
    return answers


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
