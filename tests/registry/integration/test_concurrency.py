"""Concurrent writers to one project: each event stored once, versions without gaps."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.registry.application.handlers import Registry
from services.registry.application.submissions import Submission
from services.registry.domain import RuleViolation
from tests.registry.unit.builders import registration

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_concurrent_batches_for_one_project_are_all_stored_once(store):
    registry = Registry(store)
    registry.submit(
        Submission(str(uuid.uuid4()), "ProjectRegistered", START, registration("p1"), "p1")
    )
    batches = [
        [
            Submission(
                str(uuid.uuid4()),
                "InspectionCompleted",
                START + timedelta(hours=t * 100 + i),
                {"inspection_id": f"t{t}-{i}", "result": "passed"},
                "p1",
            )
            for i in range(20)
        ]
        for t in range(4)
    ]
    outcomes: list = []

    def send(batch):
        outcomes.extend(registry.submit_batch(batch))

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.status for o in outcomes) == ["accepted"] * 80
    versions = [e.stream_version for e in store.read_stream("project-p1")]
    assert versions == list(range(1, 82))
    assert len(registry.state("p1").inspections) == 80


def test_a_process_whose_cached_state_is_overtaken_catches_up_before_deciding(store):
    first, second = Registry(store), Registry(store)
    first.submit(
        Submission(str(uuid.uuid4()), "ProjectRegistered", START, registration("p1"), "p1")
    )
    report = {"month": "2024-01", "amount": "5.00"}
    second.submit(Submission(str(uuid.uuid4()), "InvestmentReported", START, report, "p1"))
    with pytest.raises(RuleViolation) as caught:
        first.submit(Submission(str(uuid.uuid4()), "InvestmentReported", START, report, "p1"))
    assert caught.value.field == "month"
    first.submit(Submission(str(uuid.uuid4()), "ConstructionStarted", START, {}, "p1"))
    assert second.state("p1").phase == "started"


def test_two_concurrent_registrations_of_one_national_code_store_one(store):
    registry = Registry(store)
    outcomes: list = []

    def register(project_id):
        outcomes.extend(
            registry.submit_batch(
                [
                    Submission(
                        str(uuid.uuid4()),
                        "ProjectRegistered",
                        START,
                        registration(project_id),
                        project_id,
                    )
                ]
            )
        )

    threads = [threading.Thread(target=register, args=(f"p{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.status for o in outcomes) == ["accepted", "rejected", "rejected", "rejected"]
    assert {next(iter(o.errors)) for o in outcomes if o.status == "rejected"} == {"national_code"}


def test_a_kept_state_is_brought_up_to_date_from_the_events_after_it(store):
    """`ProjectStreams.load` with ``latest`` (a state kept while another request of the
    same process wrote the project) folds only the events after it."""
    first, second = Registry(store), Registry(store)
    first.submit(
        Submission(str(uuid.uuid4()), "ProjectRegistered", START, registration("p1"), "p1")
    )
    kept = first.state("p1")
    second.submit(Submission(str(uuid.uuid4()), "ConstructionStarted", START, {}, "p1"))
    current = first.streams.load("p1", "project-p1", latest=kept)
    assert current is kept
    assert (current.version, current.phase) == (2, "started")


def test_a_national_code_known_here_is_confirmed_on_the_project_before_it_is_used(store):
    """A process remembers which project a national code named; another process then
    corrects the registration to a new code and registers another project under the
    old one. Events addressed by the old code go to the project that holds it now."""
    first, second = Registry(store), Registry(store)
    old, new = "2403-330000-04-01-000001", "2403-330000-04-01-000009"
    registered = str(uuid.uuid4())
    first.submit(
        Submission(registered, "ProjectRegistered", START, registration("p1", national_code=old))
    )

    def inspection(n: int) -> Submission:
        payload = {"inspection_id": f"i{n}", "result": "passed"}
        when = START + timedelta(hours=n)
        return Submission(
            str(uuid.uuid4()), "InspectionCompleted", when, payload, national_code=old
        )

    assert first.submit(inspection(1)).project_id == "p1"  # the code is now known here
    moved = {
        "corrected_event_id": registered,
        "reason": "复核",
        "payload": registration("p1", national_code=new),
    }
    second.submit(Submission(str(uuid.uuid4()), "EventCorrected", START, moved, "p1"))
    with pytest.raises(RuleViolation) as caught:
        first.submit(inspection(2))
    assert caught.value.code == "unknown_national_code"
    second.submit(
        Submission(
            str(uuid.uuid4()), "ProjectRegistered", START, registration("p2", national_code=old)
        )
    )
    assert first.submit(inspection(3)).project_id == "p2"
    assert len(first.state("p1").inspections) == 1
