"""Campaign scoping of the board, plans and follow-up actions: a 2026 plan lists only
2026's projects and those carried into 2026 by an event; a closed campaign's board is
shown as of its end; the plan and the board name their campaign and its targets."""

from __future__ import annotations

import uuid

import pytest

from shared.campaign import campaign_stream
from shared.eventstore import NewEvent

from ..helpers import at


def define_campaign(store, year: int, starts_on: str, ends_on: str, **targets) -> None:
    stream = campaign_stream(year)
    payload = {
        "year": year,
        "name": f"某某县{year}年项目攻坚年",
        "county": "某某县",
        "starts_on": starts_on,
        "ends_on": ends_on,
        "targets": {
            "breakthrough": 18,
            "new_start": 5,
            "preliminary": 6,
            "investment": "4500000000.00",
            **targets,
        },
    }
    store.append(
        [
            NewEvent(
                stream_id=stream,
                type="CampaignDefined",
                payload=payload,
                occurred_at=at(starts_on),
                event_id=str(uuid.uuid4()),
            )
        ],
        {stream: store.stream_version(stream)},
    )


def agenda_projects(record) -> set[str]:
    return {i["project_id"] for g in record.plan["groups"] for i in g["items"]}


@pytest.fixture
def two_years(project, clock, clocked_store):
    """Two 2025 projects with an overdue milestone, one of them carried into 2026, and
    one 2026 project behind its milestone too."""
    clock.set("2025-03-01")
    define_campaign(clocked_store, 2025, "2025-03-01", "2025-12-31")
    old, kept, new = project("old2025"), project("kept2025"), project("new2026")
    for p in (old, kept):
        p.register(on="2025-03-02", year=2025, major=True, cadence="weekly")
        p.milestone("m1", "2025-06-30", on="2025-03-03")
    clock.set("2026-01-10")
    kept.event("ProjectCarriedOver", "2026-01-10", from_year=2025, to_year=2026, reason="续建")
    clock.set("2026-02-01")
    define_campaign(clocked_store, 2026, "2026-03-01", "2026-12-31", new_start=7)
    new.register(on="2026-02-02", year=2026, major=True, cadence="weekly")
    new.milestone("m1", "2026-02-20", on="2026-02-03")
    clock.set("2026-03-09", hour=7)
    return old, kept, new


def test_a_2026_plan_lists_2026_projects_and_those_carried_over_only(service, two_years):
    record, _ = service.plan("weekly", "2026-W11")
    assert record.plan["campaign"] == 2026
    assert agenda_projects(record) == {"kept2025", "new2026"}
    assert "old2025" not in record.plan["spot_check"]["project_ids"]


def test_a_quarterly_plan_counts_the_campaign_s_projects_against_its_targets(service, two_years):
    record, _ = service.plan("quarterly", "2026-Q2")
    totals = record.plan["totals"]
    assert totals["year"] == 2026
    assert totals["categories"]["new_start"]["target"] == 7
    assert totals["categories"]["breakthrough"]["projects"] == 2  # kept2025 and new2026


def test_the_board_defaults_to_the_current_campaign_and_names_it(service, two_years, clock):
    board = service.board()
    assert board["campaign"]["year"] == 2026 and board["campaign"]["targets"]["new_start"] == 7
    assert {row["project_id"] for row in board["projects"]} == {"kept2025", "new2026"}
    earlier = service.board(filters={"campaign": 2025})
    assert {row["project_id"] for row in earlier["projects"]} == {"old2025", "kept2025"}


def test_a_closed_campaign_s_board_is_shown_as_of_its_end(service, two_years):
    board = service.board(filters={"campaign": 2025})
    assert board["as_of"] == "2025-12-31"
    overdue = [r for row in board["projects"] for r in row["reasons"]]
    assert overdue and all("2026" not in r["reason"] for r in overdue)


def test_between_campaigns_the_board_shows_the_last_one_as_it_ended(service, two_years, clock):
    clock.set("2026-02-10")
    board = service.board()
    assert board["campaign"]["year"] == 2025 and board["as_of"] == "2025-12-31"


def test_with_no_campaign_defined_the_calendar_year_has_the_default_targets(
    service, project, clock
):
    clock.set("2024-03-01")
    project("p").register(on="2024-01-02")
    board = service.board()
    assert board["campaign"] == {
        **board["campaign"],
        "year": 2024,
        "defined": False,
        "starts_on": "2024-01-01",
    }
    assert board["campaign"]["targets"]["investment"] == "4500000000.00"
    assert [row["project_id"] for row in board["projects"]] == ["p"]


def test_actions_are_listed_by_campaign(service, two_years, clock):
    clock.set("2025-07-07", hour=7)
    service.plan("weekly", "2025-W28")
    clock.set("2026-03-09", hour=7)
    service.plan("weekly", "2026-W11")
    in_2025 = {a["project_id"] for a in service.actions(campaign=2025)}
    in_2026 = {a["project_id"] for a in service.actions()}
    assert in_2025 == {"old2025", "kept2025"}
    assert in_2026 == {"kept2025", "new2026"}


def test_the_progress_table_of_a_2026_plan_has_the_campaign_s_projects_only(service, two_years):
    record, _ = service.plan("monthly", "2026-03")
    rows = service.progress(record)
    assert {row["project_id"] for row in rows} == {"kept2025", "new2026"}


def test_an_action_of_a_week_one_that_began_in_december_is_of_the_old_campaign(
    service, project, clock, clocked_store
):
    clock.set("2025-03-01")
    define_campaign(clocked_store, 2025, "2025-03-01", "2025-12-31")
    old = project("old2025")
    old.register(on="2025-03-02", year=2025, major=True, cadence="weekly")
    old.milestone("m1", "2025-06-30", on="2025-03-03")
    clock.set("2025-12-29", hour=7)  # 2026-W01 opens on Monday 29 December 2025
    record, _ = service.plan("weekly", "2026-W01")
    assert record.plan["campaign"] == 2025
    assert {a["period"] for a in service.actions(campaign=2025)} == {"2026-W01"}
    assert service.actions(campaign=2026) == []
