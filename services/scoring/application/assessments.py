"""Assessment jobs: submit one (idempotent by its key), run it (safe to run again).

A job's key is the hash of what was asked (year, rulebook version, ``as_of``,
``known_at``, and the county unless it is the default one), so asking twice gives the same job and a retried job the same
assessment and the same ``AssessmentComputed`` event (its id derives from the key).
The computed assessment is a draft until it is signed off (publication.py).

Many counties (docs/tenancy.md): an assessment is of one county. Its job replays that
county's projects' streams (`county_replay`; several counties: each in a worker process,
`workers`, or all from one pass over the log, `domain.counties`), against the county's
own targets where configured; its records are kept on the county's streams
(`shared.tenancy.county_stream`). The default county's keys, streams and digests are
those of before tenancy, and a one-county deployment replays exactly as before.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.campaign import CARRIED_OVER, Targets, campaign_for_year
from shared.campaign_log import defined_campaigns
from shared.db import is_postgres
from shared.events import PROJECT_EVENT_TYPES, project_id_of
from shared.eventstore import (
    GENESIS_HASH,
    EventStore,
    NewEvent,
    canonical_json,
    end_of_day,
    format_instant,
    known_at_bound,
    now_utc,
    parse_instant,
)
from shared.eventstore.canonical import canonical_json_bytes
from shared.history import AMENDMENTS, Amendments
from shared.tenancy import DEFAULT_COUNTY, county_stream, county_targets, deployment_counties

from ..domain.colours import MONTH_COLOURS
from ..domain.counties import CountySplit
from ..domain.explanations import LEGACY_EN, ZH
from ..domain.replay import Event, Replay, carried_over
from ..domain.rulebook import DEFAULT_REPORT_DUE_DAY, Rulebook
from ..readmodel.records import Records
from . import rulebooks
from .county_replay import county_log, replay_county
from .workers import WorkerStats, in_workers, replay_workers

log = logging.getLogger(__name__)

PROGRESS_EVERY = 5000
_NAMESPACE = uuid.UUID("0c6f7a52-8d8e-4f36-a3a5-0e4b8a1d2c77")

Progress = Callable[[int, int], None]
"""Called with (events replayed, events in total) as a replay goes."""


@dataclass(frozen=True, slots=True)
class AssessmentRequest:
    year: int
    as_of: datetime
    known_at: datetime
    rulebook_version: str | None = None
    county: str = DEFAULT_COUNTY

    @classmethod
    def of(
        cls,
        year: int,
        *,
        as_of: datetime | date | None,
        known_at: datetime | date | None,
        rulebook_version: str | None,
        zone: ZoneInfo,
        report_due_day: int = DEFAULT_REPORT_DUE_DAY,
    ) -> AssessmentRequest:
        """Dates end at midnight in the campaign zone; ``as_of`` defaults to the first day
        after December's investment report was due (``report_due_day`` of January next
        year), when the board, too, counts every month of the year as reported or
        missing; ``known_at`` to now (now or the past: `known_at_bound` refuses the
        future)."""
        return cls(
            year,
            _instant(as_of if as_of is not None else default_as_of(year, report_due_day), zone),
            known_at_bound(known_at, zone) if known_at is not None else now_utc(),
            rulebook_version,
        )

    @property
    def key(self) -> str:
        asked = {
            "year": self.year,
            "as_of": format_instant(self.as_of),
            "known_at": format_instant(self.known_at),
            "rulebook_version": self.rulebook_version,
        }
        if self.county != DEFAULT_COUNTY:  # the default county's keys are as before
            asked["county"] = self.county
        return hashlib.sha256(canonical_json(asked).encode()).hexdigest()[:32]


def _instant(value: datetime | date, zone: ZoneInfo) -> datetime:
    return value if isinstance(value, datetime) else end_of_day(value, zone)


def request_for(
    store: EventStore,
    year: int,
    *,
    as_of: datetime | date | None,
    known_at: datetime | date | None,
    rulebook_version: str | None,
    zone: ZoneInfo,
    county: str = DEFAULT_COUNTY,
) -> AssessmentRequest:
    """The request (of ``county``), its default ``as_of`` the day after the December report deadline that
    the rulebook in force at ``known_at`` names."""
    asked = AssessmentRequest.of(
        year, as_of=as_of, known_at=known_at, rulebook_version=rulebook_version, zone=zone
    )
    asked = replace(asked, county=county)
    if as_of is not None:
        return asked
    rulebook = rulebooks.in_force(store, store.position_known_at(asked.known_at), rulebook_version)
    return replace(asked, as_of=_instant(default_as_of(year, rulebook.report_due_day), zone))


def default_as_of(year: int, report_due_day: int) -> date:
    """The first day after December's investment report was due."""
    return date(year + 1, 1, report_due_day + 1)


def submit(
    records: Records, request: AssessmentRequest, *, requested_by: str = ""
) -> tuple[dict[str, Any], bool]:
    """The job for this request, created if new: (job, created)."""
    job_id = request.key
    created = records.create_job(
        {
            "job_id": job_id,
            "year": request.year,
            "rulebook_version": request.rulebook_version,
            "as_of": format_instant(request.as_of),
            "known_at": format_instant(request.known_at),
            "requested_by": requested_by,
            "county": request.county,
        }
    )
    job = records.job(job_id)
    assert job is not None
    return job, created


def gather_amendments(store: EventStore, watermark: int) -> Amendments[Event]:
    """The corrections and retractions known by the watermark, resolved (each type read
    along its own index, `EventStore.iter_types`)."""
    return Amendments(store.iter_types(AMENDMENTS, up_to=watermark))


def _chain_head(store: EventStore, watermark: int) -> str:
    if watermark == 0:
        return GENESIS_HASH
    return store.read_all(after=watermark - 1, limit=1, up_to=watermark)[0].hash


def compute(
    store: EventStore,
    year: int,
    as_of: datetime,
    known_at: datetime,
    watermark: int,
    rulebook: Rulebook,
    zone: ZoneInfo,
    *,
    progress: Progress | None = None,
    texts: str = ZH,
    county: str = DEFAULT_COUNTY,
) -> dict[str, Any]:
    """Replay the log up to ``watermark`` and return ``county``'s assessment record with
    its digest; the lines are explained in the wording ``texts``."""
    asked = (store, year, as_of, known_at, watermark, rulebook, zone)
    return next(iter(compute_counties(*asked, [county], progress=progress, texts=texts)))[1]


def compute_counties(
    store: EventStore,
    year: int,
    as_of: datetime,
    known_at: datetime,
    watermark: int,
    rulebook: Rulebook,
    zone: ZoneInfo,
    counties: Iterable[str],
    *,
    progress: Progress | None = None,
    texts: str = ZH,
    stats: WorkerStats | None = None,
) -> Iterable[tuple[str, dict[str, Any]]]:
    """Each county's assessment record (county, record), in ``counties``' order, the same
    records to the byte whichever way they are made: for several counties on PostgreSQL,
    each county's replay in a worker process of its own (`county_replay`,
    `workers.replay_workers`); for one county of many, its replay from its own streams
    here; otherwise (one worker, SQLite, a one-county deployment) from one replay of the
    whole log. ``stats`` (when given) gets the workers' peak RSS and CPU."""
    head_hash = _chain_head(store, watermark)
    counties = list(counties)
    asked = (year, as_of, known_at, rulebook, watermark, head_hash)
    processes = replay_workers()
    if not (processes > 1 and len(counties) > 1 and is_postgres(store.engine)):
        processes = 1
    alone = deployment_counties() == (DEFAULT_COUNTY,) and counties == [DEFAULT_COUNTY]
    if processes > 1 or (len(counties) == 1 and not alone):
        by_county = (store, asked, zone, counties, processes, progress, texts, stats)
        yield from _by_county(*by_county)
        return
    results = _replay(store, year, as_of, zone, watermark, rulebook, progress, texts, counties)
    for county, scored in results:
        yield county, _record(scored, *asked, county)


def _by_county(
    store: EventStore,
    asked: tuple[int, datetime, datetime, Rulebook, int, str],
    zone: ZoneInfo,
    counties: list[str],
    processes: int,
    progress: Progress | None,
    texts: str,
    stats: WorkerStats | None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each county's record from its own streams (`county_replay`), in ``processes``
    worker processes or, with one, here: what every county reads besides its streams is
    read here first (and inherited by the workers)."""
    year, as_of, _, rulebook, watermark, _ = asked
    amendments = gather_amendments(store, watermark)
    carried = carried_over(store.iter_all(types=[CARRIED_OVER], up_to=watermark), amendments, as_of)
    log = county_log(store, watermark, counties, DEFAULT_COUNTY)
    books = {
        c: with_campaign_targets(rulebook, store, year, watermark, county_targets(c))
        for c in counties
    }

    def record(county: str) -> dict[str, Any]:
        replay = Replay(year, as_of, zone, amendments, carried, compact=True)
        collecting = gc.isenabled()
        gc.disable()  # as in `_replay`: the facts and scores hold no cycles
        try:
            scored = replay_county(store, log, county, replay, books[county], texts, DEFAULT_COUNTY)
        finally:
            if collecting:
                gc.enable()
        return _record(scored, *asked, county)

    def start() -> None:  # a forked process opens its own connections
        store.engine.dispose(close=False)

    streams = sum(len(s) for s in log.streams.values())
    done = 0
    if processes > 1:
        records = in_workers(counties, record, processes, start=start, stats=stats)
    else:
        records = ((county, record(county)) for county in counties)
    for county, made in records:
        done += len(log.streams[county])
        if progress is not None:
            progress(watermark * done // max(streams, 1), watermark)
        yield county, made


def _record(
    scored: dict[str, Any],
    year: int,
    as_of: datetime,
    known_at: datetime,
    rulebook: Rulebook,
    watermark: int,
    head_hash: str,
    county: str,
) -> dict[str, Any]:
    summary = summary_of(scored)
    asked = {
        "year": year,
        "as_of": format_instant(as_of),
        "known_at": format_instant(known_at),
        "rulebook_version": rulebook.version,
        "rulebook_hash": rulebook.hash,
    }
    if county != DEFAULT_COUNTY:  # sealed with the rest; the default county's as before
        asked["county"] = county
    head = {"position": watermark, "hash": head_hash}
    # Written to bytes once, its projects' parts already written (`Replay(compact=True)`);
    # then the scores go, and the text is all that is kept: for a province the peak is
    # the scores' compact form and the bytes, never the scores' objects and the text.
    result_bytes = canonical_json_bytes({"assessment": {**asked, "chain_head": head}, **scored})
    del scored
    result_hash, digest = seal(rulebook.hash, watermark, head_hash, result_bytes)
    result_text = result_bytes.decode()
    del result_bytes
    return {
        **asked,
        "county": county,
        "chain_head_position": watermark,
        "chain_head_hash": head_hash,
        "result_hash": result_hash,
        "digest": digest,
        "result": result_text,
        "summary": summary,
    }


def summary_of(result: dict[str, Any]) -> dict[str, Any]:
    """What the assessment's events carry of its result: counts and the units named."""
    campaign = result["campaign"]
    return {
        "projects": campaign["projects"],
        "grade_counts": campaign["grade_counts"],
        "investment_completed": campaign["investment_completed"],
        "advanced_units": result["advanced_units"],
        "criticised_units": result["criticised_units"],
    }


def with_campaign_targets(
    rulebook: Rulebook,
    store: EventStore,
    year: int,
    watermark: int,
    configured: Mapping[str, Any] | None = None,
) -> Rulebook:
    """The rulebook with campaign ``year``'s targets when the campaign is defined by the
    watermark (the rulebook's own targets are the default), or with a county's own
    targets as configured (``configured``: `shared.tenancy.county_targets`)."""
    if configured is not None:
        targets = Targets.of(configured)
    else:
        campaign = campaign_for_year(defined_campaigns(store, up_to=watermark), year)
        if not campaign.defined:
            return rulebook
        targets = campaign.targets
    return replace(
        rulebook,
        investment_target=targets.investment,
        project_targets={
            "breakthrough": targets.breakthrough,
            "new_start": targets.new_start,
            "preliminary": targets.preliminary,
        },
    )


def seal(
    rulebook_hash: str, watermark: int, head_hash: str, result_text: str | bytes
) -> tuple[str, str]:
    """(result hash, digest) of a result (its text, or that text's UTF-8 bytes): the digest
    binds the rulebook, the chain head and the result, so that a changed line, total or
    rank shows in both."""
    data = result_text.encode() if isinstance(result_text, str) else result_text
    result_hash = hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256(
        canonical_json([rulebook_hash, watermark, head_hash, result_hash]).encode()
    ).hexdigest()
    return result_hash, digest


def _replay(
    store: EventStore,
    year: int,
    as_of: datetime,
    zone: ZoneInfo,
    watermark: int,
    rulebook: Rulebook,
    progress: Progress | None,
    texts: str,
    counties: list[str],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each county's scored result, in ``counties``' order, each made only when it is
    asked for (one county's result objects at a time beside the others' compact scores).
    A one-county deployment feeds its one replay every event, as before tenancy;
    otherwise `CountySplit` gives each county its own."""
    amendments = gather_amendments(store, watermark)
    carried = carried_over(store.iter_all(types=[CARRIED_OVER], up_to=watermark), amendments, as_of)
    replays = {c: Replay(year, as_of, zone, amendments, carried, compact=True) for c in counties}
    books = {
        c: with_campaign_targets(rulebook, store, year, watermark, county_targets(c))
        for c in counties
    }
    if deployment_counties() == (DEFAULT_COUNTY,) and counties == [DEFAULT_COUNTY]:
        feed = replays[DEFAULT_COUNTY].feed
    else:
        feed = CountySplit({c: r.feed for c, r in replays.items()}, DEFAULT_COUNTY).feed

    def settle() -> None:
        for county, replay in replays.items():
            if replay.projects:
                replay.settle(books[county], texts)

    # The facts and scores are many small objects that hold no cycles: the cyclic
    # collector would re-scan them over and over for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _feed_by_stream(store, watermark, feed, settle, progress)
        return ((c, replays.pop(c).result(books[c], texts)) for c in counties)
    finally:
        if collecting:
            gc.enable()


def _feed_by_stream(
    store: EventStore,
    watermark: int,
    feed: Callable[[Any], None],
    settle: Callable[[], None],
    progress: Progress | None,
) -> None:
    """The month-end colours in global order (a later record of a month replaces an
    earlier one), then every other event stream by stream, ``settle`` at each stream's
    end: each project's facts are scored and dropped when its stream ends, so memory
    holds one project's facts and the scores, not every project's facts
    (`Replay.settle`)."""
    replayed = 0
    for event in store.iter_all(types=[MONTH_COLOURS], up_to=watermark):
        feed(event)
        replayed += 1
    stream = ""
    for page in store.stream_pages(up_to=watermark, page_size=PROGRESS_EVERY):
        for event in page:
            if event.stream_id != stream:
                settle()
                stream = event.stream_id
            if event.type != MONTH_COLOURS:
                feed(event)
                replayed += 1
        if progress is not None:
            progress(replayed, watermark)
    if progress is not None and watermark == 0:
        progress(0, 0)


def run(
    store: EventStore,
    records: Records,
    job_id: str,
    zone: ZoneInfo,
    *,
    progress: Progress | None = None,
    on_recorded: Callable[[int], None] | None = None,
) -> dict[str, Any] | None:
    """Run (or finish) a job; a finished job is left as it is. Returns the job.
    ``on_recorded(position)`` follows the ``AssessmentComputed`` append (the deployment
    signs a checkpoint of the head there)."""
    job = records.job(job_id)
    if job is None:
        log.warning("no such assessment job", extra={"job_id": job_id})
        return None
    if job["status"] == "done":
        return job
    records.start_attempt(job_id)
    watermark = job["watermark"]
    if watermark is None:
        # Fixed on the first attempt, so a retry replays exactly the same events.
        watermark = store.position_known_at(parse_instant(job["known_at"]))
        records.update_job(job_id, watermark=watermark, events_total=watermark)

    def report(replayed: int, total: int) -> None:
        records.update_job(job_id, events_replayed=replayed, events_total=total)
        if progress is not None:
            progress(replayed, total)

    rulebook = rulebooks.in_force(store, watermark, job["rulebook_version"])
    record = compute(
        store,
        job["year"],
        parse_instant(job["as_of"]),
        parse_instant(job["known_at"]),
        watermark,
        rulebook,
        zone,
        progress=report,
        county=job["county"],
    )
    _finish(store, records, job_id, record, on_recorded)
    return records.job(job_id)


def _finish(
    store: EventStore,
    records: Records,
    job_id: str,
    record: dict[str, Any],
    on_recorded: Callable[[int], None] | None,
) -> None:
    """Keep a job's computed record (the assessment's id is the job's), append its draft
    and mark the job done."""
    summary = record.pop("summary")
    records.save_assessment({"assessment_id": job_id, "job_id": job_id, **record})
    position = record_draft(store, job_id, record, summary)
    records.update_job(job_id, status="done", assessment_id=job_id, error=None)
    if on_recorded is not None:
        on_recorded(position)


def run_together(
    store: EventStore,
    records: Records,
    job_ids: list[str],
    zone: ZoneInfo,
    *,
    progress: Progress | None = None,
    on_recorded: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run the jobs of one request for several counties (every county, from the command
    line) with one replay of the log; jobs done already are left as they are, and jobs
    that do not share a watermark run one by one. Returns the jobs."""
    waiting = [job for job in map(records.job, job_ids) if job and job["status"] != "done"]
    asked = {(j["year"], j["as_of"], j["known_at"], j["rulebook_version"]) for j in waiting}
    fixed = {j["watermark"] for j in waiting if j["watermark"] is not None}
    if len(asked) > 1 or len(fixed) > 1 or len(waiting) < 2:
        for job in waiting:
            run(store, records, job["job_id"], zone, progress=progress, on_recorded=on_recorded)
        return [j for j in map(records.job, job_ids) if j is not None]
    first = waiting[0]
    watermark = next(iter(fixed), None)
    if watermark is None:
        watermark = store.position_known_at(parse_instant(first["known_at"]))
    for job in waiting:
        records.start_attempt(job["job_id"])
        records.update_job(job["job_id"], watermark=watermark, events_total=watermark)

    def report(replayed: int, total: int) -> None:
        for job in waiting:
            records.update_job(job["job_id"], events_replayed=replayed, events_total=total)
        if progress is not None:
            progress(replayed, total)

    rulebook = rulebooks.in_force(store, watermark, first["rulebook_version"])
    by_county = {job["county"]: job for job in waiting}
    computed = compute_counties(
        store,
        first["year"],
        parse_instant(first["as_of"]),
        parse_instant(first["known_at"]),
        watermark,
        rulebook,
        zone,
        list(by_county),
        progress=report,
    )
    for county, record in computed:
        _finish(store, records, by_county[county]["job_id"], record, on_recorded)
    return [j for j in map(records.job, job_ids) if j is not None]


def record_draft(
    store: EventStore, assessment_id: str, record: dict[str, Any], summary: dict[str, Any]
) -> int:
    """Append ``AssessmentComputed`` (a draft until signed off) once: a retry re-sends the
    same event, a no-op."""
    payload = {
        "assessment_id": assessment_id,
        "summary": summary,
        **{
            k: record[k]
            for k in (
                "year",
                "as_of",
                "known_at",
                "rulebook_version",
                "rulebook_hash",
                "chain_head_position",
                "chain_head_hash",
                "result_hash",
                "digest",
            )
        },
    }
    appended = store.append(
        [
            NewEvent(
                stream_id=county_stream(f"assessment-{record['year']}", record["county"]),
                type="AssessmentComputed",
                payload=payload,
                occurred_at=parse_instant(record["as_of"]),
                # Not the id of ``AssessmentPublished`` (the assessment id), which the
                # sign-off appends, and which a job published at once before sign-off.
                event_id=str(uuid.uuid5(_NAMESPACE, f"{assessment_id}:computed")),
                source="scoring",
                actor="scoring.assess",
            )
        ]
    )
    return appended.last_position


def recompute(store: EventStore, stored: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The stored assessment computed again from the log, with its stored rulebook and
    what it was asked (year, ``as_of``, ``known_at``, watermark). One stored before the
    Chinese explanations, or before this release's scoring rules, is re-run in its own
    words and rules when the current ones do not give its digest; failing all, the
    current computation is the answer (and names what differs)."""
    watermark = stored["chain_head_position"]
    rulebook = rulebooks.in_force(store, watermark, stored["rulebook_version"])
    asked = (stored["year"], parse_instant(stored["as_of"]), parse_instant(stored["known_at"]))
    county = stored.get("county") or DEFAULT_COUNTY
    again = compute(store, *asked, watermark, rulebook, zone, county=county)
    variants = (
        (rulebook, LEGACY_EN),
        (rulebook.as_legacy(), ZH),
        (rulebook.as_legacy(), LEGACY_EN),
    )
    for variant, texts in variants:
        if again["digest"] == stored["digest"]:
            break
        earlier = compute(store, *asked, watermark, variant, zone, texts=texts, county=county)
        if earlier["digest"] == stored["digest"]:
            return earlier
    return again


def recorded_between(
    store: EventStore, before: dict[str, Any], after: dict[str, Any]
) -> dict[str, list[int]]:
    """Each project's events recorded between two stored assessments' watermarks (either
    order), by project id: what changed a line its evidence does not explain."""
    low, high = sorted((before["chain_head_position"], after["chain_head_position"]))
    out: dict[str, list[int]] = {}
    for event in store.iter_all(after=low, up_to=high, types=PROJECT_EVENT_TYPES):
        out.setdefault(project_id_of(event.stream_id), []).append(event.global_position)
    return out
