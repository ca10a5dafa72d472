"""Signed ingest when the integration is kept in the serving process: a change made by
another process (the CLI, another worker) still refuses or admits the next request, and
the request id is kept in the transaction that stores the batch."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest

from services.composition import runtime_for
from services.registry.application.signing import sign
from services.registry.wiring import RegistryParts

from .conftest import item, register


@pytest.fixture
def elsewhere(settings):
    """The same database seen from another process: its own integrations, read anew."""
    other = runtime_for(settings)
    yield RegistryParts.of(other).integrations
    other.close()


def stored(runtime, project_id="p1"):
    return runtime.store.read_stream(f"project-{project_id}")


def approval(**extra):
    """An event the project takes any number of times (an approval asked for)."""
    asked = {"approval_id": f"a-{uuid.uuid4().hex[:8]}", "kind": "eia"}
    return item("ApprovalRequested", asked, project_id="p1", **extra)


class TestChangesMadeElsewhere:
    @pytest.mark.parametrize("size", [1, 20])
    def test_an_integration_disabled_elsewhere_is_refused_and_nothing_is_stored(
        self, client, office, integrator, runtime, elsewhere, size
    ):
        """Found when its request id is written: by a statement of its own before a few
        events, or in the message that appends a batch by COPY (PostgreSQL)."""
        register(client, office)
        assert integrator.post([approval()]).status_code == 200  # now known here
        elsewhere.disable("provincial-approvals")
        refused = integrator.post([approval() for _ in range(size)])
        assert refused.status_code == 401, refused.json
        assert "在用接入系统" in refused.json["detail"]  # read again: it is no longer in use
        assert len(stored(runtime)) == 2

    def test_a_secret_retired_elsewhere_is_refused(
        self, client, office, integrator, runtime, elsewhere
    ):
        register(client, office)
        assert integrator.post([approval()]).status_code == 200
        new_secret = elsewhere.rotate("provincial-approvals")
        assert new_secret is not None
        elsewhere.rotate("provincial-approvals", retire_old=True)
        assert integrator.post([approval()]).status_code == 401
        assert integrator.post([approval()], secret=new_secret).status_code == 200
        assert len(stored(runtime)) == 3

    def test_a_secret_added_elsewhere_passes_at_once(
        self, client, office, integrator, runtime, elsewhere
    ):
        register(client, office)
        assert integrator.post([approval()]).status_code == 200
        new_secret = elsewhere.rotate("provincial-approvals")
        assert integrator.post([approval()], secret=new_secret).status_code == 200

    def test_a_request_signed_with_both_secrets_passes_after_the_old_is_retired_elsewhere(
        self, client, office, integrator, runtime, elsewhere
    ):
        register(client, office)
        assert integrator.post([approval()]).status_code == 200  # the old secret, known here
        new_secret = elsewhere.rotate("provincial-approvals")
        elsewhere.rotate("provincial-approvals", retire_old=True)
        body = json.dumps({"events": [approval()]}).encode()
        request_id, stamp = f"req_{uuid.uuid4().hex}", int(time.time())
        both = " ".join(
            sign(secret, request_id, stamp, body) for secret in (integrator.secret, new_secret)
        )
        response = client.post(
            "/v1/ingest",
            data=body,
            headers={
                "content-type": "application/json",
                "webhook-id": request_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": both,
                "gongjian-integration": integrator.name,
            },
        )
        assert response.status_code == 200, response.json
        assert response.json["accepted"] == 1

    def test_an_integration_enabled_again_elsewhere_is_admitted(
        self, client, office, integrator, runtime, elsewhere
    ):
        register(client, office)
        elsewhere.disable("provincial-approvals")
        assert integrator.post([approval()]).status_code == 401
        elsewhere.enable("provincial-approvals")
        assert integrator.post([approval()]).status_code == 200


class TestTheRequestIdIsSpent:
    def test_by_a_batch_whose_items_are_all_rejected(self, client, office, integrator, runtime):
        register(client, office)
        bad = [item("InvestmentReported", {"month": "2024-02", "amount": -3}, project_id="p1")]
        first = integrator.post(bad, request_id="req-bad")
        assert first.status_code == 200 and first.json["rejected"] == 1
        replay = integrator.post(bad, request_id="req-bad")
        assert replay.status_code == 401 and "已收到过" in replay.json["detail"]

    def test_by_a_batch_that_is_not_a_list_of_events(self, client, integrator):
        body = json.dumps({"events": "none"}).encode()
        assert integrator.post_raw(body, request_id="req-422").status_code == 422
        replay = integrator.post_raw(body, request_id="req-422")
        assert replay.status_code == 401 and "已收到过" in replay.json["detail"]

    def test_by_a_batch_of_duplicates_only(self, client, office, integrator, runtime):
        register(client, office)
        batch = [approval()]
        assert integrator.post(batch).json["accepted"] == 1
        again = integrator.post(batch, request_id="req-dup")
        assert again.json["duplicates"] == 1
        assert integrator.post(batch, request_id="req-dup").status_code == 401


@pytest.mark.parametrize("size", [1, 20])
def test_a_request_sent_twice_at_once_is_stored_once_and_refused_once(
    client, office, integrator, runtime, app, size
):
    register(client, office)
    body = json.dumps({"events": [approval() for _ in range(size)]}).encode()
    request_id, stamp = f"req_{uuid.uuid4().hex}", int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": request_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(integrator.secret, request_id, stamp, body),
        "gongjian-integration": integrator.name,
    }
    answers: list[int] = []
    start = threading.Barrier(2)

    def send() -> None:
        with app.test_client() as own:
            start.wait()
            answers.append(own.post("/v1/ingest", data=body, headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 401]
    assert len(stored(runtime)) == 1 + size


def test_a_batch_partly_stored_answers_the_stored_events_as_duplicates(
    client, office, integrator, runtime
):
    """The first attempt does not look the ids up: the store finds the stored one and
    the batch is decided again, answering it with its stored position."""
    register(client, office)
    first = approval()
    before = integrator.post([first]).json["results"][0]
    later = approval()
    response = integrator.post([later, first]).json
    assert [r["status"] for r in response["results"]] == ["accepted", "duplicate"]
    assert response["results"][1]["global_position"] == before["global_position"]
    assert [e.event_id for e in stored(runtime)][1:] == [first["event_id"], later["event_id"]]
