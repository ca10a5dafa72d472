"""The assessment per county over the real store (SQLite and PostgreSQL): a county's
assessment scores only its projects; the default county's digest is the one a one-county
deployment gives (so stored digests do not change); one replay for several counties gives
each county the digest of its own run."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.scoring.application import assessments, rulebooks
from shared.eventstore import end_of_day
from shared.tenancy import DEFAULT_COUNTY, Tenancy, Tenant, configure
from tests.scoring.builders import ZONE
from tests.scoring.integration.test_assessment_jobs import county

AS_OF = end_of_day(date(2025, 1, 6), ZONE)
KNOWN = end_of_day(date(2024, 12, 31), ZONE)


@pytest.fixture
def two_counties():
    configure(
        Tenancy(
            [
                Tenant("c1", "甲市", "city"),
                Tenant(DEFAULT_COUNTY, "甲县", "county", "c1"),
                Tenant("b", "乙县", "county", "c1"),
            ]
        )
    )
    yield


def _compute(runtime, county_code: str = DEFAULT_COUNTY) -> dict:
    watermark = runtime.store.position_known_at(KNOWN)
    rulebook = rulebooks.in_force(runtime.store, watermark)
    args = (runtime.store, 2024, AS_OF, KNOWN, watermark, rulebook, ZONE)
    return assessments.compute(*args, county=county_code)


def _projects(record: dict) -> list[str]:
    return [p["project_id"] for p in json.loads(record["result"])["projects"]]


def test_the_default_countys_digest_is_the_one_county_deployments(runtime, history, two_counties):
    county(history)
    many = _compute(runtime)
    configure(Tenancy.single())
    one = _compute(runtime)
    assert many["digest"] == one["digest"]
    assert "county" not in json.loads(many["result"])["assessment"]  # sealed as before


def test_a_county_scores_only_its_own_projects(runtime, history, two_counties):
    county(history)
    history.record_on("2024-03-01")
    history.register("pb", county="b", lead_unit="乙县发改局", leader="乙县领导")
    mine, theirs = _compute(runtime), _compute(runtime, "b")
    assert _projects(mine) == ["p1", "p2", "p3"]
    assert _projects(theirs) == ["pb"]
    assert theirs["digest"] != mine["digest"] and '"county":"b"' in theirs["result"]
    watermark = runtime.store.position_known_at(KNOWN)
    together = dict(
        assessments.compute_counties(
            runtime.store,
            2024,
            AS_OF,
            KNOWN,
            watermark,
            rulebooks.in_force(runtime.store, watermark),
            ZONE,
            [DEFAULT_COUNTY, "b"],
        )
    )
    assert together[DEFAULT_COUNTY]["digest"] == mine["digest"]
    assert together["b"]["digest"] == theirs["digest"]
