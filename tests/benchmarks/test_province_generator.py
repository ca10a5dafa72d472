"""The province generator (benchmarks/_province.py) writes a log the services read as
their own: it verifies, the registry answers as of a date, the scheduling read model
builds and a county's board shows only its projects (each registration carries its county
key, the counties a hierarchy of their own), the year-end assessment scores every project. Tiny here (2 counties × 3 projects × 200 events); `make bench` runs it big."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from benchmarks._province import (
    YEAR,
    Province,
    configure_tenancy,
    county_unit,
    fill_province,
    tenants,
)
from services.registry.application.handlers import Registry
from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore
from shared.tenancy import Tenancy, scoped_to

PROVINCE = Province(counties=2, projects=3, per_project=200)
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def store(postgres_clones):
    """The generated province's log, written once for the module's tests: they read it
    (the board's test rebuilds the scheduling read model from it, from nothing)."""
    name = postgres_clones.take()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GONGJIAN_TENANTS", raising=False)
        configure_tenancy(PROVINCE)
        engine = create_db_engine(postgres_clones.url(name))
        try:
            assert fill_province(engine, PROVINCE) == PROVINCE.events
            yield EventStore(engine, build_registry())
        finally:
            engine.dispose()
            os.environ.pop("GONGJIAN_TENANTS", None)  # set by configure_tenancy: not for later
            postgres_clones.give_back(name)


def test_the_counties_are_a_hierarchy_under_one_province():
    tenancy = Tenancy.from_config(json.dumps(tenants(Province(counties=12))))
    assert tenancy.counties == tuple(f"c{c:03d}" for c in range(12))
    assert tenancy.under("m01") == {"c010", "c011"}
    assert tenancy.under("province") == set(tenancy.counties)


def test_the_generated_log_verifies_and_every_event_is_valid(store):
    assert store.verify().ok and store.head().position == 1200
    registry = build_registry()
    for event in store.iter_all():
        assert registry.validate(event.type, event.payload) == event.payload


def test_the_registry_answers_as_of_a_date_and_lists_every_project(store):
    registry = Registry(store)
    state = registry.state("c001-p0002", datetime(YEAR, 3, 1, tzinfo=UTC))
    assert state.registered and state.lead_unit == county_unit("c001")
    assert state.county == "c001"
    assert len(list(PROVINCE.project_ids())) == 6


def test_a_countys_board_shows_its_own_projects(store):
    service = SchedulingService(store, ZONE, SchedulingConfig())
    service.clock = lambda: datetime(YEAR, 12, 2, tzinfo=UTC)
    assert service.rebuild().position == 1200
    with scoped_to(Tenancy.from_config(json.dumps(tenants(PROVINCE))).scope_of("c000")):
        board = service.board(filters={"campaign": YEAR})
    assert {row["county"] for row in board["projects"]} == {"c000"}
    assert sorted(row["project_id"] for row in board["projects"]) == [
        "c000-p0000",
        "c000-p0001",
        "c000-p0002",
    ]


def test_the_year_end_assessment_scores_every_project(store):
    from services.scoring.application import assessments, rulebooks

    end = datetime(YEAR, 12, 31, 16, tzinfo=UTC)
    asked = (store, YEAR, end, end, 1200, rulebooks.in_force(store, 1200), ZONE)
    records = dict(assessments.compute_counties(*asked, ["c000", "c001"]))
    for county, record in records.items():
        assert record["county"] == county
        assert record["summary"]["projects"] == 3
        assert json.loads(record["result"])["campaign"]["projects"] == 3


def test_the_assessment_read_stream_by_stream_is_the_one_read_in_global_order(store):
    """The year-end replay reads the province stream by stream, holding one project's
    facts at a time; fed the same log in global order it gives the same result."""
    from services.scoring.application import assessments, rulebooks
    from services.scoring.domain.counties import CountySplit
    from services.scoring.domain.replay import Replay
    from shared.eventstore.canonical import canonical_json

    end = datetime(YEAR, 12, 31, 16, tzinfo=UTC)
    rulebook = rulebooks.in_force(store, 1200)
    record = assessments.compute(store, YEAR, end, end, 1200, rulebook, ZONE, county="c001")
    streamed = json.loads(record["result"])
    del streamed["assessment"]
    replay = Replay(YEAR, end, ZONE, assessments.gather_amendments(store, 1200))
    split = CountySplit({"c001": replay.feed}, "default")
    for event in store.iter_all(up_to=1200):
        split.feed(event)
    in_order = replay.result(assessments.with_campaign_targets(rulebook, store, YEAR, 1200))
    assert canonical_json(streamed) == canonical_json(in_order)
    assert streamed["events_replayed"] == 600  # the county's half of the log
