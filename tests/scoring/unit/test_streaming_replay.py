"""The replay fed stream by stream, each project's facts scored and dropped when its
stream ends (`Replay.settle`), gives the result it gives fed in global order: same
scores, evidence, ranks and roll-ups, to the byte (so the same digest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.scoring.application.rulebooks import default_rulebook
from services.scoring.domain.counties import CountySplit
from services.scoring.domain.replay import FedAfterSettled, Replay
from shared.eventstore.canonical import Canonical, canonical_json, canonical_json_bytes
from shared.history import Amendments
from tests.scoring.builders import ZONE, Log, registration

YEAR_END = datetime(2024, 12, 31, 15, 59, 59, 999999, tzinfo=UTC)


def interleaved_log() -> Log:
    """Four projects (one of another year) written turn by turn, with corrections, a
    retraction and a correction that does not fit its event."""
    log = Log()
    ids = ["p3", "p1", "p4", "p2"]
    for n, pid in enumerate(ids):
        year = 2023 if pid == "p4" else 2024
        unit = "Unit A" if n % 2 else "Unit B"
        log.add(
            pid, "ProjectRegistered", registration(pid, year=year, lead_unit=unit), "2024-02-01"
        )
    kept: dict[str, list[str]] = {pid: [] for pid in ids}
    for month in range(1, 13):
        for pid in ids:
            amount = f"{100000 + 1000 * month:.2f}"
            day = f"2024-{month:02d}-25"
            kept[pid].append(
                log.add(pid, "InvestmentReported", {"month": day[:7], "amount": amount}, day)
            )
            if month % 3 == 0:
                due = f"2024-{month:02d}-20"
                log.add(
                    pid,
                    "MilestonePlanned",
                    {"milestone_id": f"m{month}", "name": "节点", "due": due, "kind": "progress"},
                    f"2024-{month:02d}-01",
                )
                if pid != "p2":
                    log.add(
                        pid, "MilestoneCompleted", {"milestone_id": f"m{month}", "note": ""}, day
                    )
    log.add("p1", "ProjectCommissioned", {"note": ""}, "2024-11-20")
    log.add("p3", "ConstructionStarted", {"note": ""}, "2024-04-02")
    log.correct("p1", kept["p1"][3], {"month": "2024-04", "amount": "900000.00"})
    log.retract("p3", kept["p3"][5])
    log.correct("p2", kept["p2"][0], {"month": "not a month"})  # does not fit: as recorded
    return log


def fed(events, log: Log, *, by_stream: bool, compact: bool = False) -> dict:
    rulebook = default_rulebook()
    replay = Replay(2024, YEAR_END, ZONE, Amendments(log.events), compact=compact)
    stream = ""
    for event in events:
        if by_stream and event.stream_id != stream:
            replay.settle(rulebook)
            assert len(replay.projects) == 0
            stream = event.stream_id
        replay.feed(event)
        assert len(replay.projects) <= (1 if by_stream else 4)
    return replay.result(rulebook)


def test_stream_by_stream_gives_the_global_orders_result_to_the_byte():
    log = interleaved_log()
    in_order = fed(log.events, log, by_stream=False)
    by_stream = sorted(log.events, key=lambda e: (e.stream_id, e.global_position))
    streamed = fed(by_stream, log, by_stream=True)
    assert canonical_json(streamed) == canonical_json(in_order)
    assert [p["project_id"] for p in streamed["projects"]] == ["p1", "p2", "p3"]
    assert streamed["events_replayed"] == len(log.events)
    # The streams in another order (a database's collation), each in version order:
    backwards = sorted(log.events, key=lambda e: e.stream_id, reverse=True)  # stable
    assert canonical_json(fed(backwards, log, by_stream=True)) == canonical_json(in_order)


def test_scores_kept_compactly_are_written_as_the_same_text():
    """What the assessment job keeps (`compact`): each settled score as its canonical JSON
    and its figures; ranks and roll-ups added after it are written into it."""
    log = interleaved_log()
    in_order = fed(log.events, log, by_stream=False)
    by_stream = sorted(log.events, key=lambda e: (e.stream_id, e.global_position))
    compact = fed(by_stream, log, by_stream=True, compact=True)
    assert all(isinstance(p, Canonical) for p in compact["projects"])
    assert canonical_json_bytes(compact) == canonical_json(in_order).encode()
    assert [json.loads(p)["rank"] for p in compact["projects"]] == [
        p["rank"] for p in in_order["projects"]
    ]


def test_an_event_after_its_project_was_settled_is_refused():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-02-01")
    late = log.add("p1", "ConstructionStarted", {"note": ""}, "2024-03-01")
    replay = Replay(2024, YEAR_END, ZONE, Amendments(log.events))
    replay.feed(log.events[0])
    replay.settle(default_rulebook())
    assert set(replay.scored) == {"p1"} and not replay.projects
    with pytest.raises(FedAfterSettled):
        replay.feed(next(e for e in log.events if e.event_id == late))
    with pytest.raises(ValueError):
        replay.settle(default_rulebook(), "another wording")


def test_a_whole_stream_fed_at_once_gives_what_its_events_fed_one_by_one_give():
    """`Replay.feed_stream` (a county's hot loop) and `CountySplit.feed_stream`: the same
    result and count, with corrections, a retraction, a correction that does not fit, a
    project of another year and an event before its stream's registration."""
    log = interleaved_log()
    early = log.add(
        "p5", "InvestmentReported", {"month": "2024-01", "amount": "9.00"}, "2024-01-25"
    )
    log.add("p5", "ProjectRegistered", registration("p5"), "2024-02-02")
    log.add("p5", "ConstructionStarted", {"note": ""}, "2024-05-02")
    streams: dict[str, list] = {}
    for event in log.events:
        streams.setdefault(event.stream_id, []).append(event)
    rulebook = default_rulebook()
    results = []
    for whole in (False, True):
        replay = Replay(2024, YEAR_END, ZONE, Amendments(log.events), compact=True)
        stream_feeds = {"": replay.feed_stream} if whole else None
        split = CountySplit({"": replay.feed}, "", stream_feeds)
        for events in streams.values():
            split.feed_stream(events, skip="MonthColoursRecorded")
            replay.settle(rulebook)
        results.append(canonical_json_bytes(replay.result(rulebook)))
    assert results[0] == results[1]
    one_by_one = json.loads(results[0])
    assert one_by_one["events_replayed"] == len(log.events) - 1  # not the early report
    assert early and [p["project_id"] for p in one_by_one["projects"]][-1] == "p5"
