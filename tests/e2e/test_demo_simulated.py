"""The demo a county office would believe: the plans' 29 projects, sectors led by the
matching departments, full company names, county leaders by rank, about two thirds green
and at most five red at year end; the year played on a simulated clock, so that what the
office knew on a past day differs from what it knows now."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.composition import create_app, runtime_for
from services.demo.campaign import ZONE, generate
from services.demo.county import LEAD_UNITS, PROJECTS
from services.demo.push import DemoError
from services.demo.runner import DemoOptions, load_demo
from shared.config import Settings
from shared.documents.office import DEFAULT_RANKS, OfficeConfig
from shared.documents.ranks import LeaderRanks
from shared.i18n import labels
from shared.messaging import start_worker

YEAR = 2025  # a whole past year: every event has reached the office


def test_the_campaign_has_the_plans_projects_sectors_units_and_leaders():
    campaign = generate(year=2026)
    registrations = [p.registration for p in campaign.projects]
    categories = Counter(r["category"] for r in registrations)
    assert categories == {"breakthrough": 18, "new_start": 5, "preliminary": 6}
    assert {r["sector"] for r in registrations} == set(labels("sector")) - {"other"}
    for r in registrations:
        assert r["lead_unit"] == LEAD_UNITS[r["sector"]], r["name"]
        assert r["owner_unit"].endswith(("有限公司", "股份有限公司", "医院")), r["owner_unit"]
    assert {r["owner_unit"] for r in registrations} >= {p.owner_unit for p in PROJECTS[:5]}
    assert "北湖农产品加工有限公司" in {r["owner_unit"] for r in registrations}
    assert {r["name"] for r in registrations} == {p.name for p in PROJECTS}  # none cut
    ranks = LeaderRanks(OfficeConfig())
    titles = Counter(ranks.title_of(r["leader"]) for r in registrations)
    assert set(titles) <= set(DEFAULT_RANKS) and titles["县委书记"] >= 1 and titles["县长"] >= 1
    assert sum(sum(map(float, r["monthly_plan"])) for r in registrations) == pytest.approx(4.5e9)


def test_every_project_has_its_team_and_a_named_contact_with_ordinary_names():
    campaign = generate(year=2026)
    for project in campaign.projects:
        (assigned,) = [e for e in project.events if e.type == "ResponsibilityAssigned"]
        team, contact = assigned.payload["team"], assigned.payload["contact"]
        assert [m["duty"] for m in team] == ["专班组长", "专班成员", "联络员"]
        assert team[0]["unit"] == project.registration["lead_unit"]
        assert contact["name"] == team[-1]["name"] and contact["phone"].startswith("0558-")
        assert all(2 <= len(m["name"]) <= 3 for m in team)


def test_reports_reach_the_office_after_the_month_some_late_and_two_are_corrected():
    events = generate(year=2026).in_arrival_order()
    reports = [e for e in events if e.type == "InvestmentReported"]
    assert all(e.arrives > e.occurred_at for e in reports)
    on_time = [e for e in reports if e.arrives.day <= 5 or e.arrives.month == 1]
    assert len(on_time) > 0.7 * len(reports)
    assert sum(e.late for e in reports) >= 5
    assert Counter(e.type for e in events)["EventCorrected"] == 2
    assert [e.arrives for e in events] == sorted(e.arrives for e in events)


@pytest.fixture(scope="module")
def played(module_database_url, tmp_path_factory):
    """A year played into one database per backend, shared by the tests below (which read
    it, or play it again and find nothing changed)."""
    data_dir = tmp_path_factory.mktemp("played")
    runtime = runtime_for(
        Settings.from_env(database_url=module_database_url, redis_url="", data_dir=data_dir)
    )
    worker = start_worker(runtime.broker)
    loaded = load_demo(runtime, None, DemoOptions(year=YEAR), lambda _: None)
    client = create_app(runtime).test_client()
    office = {"Authorization": f"Bearer {runtime.tokens.create('office-demo', 'office')}"}
    yield runtime, client, office, loaded
    worker.stop()
    runtime.close()


def wait_for_board(client, office, as_of: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        board = client.get(f"/v1/board?as_of={as_of}&limit=100", headers=office).json
        if len(board["projects"]) == 29:
            return board
        time.sleep(0.2)
    raise AssertionError(board)


@pytest.mark.slow
def test_the_played_year_ends_two_thirds_green_and_at_most_five_red(played):
    runtime, client, office, loaded = played
    assert loaded.rejected == [] and loaded.projects == 29
    stored = list(runtime.store.iter_all())
    assert {e.source for e in stored} == {"demo-simulated"}
    defined = stored[0]  # the campaign year first, decided before the March mobilisation
    assert (defined.type, defined.payload["year"]) == ("CampaignDefined", YEAR)
    assert defined.recorded_at.astimezone(ZONE).date().isoformat() == f"{YEAR}-02-26"
    assert defined.payload["targets"]["breakthrough"] == 18
    board = wait_for_board(client, office, f"{YEAR}-12-31")
    statuses = Counter(p["status"] for p in board["projects"])
    assert statuses["red"] <= 5, board["projects"]
    assert 17 <= statuses["green"] <= 22, statuses


@pytest.mark.slow
def test_a_project_as_known_on_10_may_differs_from_as_known_now(played):
    """The README's auditor walk-through quotes this call and its two answers."""
    _, client, office, _ = played
    path = f"/v1/projects/XM{YEAR}001?as_of={YEAR}-04-30"
    then = client.get(f"{path}&known_at={YEAR}-05-10", headers=office).json["project"]
    now = client.get(path, headers=office).json["project"]
    assert then["investment"][f"{YEAR}-04"] != now["investment"][f"{YEAR}-04"]
    assert then["investment"][f"{YEAR}-03"] == now["investment"][f"{YEAR}-03"]
    before_the_report = client.get(f"{path}&known_at={YEAR}-04-30", headers=office).json
    assert f"{YEAR}-04" not in before_the_report["project"]["investment"]


@pytest.mark.slow
def test_events_are_recorded_when_they_reach_the_office_not_when_loaded(played):
    runtime, _, _, _ = played
    stored = list(runtime.store.iter_all())
    days = {e.recorded_at.date() for e in stored}
    assert len(days) > 150
    assert max(e.recorded_at for e in stored) < datetime.now(UTC)
    assert all(e.recorded_at >= e.occurred_at for e in stored)


@pytest.mark.slow
def test_playing_the_same_year_again_changes_nothing(played):
    runtime, _, _, loaded = played
    head = runtime.store.head().position
    again = load_demo(runtime, None, DemoOptions(year=YEAR), lambda _: None)
    assert (again.accepted, again.duplicates) == (0, loaded.accepted)
    assert runtime.store.head().position == head
    with pytest.raises(DemoError, match="模拟时钟只能载入空库"):
        load_demo(runtime, None, DemoOptions(year=YEAR, seed=99), lambda _: None)


README_CALL = "/v1/projects/XM2026001?as_of=2026-04-30&known_at=2026-05-10"
README_ANSWERS = ('"2026-04": "13898022.49"', '"2026-04": "11118417.99"')


def test_the_readme_quotes_the_call_whose_answer_changed_after_a_correction(settings):
    """The auditor's walk-through in the README: April as the office knew it on 10 May,
    and as it knows it now (after the correction of 19 May)."""
    from services.demo.simulated import play

    runtime = runtime_for(settings)
    try:
        play(runtime, generate(year=2026), until=datetime(2026, 6, 1, tzinfo=UTC))
        client = create_app(runtime).test_client()
        auditor = {"Authorization": f"Bearer {runtime.tokens.create('auditor-1', 'auditor')}"}
        then = client.get(README_CALL, headers=auditor).json["project"]["investment"]
        now = client.get(README_CALL.split("&")[0], headers=auditor).json["project"]
    finally:
        runtime.close()
    assert (then["2026-04"], now["investment"]["2026-04"]) == ("13898022.49", "11118417.99")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert README_CALL in readme
    assert all(answer in readme for answer in README_ANSWERS)
