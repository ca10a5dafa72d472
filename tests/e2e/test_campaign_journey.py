"""The brief's journeys end to end over real HTTP: an approval system pushes a campaign
year, the office gets the board and a dispatch plan, runs the year-end assessment, and an
auditor compares a re-run after late reports and verifies an export offline."""

from __future__ import annotations

import json
import threading
import time

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from services.cli import main
from services.composition import create_app, runtime_for
from services.demo.push import Api
from services.demo.runner import DemoOptions, load_demo
from shared.checkpointing import signing_key
from shared.eventstore.signed import public_key_line
from shared.messaging import start_worker

YEAR = 2025


@pytest.fixture
def campaign(settings):
    runtime = runtime_for(settings)
    worker = start_worker(runtime.broker)
    server = make_server("127.0.0.1", 0, create_app(runtime), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = Api(f"http://127.0.0.1:{server.server_port}")
    loaded = load_demo(
        runtime, api.base_url, DemoOptions(projects=8, year=YEAR, seed=5), lambda _: None
    )
    assert loaded.rejected == []
    tokens = {
        role: runtime.tokens.create(f"{role}-e2e", role) for role in ("office", "auditor", "viewer")
    }
    yield runtime, api, tokens, loaded
    server.shutdown()
    worker.stop()
    runtime.close()


def call(api: Api, token: str, method: str, path: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    return api.call(method, path, data, {"Authorization": f"Bearer {token}"})


def wait_for_job(api: Api, token: str, job: dict) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, job = call(api, token, "GET", f"/v1/assessments/jobs/{job['job_id']}")
        assert status == 200
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"assessment job still {job['status']}")


def test_the_board_shows_every_project_with_a_status_and_reasons(campaign):
    runtime, api, tokens, _ = campaign
    status, board = call(api, tokens["viewer"], "GET", f"/v1/board?as_of={YEAR}-12-31")
    assert status == 200, board
    text = json.dumps(board, ensure_ascii=False)
    for n in range(1, 9):
        assert f"XM{YEAR}{n:03d}" in text
    assert any(colour in text for colour in ('"red"', '"yellow"'))


def test_a_monthly_plan_meets_on_the_first_working_day_and_is_stored_once(campaign):
    runtime, api, tokens, _ = campaign
    body = {"cadence": "monthly", "period": f"{YEAR}-10"}
    status, plan = call(api, tokens["office"], "POST", "/v1/plans", body)
    assert status == 201, plan
    # 1-7 October is the National Day holiday; 8 October 2025 is the first working day.
    assert f"{YEAR}-10-09" in json.dumps(plan) or f"{YEAR}-10-08" in json.dumps(plan)
    again_status, again = call(api, tokens["office"], "POST", "/v1/plans", body)
    assert again_status == 200 and again["digest"] == plan["digest"]
    status, agenda = api.call(
        "GET",
        f"/v1/plans/monthly/{YEAR}-10/agenda.md",
        None,
        {"Authorization": f"Bearer {tokens['viewer']}"},
    )
    assert status == 200


def test_a_re_run_after_late_reports_changes_only_what_they_touched(campaign):
    runtime, api, tokens, loaded = campaign
    december = {
        "year": YEAR,
        "as_of": f"{YEAR}-12-31",
        "known_at": loaded.first_wave_known_at.isoformat(),
    }
    status, job = call(api, tokens["office"], "POST", "/v1/assessments", december)
    assert status in (200, 202), job
    first = wait_for_job(api, tokens["auditor"], job)
    assert first["status"] == "done", first

    status, job = call(
        api, tokens["office"], "POST", "/v1/assessments", {"year": YEAR, "as_of": f"{YEAR}-12-31"}
    )
    second = wait_for_job(api, tokens["auditor"], job)
    assert second["status"] == "done", second

    status, diff = call(
        api,
        tokens["auditor"],
        "GET",
        f"/v1/assessments/{first['assessment_id']}/diff/{second['assessment_id']}",
    )
    assert status == 200, diff
    late_ids = {
        e.event_id for e in runtime.store.iter_all() if e.recorded_at > loaded.first_wave_known_at
    }
    changed = [line for project in diff["projects"] for line in project["lines"]]
    assert changed, "late reports changed some lines"
    for line in changed:
        causes = {e.get("event_id") for e in line["events_added"] + line["events_removed"]}
        assert causes & late_ids, line

    status, same = call(api, tokens["office"], "POST", "/v1/assessments", december)
    assert same["job_id"] == first["job_id"]
    status, published = call(
        api, tokens["auditor"], "GET", f"/v1/assessments/{first['assessment_id']}"
    )
    assert status == 200 and published["digest"]


def test_an_auditor_exports_the_log_and_verifies_it_offline(campaign, tmp_path):
    runtime, api, tokens, _ = campaign
    status, chain = call(api, tokens["auditor"], "GET", "/v1/chain")
    assert status == 200 and chain["ok"] is True
    import urllib.request

    request = urllib.request.Request(
        api.base_url + "/v1/export", headers={"Authorization": f"Bearer {tokens['auditor']}"}
    )
    with urllib.request.urlopen(request) as response:
        (tmp_path / "log.ndjson").write_bytes(response.read())
    # The office hands the auditor its public key; the auditor verifies on their own machine.
    keys = tmp_path / "gongjian-public.keys"
    keys.write_text(public_key_line(signing_key(runtime.settings).public) + "\n")
    result = CliRunner().invoke(
        main, ["verify", "--file", str(tmp_path / "log.ndjson"), "--public-keys", str(keys)]
    )
    assert result.exit_code == 0, result.output
    assert f"链头位置 {chain['head_position']}，" in result.output
