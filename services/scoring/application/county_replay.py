"""One county's replay from its own streams: what a worker of a province's replay does.

A replay of every county in one pass (`assessments`, `domain.counties`) reads the whole
log, stream by stream, and gives each county's replay its events. Here each county is
replayed on its own, in a process of its own (`workers`), or in this one when one county
is asked for (a county's own job): what every county's replay reads besides its
projects' streams is read once before the workers start (`CountyLog`), and each county
then reads only its projects' streams (`EventStore.read_streams`, a few dozen at a time). Each county's replay is fed exactly
what the one pass feeds it, so its result, to the byte, is the one pass's:

- the month-end colours, in global order, first (as the one pass feeds them);
- each of its projects' streams (the projects whose first registration by the watermark
  names the county), through `CountySplit` as in the one pass (an event before its
  stream's registration goes to no county), the project scored when its stream ends;
- the events of no project stream, which a replay counts (``events_replayed``, in the
  digest) and takes nothing else of: their number (`Replay.count_elsewhere`). They are
  read by their types, those the catalogue does not give to project streams
  (``PROJECT_EVENT_TYPES`` live in ``project-<id>`` streams only), and the amendments.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from shared.db import is_postgres
from shared.events import CATALOGUE, PROJECT_EVENT_TYPES, is_project_stream
from shared.eventstore import EventStore
from shared.eventstore.paging import prefetched
from shared.history import AMENDMENTS

from ..domain.colours import MONTH_COLOURS
from ..domain.counties import CountySplit, county_of_registration
from ..domain.replay import Replay
from ..domain.rulebook import Rulebook

STREAMS_AT_A_TIME = 50
"""Streams read in one query: ~10,000 events of 200-event projects."""

ELSEWHERE_TYPES = tuple(
    sorted(
        ({t.name for t in CATALOGUE} - set(PROJECT_EVENT_TYPES) - {MONTH_COLOURS}) | set(AMENDMENTS)
    )
)
"""The types an event of no project stream can have (the colours apart)."""


@dataclass(frozen=True)
class CountyLog:
    """What each county's replay reads besides its projects' streams."""

    watermark: int
    streams: dict[str, list[str]]
    """County → its projects' streams (registered by the watermark)."""
    colours: list[Any]
    """The month-end colours recorded by the watermark, in global order."""
    elsewhere: int
    """How many events of no project stream (the colours apart) the watermark covers."""


def county_log(
    store: EventStore, watermark: int, counties: Iterable[str], default: str
) -> CountyLog:
    """Which streams are each county's, the colours and the count of other events, read
    by their types (each type on its own index: a few thousand rows, not the log)."""
    streams: dict[str, list[str]] = {county: [] for county in counties}
    seen: set[str] = set()
    for event in store.iter_all(types=["ProjectRegistered"], up_to=watermark):
        if not is_project_stream(event.stream_id) or event.stream_id in seen:
            continue
        seen.add(event.stream_id)
        mine = streams.get(county_of_registration(event.payload, default))
        if mine is not None:
            mine.append(event.stream_id)
    colours = list(store.iter_all(types=[MONTH_COLOURS], up_to=watermark))
    elsewhere = 0
    for type_ in ELSEWHERE_TYPES:
        for event in store.iter_all(types=[type_], up_to=watermark):
            elsewhere += not is_project_stream(event.stream_id)
    return CountyLog(watermark, streams, colours, elsewhere)


def replay_county(
    store: EventStore,
    log: CountyLog,
    county: str,
    replay: Replay,
    rulebook: Rulebook,
    texts: str,
    default: str,
) -> dict[str, Any]:
    """``county``'s scored result: ``replay`` fed the colours, the count of the events of
    no project, and the county's projects' streams one at a time."""
    split = CountySplit({county: replay.feed}, default, {county: replay.feed_stream})
    for event in log.colours:
        split.feed(event)
    replay.count_elsewhere(log.elsewhere)
    for chunk in prefetched(_streams(store, log, county), name="county-prefetch"):
        for events in chunk:
            split.feed_stream(events, skip=MONTH_COLOURS)
            if replay.projects:
                replay.settle(rulebook, texts)
        del chunk
    return replay.result(rulebook, texts)


def _streams(store: EventStore, log: CountyLog, county: str) -> Iterator[list[list[Any]]]:
    """The county's projects' streams, a few dozen at a time: each stream's events. In
    one read transaction without parallel query: its helper processes cost a 10,000-row
    read more than they save (37–49 ms without, 57–97 ms with them at 10⁷, and two more
    processes on the cores the workers need)."""
    streams = log.streams.get(county, [])
    with store.reading() as conn:
        if is_postgres(store.engine):
            conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        for start in range(0, len(streams), STREAMS_AT_A_TIME):
            chunk = streams[start : start + STREAMS_AT_A_TIME]
            up_to = log.watermark
            found = store.read_streams(dict.fromkeys(chunk, 0), up_to=up_to, connection=conn)
            yield [found[stream_id] for stream_id in chunk]
