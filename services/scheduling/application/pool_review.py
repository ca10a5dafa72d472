"""The projects still only in the pool (项目库) at a quarterly meeting: pooled, never
registered in a campaign, so without a `ProjectState`. Read from the log as known then
(corrections and retractions applied), for the quarter's review (`domain.quarter_review`)
to count them as the registry's ``/v1/pool/conversions`` does."""

from __future__ import annotations

from collections.abc import Set
from zoneinfo import ZoneInfo

from shared.events import is_project_stream, project_id_of
from shared.eventstore import Cutoff, EventStore
from shared.history import AMENDMENTS, Amendments
from shared.tenancy import DEFAULT_COUNTY

from ..domain.project import BEFORE_REGISTRATION, amended_fact
from ..domain.quarter_review import PooledProject


def pool_only(
    store: EventStore,
    cutoff: Cutoff,
    zone: ZoneInfo,
    registered: Set[str],
    county: str | None = None,
) -> list[PooledProject]:
    """Every project pooled by ``cutoff`` and not in ``registered``, with its stages: of
    ``county`` only when given (``ProjectPooled.county``; an entry without one is the
    default county's)."""
    known = Cutoff(known_at=cutoff.known_at)
    amendments = Amendments(
        e for e in store.iter_types(AMENDMENTS, cutoff=known) if is_project_stream(e.stream_id)
    )
    names: dict[str, str] = {}
    counties: dict[str, str] = {}
    stages: dict[str, dict] = {}
    for event in store.iter_types(BEFORE_REGISTRATION, cutoff=known):
        pid = project_id_of(event.stream_id)
        fact = None if pid in registered else amended_fact(amendments, event, cutoff.as_of)
        if fact is None:
            continue
        payload = fact.payload
        if fact.type == "ProjectPooled":
            names[pid] = payload["name"]
            counties[pid] = payload.get("county") or DEFAULT_COUNTY
        stage = payload.get("stage") or "planning"
        stages.setdefault(pid, {})[stage] = fact.occurred_at.astimezone(zone).date()
    return [
        PooledProject(pid, names.get(pid, pid), stages[pid])
        for pid in sorted(stages)
        if county is None or counties.get(pid, DEFAULT_COUNTY) == county
    ]
