"""`/v1/chain` answers from the last verified position; full verification is a job with
progress; signed checkpoints are listed page by page."""

from __future__ import annotations

from sqlalchemy import text

from shared.checkpointing import sign_head, signing_key
from shared.eventstore.audit import verified_head
from shared.messaging import start_worker
from tests.shared.helpers import note, tampering


def fill(runtime, n: int) -> None:
    for i in range(n):
        runtime.store.append([note("project-a", f"event {i}")])


def test_the_chain_status_walks_only_what_came_after_the_last_verified_position(
    client, tokens, runtime
):
    fill(runtime, 5)
    first = client.get("/v1/chain", headers=tokens["auditor"]).get_json()
    assert first["ok"] and (first["verified_from"], first["head_position"]) == (0, 5)
    fill(runtime, 2)
    second = client.get("/v1/chain", headers=tokens["auditor"]).get_json()
    assert second["ok"] and (second["verified_from"], second["head_position"]) == (5, 7)
    assert verified_head(runtime.store) == (7, runtime.store.head().hash)


def test_the_chain_status_reports_a_rollback_with_its_position_and_label(client, tokens, runtime):
    fill(runtime, 5)
    assert client.get("/v1/chain", headers=tokens["auditor"]).get_json()["ok"]
    with tampering(runtime.store.engine) as conn:
        conn.execute(text("DELETE FROM events WHERE global_position > 3"))
    status = client.get("/v1/chain", headers=tokens["auditor"]).get_json()
    assert (status["ok"], status["bad_position"], status["code"]) == (False, 4, "rolled_back")
    assert status["reason_label"] == "日志被回滚"


def test_the_chain_status_checks_the_latest_signed_checkpoint(client, tokens, runtime):
    fill(runtime, 4)
    signed = sign_head(runtime.store, signing_key(runtime.settings, create=True))
    status = client.get("/v1/chain", headers=tokens["auditor"]).get_json()
    assert status["ok"] and status["checkpoint"] == signed.to_dict()


def test_a_full_verification_runs_as_a_job_with_progress(client, tokens, runtime):
    fill(runtime, 3)
    worker = start_worker(runtime.broker, threads=1)
    try:
        response = client.post("/v1/chain/verifications", headers=tokens["office"])
        assert response.status_code == 202
        runtime.broker.join("registry", timeout=30_000)
    finally:
        worker.stop()
    job = client.get(response.headers["Location"], headers=tokens["office"]).get_json()
    assert (job["status"], job["verified"], job["total"]) == ("done", 3, 3)
    assert job["result"]["ok"] and job["result"]["head_position"] == 3


def test_signed_checkpoints_are_listed_in_pages_with_a_link_to_the_next(client, tokens, runtime):
    key = signing_key(runtime.settings, create=True)
    for _ in range(3):
        fill(runtime, 1)
        sign_head(runtime.store, key)
    first = client.get("/v1/checkpoints?limit=2", headers=tokens["auditor"])
    body = first.get_json()
    assert [c["position"] for c in body["checkpoints"]] == [1, 2]
    assert body["next_after"] == body["checkpoints"][-1]["sequence"]
    assert f"after={body['next_after']}" in first.headers["Link"]
    rest = client.get(f"/v1/checkpoints?after={body['next_after']}", headers=tokens["auditor"])
    assert [c["position"] for c in rest.get_json()["checkpoints"]] == [3]
    assert rest.get_json()["next_after"] is None and "Link" not in rest.headers
