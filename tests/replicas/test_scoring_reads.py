"""Scoring's records on the read route: a routed read of assessments is the replica's (a
copy of the SQLite file stands in for one, taken after the first assessment), and a job or
assessment the replica has not got yet is read on the primary rather than a 404."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.engine import make_url

from services.composition import create_app, runtime_for
from services.scoring.application import assessments
from services.scoring.readmodel.records import Records
from shared.config import Settings


def _assess(runtime, as_of: str) -> str:  # type: ignore[no-untyped-def]
    from datetime import date

    records = Records(runtime.engine)
    request = assessments.request_for(
        runtime.store,
        2024,
        as_of=date.fromisoformat(as_of),
        known_at=None,
        rulebook_version=None,
        zone=runtime.settings.zone,
    )
    job, _ = assessments.submit(records, request)
    assessments.run(runtime.store, records, job["job_id"], runtime.settings.zone)
    return job["job_id"]


@pytest.fixture
def api(sqlite_url, tmp_path):
    runtime = runtime_for(Settings.from_env(database_url=sqlite_url, data_dir=tmp_path))
    first = _assess(runtime, "2024-06-30")
    token = runtime.tokens.create("office-1", "office")
    runtime.close()
    copy = tmp_path / "replica.db"
    shutil.copy(make_url(sqlite_url).database, copy)
    settings = Settings.from_env(
        database_url=sqlite_url, replica_url=f"sqlite:///{copy}", data_dir=tmp_path
    )
    runtime = runtime_for(settings)
    second = _assess(runtime, "2024-09-30")
    client = create_app(runtime).test_client()
    client.environ_base.update(HTTP_AUTHORIZATION=f"Bearer {token}")
    yield client, first, second
    runtime.close()


def test_the_list_of_assessments_is_the_replicas(api):
    client, first, second = api
    answer = client.get("/v1/assessments")
    assert answer.status_code == 200, answer.json
    assert answer.headers["Gongjian-Served-By"] == "replica"
    assert [a["assessment_id"] for a in answer.json["assessments"]] == [first]


def test_what_the_replica_has_not_got_is_read_on_the_primary(api):
    client, first, second = api
    job = client.get(f"/v1/assessments/jobs/{second}")
    assert job.status_code == 200 and job.json["status"] == "done"
    assert job.headers["Gongjian-Served-By"] == "replica"
    assert client.get(f"/v1/assessments/{first}").status_code == 200
