"""Two offices (or a unit and the office) taking the same 督办 step at once: one step is
recorded, the others are refused as out of order, on both backends; a rebuild of the
read model gives the stage the writers left."""

from __future__ import annotations

import threading
from datetime import date

from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.duban import StepRefused

from ..helpers import ZONE

THREADS = 4


def _issued(service, project, clock) -> str:
    clock.set("2024-01-02")
    project("site").register()
    clock.set("2024-05-14", hour=10)
    record, _ = service.record_site_meeting(
        {
            "record_id": "RACE",
            "kind": "site_office",
            "project_id": "site",
            "place": "现场",
            "held_on": date(2024, 5, 14),
            "attendees": ["张县长"],
            "problems": [],
            "decisions": [{"text": "落实用地", "owner": "自然资源局", "due": date(2024, 5, 31)}],
        }
    )
    return record["decisions"][0]["action_id"]


def test_the_same_step_at_once_is_recorded_once(service, project, clock):
    action_id = _issued(service, project, clock)
    workers = [
        SchedulingService(service.store, ZONE, SchedulingConfig(), clock=clock)
        for _ in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def work(worker: SchedulingService, n: int) -> None:
        start.wait()
        try:
            worker.action_step(action_id, "acknowledge", {"person": f"第{n}人"}, actor=f"o{n}")
            outcomes.append("taken")
        except StepRefused as exc:
            outcomes.append(exc.stage)
        except Exception as exc:  # noqa: BLE001 - surfaced below
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=work, args=(w, n)) for n, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["acknowledged"] * (THREADS - 1) + ["taken"]
    stream = service.store.read_stream("actions-site")
    assert [e.type for e in stream].count("ActionAcknowledged") == 1
    before = service.action(action_id)
    service.rebuild()
    after = service.action(action_id)
    assert (after["stage"], after["stage_by"]) == (before["stage"], before["stage_by"])
    assert after["stage"] == "acknowledged"
