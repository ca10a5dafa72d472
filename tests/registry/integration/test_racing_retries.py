"""Retries racing the original: the same signed batch (or the same ``If-Match`` append)
sent by four clients at once. Each event id is answered ``accepted`` exactly once and
``duplicate``, with its stored positions, to every other request; never ``rejected``."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from services.registry.wiring import RegistryParts

from .conftest import Integrator, item, post_event, register

CLIENTS = 4
ROUNDS = 6


def at_once(send: Callable[[Any], Any], app) -> list[Any]:
    """``send(client)`` from CLIENTS threads released together, each with its own client."""
    start = threading.Barrier(CLIENTS)
    answers: list[Any] = []

    def run() -> None:
        client = app.test_client()
        start.wait()
        answers.append(send(client))

    threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def round_batch(round_: int) -> list[dict[str, Any]]:
    month = f"2024-{round_ + 3:02d}"
    return [
        item("ApprovalRequested", {"approval_id": f"a{round_}", "kind": "eia"}),
        item("ApprovalGranted", {"approval_id": f"a{round_}", "kind": "eia"}),
        item("ApprovalGranted", {"approval_id": f"b{round_}", "kind": "land"}),
        item("InspectionCompleted", {"inspection_id": f"i{round_}", "result": "passed"}),
        item(
            "InvestmentReported",
            {"month": month, "amount": "100.00"},
            occurred_at=f"{month}-28T10:00:00+08:00",
            project_id="p1",
        ),
    ]


def test_a_batch_posted_by_four_clients_at_once_is_accepted_once_per_event(
    app, client, office, runtime
):
    register(client, office)
    secret = RegistryParts.of(runtime).integrations.create(
        "provincial-approvals",
        ["ApprovalGranted", "ApprovalRequested", "InvestmentReported", "InspectionCompleted"],
    )
    stored_before = len(runtime.store.read_stream("project-p1"))
    sent = 0
    for round_ in range(ROUNDS):
        batch = round_batch(round_)
        sent += len(batch)
        answers = at_once(
            lambda c, batch=batch: Integrator(c, "provincial-approvals", secret).post(batch), app
        )
        assert [a.status_code for a in answers] == [200] * CLIENTS
        results = [r for a in answers for r in a.json["results"]]
        statuses = Counter((r["event_id"], r["status"]) for r in results)
        for event in batch:
            assert statuses[(event["event_id"], "accepted")] == 1, (round_, results)
            assert statuses[(event["event_id"], "duplicate")] == CLIENTS - 1, (round_, results)
        positions = {
            event["event_id"]: {
                r["global_position"] for r in results if r["event_id"] == event["event_id"]
            }
            for event in batch
        }
        assert all(len(p) == 1 and None not in p for p in positions.values()), positions
    assert len(runtime.store.read_stream("project-p1")) == stored_before + sent


def test_an_if_match_append_sent_by_four_clients_at_once_is_stored_once(
    app, client, office, runtime
):
    register(client, office)
    for round_ in range(ROUNDS):
        version = len(runtime.store.read_stream("project-p1"))
        event_id = str(uuid.uuid4())
        answers = at_once(
            lambda c, round_=round_, event_id=event_id, version=version: post_event(
                c,
                {**office, "If-Match": f'"{version}"'},
                "p1",
                "InspectionCompleted",
                {"inspection_id": f"i{round_}", "result": "passed"},
                event_id=event_id,
            ),
            app,
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [200] * (CLIENTS - 1) + [201], [a.json for a in answers]
        assert {a.json["global_position"] for a in answers} != {None}
        assert len({a.json["global_position"] for a in answers}) == 1
        assert {a.json["stream_version"] for a in answers} == {version + 1}
    assert len(runtime.store.read_stream("project-p1")) == 1 + ROUNDS
