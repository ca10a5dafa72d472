"""Every item of a batch stands alone: an item beyond the store's limits is rejected with
its field, a Chinese reason and a machine code, and the rest of the batch is stored —
the same on SQLite and PostgreSQL (docs/integration.md, "Limits")."""

from __future__ import annotations

import json

import pytest

from shared.eventstore import EventStore, InvalidEnvelope, NewEvent
from shared.eventstore.limits import MAX_PAYLOAD_DEPTH

from .conftest import item, register


def granted(approval_id: str, **address):
    address.setdefault("project_id", "p1")
    return item("ApprovalGranted", {"approval_id": approval_id, "kind": "eia"}, **address)


def only_first_rejected(response, field: str, code: str):
    assert response.status_code == 200, response.get_data(as_text=True)
    first, second = response.json["results"]
    assert (first["status"], second["status"]) == ("rejected", "accepted"), response.json
    assert field in first["errors"], first
    assert first["code"] == code, first
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first["errors"][field][0]), first
    return first


BAD_ITEMS = {
    "year one": (
        lambda: granted("a1", occurred_at="0001-01-01T00:00:00+08:00"),
        "occurred_at",
        "occurred_at_out_of_range",
    ),
    "the year 9999": (
        lambda: granted("a1", occurred_at="9999-12-31T23:59:59-08:00"),
        "occurred_at",
        "occurred_at_out_of_range",
    ),
    "a day in the future": (
        lambda: granted("a1", occurred_at="2099-01-01T00:00:00+08:00"),
        "occurred_at",
        "in_future",
    ),
    "NUL in actor": (lambda: dict(granted("a1"), actor="审批\x00员"), "actor", "nul_character"),
    "NUL in project_id": (
        lambda: granted("a1", project_id="p\x001"),
        "project_id",
        "nul_character",
    ),
    "NUL in a payload string": (
        lambda: item("ApprovalGranted", {"approval_id": "a\x001", "kind": "eia"}, project_id="p1"),
        "payload",
        "nul_character",
    ),
    "a lone surrogate in actor": (
        lambda: dict(granted("a1"), actor="\ud800"),
        "actor",
        "lone_surrogate",
    ),
    "a payload over 64 KiB": (
        lambda: item(
            "ApprovalGranted",
            {"approval_id": "a1", "kind": "eia", "document_no": "号" * 22000},
            project_id="p1",
        ),
        "payload",
        "too_large",
    ),
    "a causation_id of 101 characters": (
        lambda: dict(granted("a1"), causation_id="c" * 101),
        "causation_id",
        "invalid_item",
    ),
}


class TestOneBadItemNeverSinksTheBatch:
    @pytest.mark.parametrize("case", BAD_ITEMS, ids=list(BAD_ITEMS))
    def test_the_bad_item_is_rejected_with_field_and_code_and_the_rest_stored(
        self, client, office, integrator, runtime, case
    ):
        register(client, office)
        bad, field, code = BAD_ITEMS[case]
        body = json.dumps({"events": [bad(), granted("a2")]}, ensure_ascii=True).encode()
        only_first_rejected(integrator.post_raw(body), field, code)
        assert [e.type for e in runtime.store.read_stream("project-p1")][-1] == "ApprovalGranted"

    def test_a_payload_nested_deeper_than_the_limit_is_rejected_alone(
        self, client, office, integrator
    ):
        register(client, office)
        nested: dict = {}
        for _ in range(MAX_PAYLOAD_DEPTH + 1):
            nested = {"n": nested}
        deep = item("ApprovalGranted", {"approval_id": "a1", "kind": "eia", "x": nested})
        deep["project_id"] = "p1"
        deep.pop("national_code")
        first = only_first_rejected(integrator.post([deep, granted("a2")]), "payload", "too_deep")
        assert "16" in first["errors"]["payload"][0]

    def test_a_body_nested_100000_deep_is_a_400_problem_not_a_500(self, client, office, integrator):
        register(client, office)
        body = b'{"events":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
        response = integrator.post_raw(body)
        assert response.status_code == 400
        assert response.content_type == "application/problem+json"
        assert response.json["code"] == "body_too_deep"


class TestWebhookIds:
    def test_a_webhook_id_longer_than_the_causation_column_is_refused_on_every_backend(
        self, client, office, integrator
    ):
        register(client, office)
        response = integrator.post([granted("a1")], request_id="w" * 101)
        assert response.status_code == 400, response.json
        assert response.json["code"] == "too_long"
        assert integrator.post([granted("a1")], request_id="w" * 100).json["accepted"] == 1

    def test_ids_that_differ_after_200_characters_are_never_confused(
        self, client, office, integrator
    ):
        register(client, office)
        first = integrator.post([granted("a1")], request_id="w" * 200 + "1")
        second = integrator.post([granted("a2")], request_id="w" * 200 + "2")
        assert (first.status_code, second.status_code) == (400, 400)


class TestTheStoreKeepsTheSameLimits:
    def test_an_envelope_beyond_the_limits_is_refused_before_the_database(self, store: EventStore):
        from datetime import datetime

        for bad in (
            {"actor": "a\x00"},
            {"stream_id": "s" * 201},
            {"correlation_id": "c" * 101},
            {"occurred_at": datetime.fromisoformat("0001-01-01T00:00:00+08:00")},
        ):
            fields = {
                "stream_id": "project-p1",
                "type": "ProjectRetired",
                "payload": {"reason": "x"},
                "occurred_at": datetime.fromisoformat("2024-03-01T00:00:00+08:00"),
                **bad,
            }
            with pytest.raises(InvalidEnvelope):
                store.append([NewEvent(**fields)])
        assert store.head().position == 0

    def test_the_services_own_records_may_be_larger_than_an_integrations_event(self, engine):
        # A county's monthly plan with its sections passes 64 KiB at some 30 projects; the
        # store keeps up to 64 MiB, while ingest still refuses more than 64 KiB (above).
        from datetime import datetime

        plain = EventStore(engine)  # no catalogue: the envelope's limits alone
        big = {"items": ["项目" * 20] * 2000}
        plain.append(
            [
                NewEvent(
                    stream_id="dispatch-monthly-2026-11",
                    type="DispatchPlanned",
                    payload=big,
                    occurred_at=datetime.fromisoformat("2026-11-02T09:00:00+08:00"),
                )
            ]
        )
        assert len(plain.read_stream("dispatch-monthly-2026-11")[0].payload["items"]) == 2000
