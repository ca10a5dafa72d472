"""``POST /v1/ingest``: signed batches with duplicates, conflicts and bad items mixed."""

from __future__ import annotations

import json
import time
import uuid

from services.registry.wiring import RegistryParts

from .conftest import Integrator, item, post_event, register


def stored_events(runtime, project_id="p1"):
    return runtime.store.read_stream(f"project-{project_id}")


class TestBatches:
    def test_a_mixed_batch_answers_item_by_item_and_stores_each_event_once(
        self, client, office, integrator, runtime
    ):
        register(client, office)
        earlier = item("ApprovalRequested", {"approval_id": "a1", "kind": "eia"})
        assert integrator.post([earlier]).json["accepted"] == 1
        granted = item("ApprovalGranted", {"approval_id": "a1", "kind": "eia"})
        batch = [
            granted,
            earlier,  # re-sent: a duplicate
            dict(earlier, payload={"approval_id": "a1", "kind": "land"}),  # same id, new content
            item("InvestmentReported", {"month": "2024-02", "amount": -3}),  # bad payload
            {"event_id": "not-a-uuid", "type": "ApprovalGranted"},  # malformed
            item("ConstructionStarted", {}),  # not allowed for this integration
            item("ApprovalGranted", {"approval_id": "a9", "kind": "eia"}, project_id="ghost"),
            item("InvestmentReported", {"month": "2024-02", "amount": "1000.00"}, project_id="p1"),
            granted,  # the same event twice in one batch
        ]
        response = integrator.post(batch)
        assert response.status_code == 200, response.json
        statuses = [r["status"] for r in response.json["results"]]
        assert statuses == [
            "accepted",
            "duplicate",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "accepted",
            "duplicate",
        ]
        results = response.json["results"]
        assert "event_id" in results[2]["errors"]
        assert "payload" in results[3]["errors"]
        assert set(results[4]["errors"]) >= {"event_id", "occurred_at", "payload"}
        assert "type" in results[5]["errors"]
        assert "project_id" in results[6]["errors"]
        assert results[8]["global_position"] == results[0]["global_position"]
        assert [e.type for e in stored_events(runtime)] == [
            "ProjectRegistered",
            "ApprovalRequested",
            "ApprovalGranted",
            "InvestmentReported",
        ]

    def test_a_retried_batch_is_acknowledged_with_the_stored_positions(
        self, client, office, integrator, runtime
    ):
        register(client, office)
        batch = [
            item("ApprovalRequested", {"approval_id": "a1", "kind": "eia"}),
            item("ApprovalGranted", {"approval_id": "a1", "kind": "eia"}),
        ]
        first = integrator.post(batch).json
        retry = integrator.post(batch).json  # a new request id, as after a timeout
        assert [r["status"] for r in retry["results"]] == ["duplicate", "duplicate"]
        assert [r["global_position"] for r in retry["results"]] == [
            r["global_position"] for r in first["results"]
        ]
        assert len(stored_events(runtime)) == 3

    def test_a_rule_violation_names_the_field_and_spares_the_rest(self, client, office, integrator):
        register(client, office)
        response = integrator.post(
            [
                item("InvestmentReported", {"month": "2024-02", "amount": "1.00"}),
                item("InvestmentReported", {"month": "2024-02", "amount": "2.00"}),
                item("InvestmentReported", {"month": "2024-03", "amount": "3.00"}),
            ]
        ).json
        assert [r["status"] for r in response["results"]] == ["accepted", "rejected", "accepted"]
        assert "month" in response["results"][1]["errors"]

    def test_events_carry_the_integration_as_source(self, client, office, integrator, runtime):
        register(client, office)
        integrator.post([item("ApprovalGranted", {"approval_id": "a1", "kind": "eia"})])
        event = stored_events(runtime)[-1]
        assert (event.source, event.actor) == ("provincial-approvals", "provincial-approvals")

    def test_an_integration_corrects_only_its_own_events(self, client, office, integrator, runtime):
        register(client, office)
        by_office = post_event(
            client, office, "p1", "InvestmentReported", {"month": "2024-02", "amount": "1.00"}
        )
        own = integrator.post([item("InvestmentReported", {"month": "2024-03", "amount": "1.00"})])
        corrections = [
            item(
                "EventCorrected",
                {
                    "corrected_event_id": target,
                    "payload": {"month": month, "amount": "9.00"},
                    "reason": "复核",
                },
            )
            for target, month in (
                (by_office.json["event_id"], "2024-02"),
                (own.json["results"][0]["event_id"], "2024-03"),
            )
        ]
        results = integrator.post(corrections).json["results"]
        assert [r["status"] for r in results] == ["rejected", "accepted"]
        assert "corrected_event_id" in results[0]["errors"]

    def test_the_batch_itself_must_be_a_list_of_events(self, integrator):
        for body in (b'{"events": []}', b'{"events": "x"}', b"[1, 2]"):
            response = integrator.post_raw(body)
            assert response.status_code == 422, body
            assert response.content_type == "application/problem+json"
            assert "批次无效" in response.json["detail"]
        broken = integrator.post_raw(b'{"events": [')
        assert broken.status_code == 400


class TestSignatures:
    def test_a_wrong_secret_is_refused(self, client, office, integrator):
        response = integrator.post([], secret="whsec_" + "QUJD" * 8)
        assert response.status_code == 401
        assert "都不匹配" in response.json["detail"]

    def test_a_stale_timestamp_is_refused(self, integrator):
        response = integrator.post([], timestamp=int(time.time()) - 600)
        assert response.status_code == 401 and "webhook-timestamp" in response.json["detail"]

    def test_a_replayed_request_id_is_refused(self, client, office, integrator, runtime):
        register(client, office)
        batch = [item("ApprovalGranted", {"approval_id": "a1", "kind": "eia"})]
        assert integrator.post(batch, request_id="req-1").status_code == 200
        replay = integrator.post(batch, request_id="req-1")
        assert replay.status_code == 401 and "已收到过" in replay.json["detail"]
        assert len(stored_events(runtime)) == 2

    def test_a_rotated_secret_and_the_old_one_both_pass_until_the_old_is_retired(
        self, client, office, integrator, runtime
    ):
        register(client, office)
        integrations = RegistryParts.of(runtime).integrations
        new_secret = integrations.rotate("provincial-approvals")
        granted = [item("ApprovalGranted", {"approval_id": "a1", "kind": "eia"})]
        assert integrator.post(granted).status_code == 200
        assert integrator.post(granted, secret=new_secret).status_code == 200
        integrations.rotate("provincial-approvals", retire_old=True)
        assert integrator.post(granted).status_code == 401
        assert integrator.post(granted, secret=new_secret).status_code == 200

    def test_an_unknown_integration_is_refused(self, client, integrator):
        stranger = Integrator(client, "nobody", integrator.secret)
        assert stranger.post([]).status_code == 401

    def test_a_changed_body_is_refused(self, client, integrator):
        body = json.dumps({"events": [item("ApprovalGranted", {})]}).encode()
        request_id, stamp = f"req_{uuid.uuid4().hex}", int(time.time())
        from services.registry.application.signing import sign

        headers = {
            "content-type": "application/json",
            "webhook-id": request_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(integrator.secret, request_id, stamp, body),
            "gongjian-integration": integrator.name,
        }
        response = client.post("/v1/ingest", data=body + b" ", headers=headers)
        assert response.status_code == 401


def test_an_oversized_batch_is_413(settings):
    import dataclasses

    from services.composition import create_app, runtime_for

    runtime = runtime_for(dataclasses.replace(settings, max_body_bytes=4000))
    try:
        client = create_app(runtime, ("registry",)).test_client()
        secret = RegistryParts.of(runtime).integrations.create("big", ["InvestmentReported"])
        events = [item("InvestmentReported", {"month": "2024-02", "amount": "1.00"})] * 40
        response = Integrator(client, "big", secret).post(events)
        assert response.status_code == 413
        assert response.content_type == "application/problem+json"
    finally:
        runtime.close()
