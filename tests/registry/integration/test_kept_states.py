"""The states a process keeps of the projects it wrote, taken as they stand by its next
write (the append's probe checks every stream's version under the log's lock): no events
read before the append, a stream another process wrote decided again at once and read
anew from then on, refusals alone never answered on a state not checked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.registry.application.handlers import Registry
from services.registry.application.submissions import Submission
from services.registry.readmodel import streams as streams_module
from tests.registry.unit.builders import registration

from .test_stored_meanwhile import inspections, with_two_projects

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def registry(store):
    return with_two_projects(store)


@pytest.fixture
def reads(store, monkeypatch) -> list[dict[str, int]]:
    """The streams (→ the version after which) each catch-up read asked for."""
    asked: list[dict[str, int]] = []
    read = type(store).read_streams

    def spy(self, after_versions, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(dict(after_versions))
        return read(self, after_versions, **kwargs)

    monkeypatch.setattr(type(store), "read_streams", spy)
    return asked


def test_a_batch_on_states_kept_here_reads_no_events_before_its_append(registry, reads):
    """The client keeps its connection to this process: the states it kept after its
    last batch are taken as they stand, for the append's probe to check."""
    assert [o.status for o in registry.submit_batch(inspections("p1", 0))] == ["accepted"] * 20
    reads.clear()
    outcomes = registry.submit_batch(inspections("p1", 20))
    assert [o.stream_version for o in outcomes] == list(range(22, 42))
    assert reads == []


def test_a_stream_another_process_wrote_is_decided_again_and_read_anew_from_then_on(store, reads):
    first, second = Registry(store), Registry(store)
    first.submit(
        Submission(str(uuid.uuid4()), "ProjectRegistered", START, registration("p1"), "p1")
    )
    second.submit_batch(inspections("p1", 0, 5))  # first's kept state is now behind
    outcomes = first.submit_batch(inspections("p1", 5))
    assert [o.stream_version for o in outcomes] == list(range(7, 27))
    assert not first.latest.alone("project-p1")
    second.submit_batch(inspections("p1", 25, 5))
    reads.clear()
    outcomes = first.submit_batch(inspections("p1", 30))
    assert [o.stream_version for o in outcomes] == list(range(32, 52))
    assert reads == [{"project-p1": 26}]  # read anew before deciding: no refused append
    assert first.state("p1").version == 51
    assert len(first.state("p1").inspections) == 50


def test_refusals_alone_are_not_answered_on_a_kept_state_another_process_overtook(store):
    """No append checks a batch whose every item is refused: it is decided again on
    states read anew before it is answered."""
    first, second = Registry(store), Registry(store)
    first.submit(
        Submission(str(uuid.uuid4()), "ProjectRegistered", START, registration("p1"), "p1")
    )
    planned = {
        "milestone_id": "m1",
        "name": "主体结构封顶",
        "due": "2024-06-30",
        "kind": "progress",
    }
    second.submit(Submission(str(uuid.uuid4()), "MilestonePlanned", START, planned, "p1"))
    done = Submission(
        str(uuid.uuid4()), "MilestoneCompleted", START, {"milestone_id": "m1", "note": "按期"}, "p1"
    )
    (outcome,) = first.submit_batch([done])
    assert outcome.status == "accepted", outcome.error
    assert outcome.stream_version == 3


def test_after_a_stream_was_found_overtaken_every_state_is_read_anew_for_a_while(
    store, registry, reads, monkeypatch
):
    """Where requests go to any process, most kept states are behind: after one refused
    append, the next `WARY_WRITES` writes read every kept state anew."""
    monkeypatch.setattr(streams_module, "WARY_WRITES", 2)
    first, second = registry, Registry(store)  # first registered p1 and p2
    second.submit_batch(inspections("p1", 0, 5))
    first.submit_batch(inspections("p1", 5))  # refused once: p1 overtaken
    reads.clear()
    for first_hour in (100, 200, 300):
        first.submit_batch(inspections("p2", first_hour))
    assert [list(r) for r in reads] == [["project-p2"], ["project-p2"]]  # then as kept
    assert first.latest.alone("project-p2") and not first.latest.alone("project-p1")
