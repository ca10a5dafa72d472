"""A store written by the release before issue 10 upgrades in place and answers as it did.

The fixture (``release_aefae27/``) was written by that release with
``make_release_fixture.py``: five demo projects, three plans, a closed action and two
assessments on SQLite, with that release's answers to the as-of questions in
``answers.json``. Here the code under test migrates a copy, verifies the chain, answers the
same questions, and recomputes the plans and assessments from the log.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.composition import create_app, runtime_for
from shared.config import Settings

from . import questions

RELEASE = Path(__file__).parent / "release_aefae27"
EXPECTED = json.loads((RELEASE / "answers.json").read_text(encoding="utf-8"))


@pytest.fixture
def upgraded(tmp_path, monkeypatch):
    """The release's store, copied and migrated by ``gongjian db upgrade``."""
    database = tmp_path / "gongjian.db"
    with gzip.open(RELEASE / "store.sqlite.gz", "rb") as packed, database.open("wb") as raw:
        shutil.copyfileobj(packed, raw)
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GONGJIAN_REDIS_URL", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return Settings.from_env()


def gongjian(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def api(upgraded):
    runtime = runtime_for(upgraded)
    client = create_app(runtime).test_client()
    yield client, runtime.tokens.create("upgrade-office", "office")
    runtime.close()


def test_the_upgraded_store_verifies_with_the_same_chain_head(upgraded):
    result = gongjian("verify")
    assert result.exit_code == 0, result.output
    chain = EXPECTED["answers"]["chain"]
    assert f"链头位置 {chain['head_position']}，链头哈希 {chain['head_hash']}" in result.output


def test_the_upgraded_store_answers_the_as_of_questions_as_its_release_did(api):
    client, token = api
    answers = questions.ask(client, token, EXPECTED["first_wave_known_at"], EXPECTED["known_at"])
    assert sorted(answers) == sorted(EXPECTED["answers"])
    assert questions.differences(EXPECTED["answers"], answers) == []


def test_the_assessments_recomputed_from_the_upgraded_log_keep_their_digests(upgraded):
    assessments = [key.split()[1] for key in EXPECTED["answers"] if key.startswith("assessment ")]
    assert len(assessments) == 2
    for assessment_id in assessments:
        result = gongjian("assessment", "verify", assessment_id)
        assert result.exit_code == 0, result.output
        digest = EXPECTED["answers"][f"assessment {assessment_id}"]["digest"]
        assert f"重算摘要 {digest}" in result.output


def test_the_plans_remade_as_known_then_keep_their_digests_and_write_nothing(api):
    client, token = api
    headers = {"Authorization": f"Bearer {token}"}
    for cadence, period in questions.PLANS:
        stored = EXPECTED["answers"][f"plan {cadence} {period}"]
        body = {"cadence": cadence, "period": period, "known_at": stored["known_at"]}
        response = client.post("/v1/plans", json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        remade = response.get_json()
        assert (remade["version"], remade["digest"]) == (stored["version"], stored["digest"])
