"""`gongjian assessment verify` and the API's verification job recompute a stored
assessment from the log and name the first difference; reading an assessment checks its
digest and refuses one that fails. The auditor's case: a stored total edited in the
database (→ 94.50) passes neither."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from services.cli import main
from services.composition import create_app
from services.scoring.application import verification
from shared.messaging import start_worker
from tests.scoring.builders import ZONE
from tests.scoring.integration.test_assessment_jobs import county, request, run


@pytest.fixture
def assessed(runtime, records, history):
    """A stored assessment of the county, and p3's stored total."""
    county(history)
    record = run(runtime, records, request())
    p3 = next(p for p in record["result"]["projects"] if p["project_id"] == "p3")
    return record["assessment_id"], p3


def edit_total(runtime, p3: dict, to: str) -> None:
    """What someone with database access could do: change one total in the stored text."""
    before = f'"project_id":"p3","rank":{p3["rank"]},"total":"{p3["total"]}"'
    after = f'"project_id":"p3","rank":{p3["rank"]},"total":"{to}"'
    with runtime.engine.begin() as conn:
        changed = conn.execute(
            text("UPDATE scoring_assessments SET result = replace(result, :a, :b)"),
            {"a": before, "b": after},
        )
    assert changed.rowcount == 1


def office(runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}


def test_an_untouched_assessment_verifies_line_by_line(runtime, records, assessed):
    assessment_id, _ = assessed
    outcome = verification.verify(runtime.store, records, assessment_id, ZONE)
    assert outcome.ok and outcome.stored_digest == outcome.recomputed_digest


def test_an_edited_stored_total_is_named_by_verify_and_refused_when_read(
    runtime, records, assessed
):
    assessment_id, p3 = assessed
    assert p3["total"] != "94.50"
    edit_total(runtime, p3, "94.50")
    outcome = verification.verify(runtime.store, records, assessment_id, ZONE)
    assert not outcome.ok
    assert outcome.difference.path == "projects[p3].total"
    assert (outcome.difference.stored, outcome.difference.recomputed) == ("94.50", p3["total"])
    client, headers = create_app(runtime).test_client(), office(runtime)
    for path in ("", "/projects/p3", "/report.html"):
        response = client.get(f"/v1/assessments/{assessment_id}{path}", headers=headers)
        assert response.status_code == 409, path
        assert response.content_type == "application/problem+json"
        assert response.json["type"].endswith("assessment-altered")
        assert response.json["assessment_id"] == assessment_id


def test_the_command_names_the_first_difference_and_exits_non_zero(
    runtime, records, assessed, settings, monkeypatch
):
    assessment_id, p3 = assessed
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(settings.data_dir))
    clean = CliRunner().invoke(main, ["assessment", "verify"])
    assert clean.exit_code == 0 and "重算结果与存档一致" in clean.output
    edit_total(runtime, p3, "94.50")
    result = CliRunner().invoke(main, ["assessment", "verify"])
    assert result.exit_code == 1
    assert f"projects[p3].total 不一致：存档 94.50，重算 {p3['total']}" in result.output


def test_the_api_verification_job_names_the_first_difference(runtime, records, assessed):
    assessment_id, p3 = assessed
    edit_total(runtime, p3, "94.50")
    client, headers = create_app(runtime).test_client(), office(runtime)
    worker = start_worker(runtime.broker, threads=1)
    try:
        started = client.post(f"/v1/assessments/{assessment_id}/verifications", headers=headers)
        assert started.status_code == 202, started.json
        runtime.broker.join("scoring")
    finally:
        worker.stop()
    job = client.get(started.headers["Location"], headers=headers).json
    assert job["status"] == "done" and job["ok"] is False
    assert job["difference"].startswith("projects[p3].total 不一致：存档 94.50")
    missing = client.post("/v1/assessments/nope/verifications", headers=headers)
    assert missing.status_code == 404
