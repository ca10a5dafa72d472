"""Conversions by quarter (签约→开工, 开工→投产): who could convert in a quarter and who did."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.registry.domain.pool import Quarter, conversions
from services.registry.domain.project import KeyProject

ZONE = ZoneInfo("Asia/Shanghai")


def _project(project_id: str, **dates: str) -> KeyProject:
    """Days as instants at 01:00 UTC (09:00 in the campaign zone)."""
    project = KeyProject(project_id, pooled=True)
    for stage, day in dates.items():
        instant = f"{day}T01:00:00.000000Z"
        if stage in ("started", "completed", "commissioned"):
            setattr(project, f"{stage}_at", instant)
        else:
            project.stages[stage] = instant
    return project


def _rates(projects, quarter: int, which: int):  # type: ignore[no-untyped-def]
    found = conversions(projects, 2026, ZONE)[quarter - 1]["conversions"][which]
    return found["could"], found["converted"], found["rate"]


def test_signed_and_started_in_the_same_quarter_converts_in_it():
    projects = [_project("a", signed="2026-01-10", started="2026-03-01")]
    assert _rates(projects, 1, 0) == (1, 1, "1.00")
    assert _rates(projects, 2, 0) == (0, 0, None)  # converted: no longer waiting


def test_one_of_two_signed_starts_and_the_other_waits_into_the_next_quarter():
    projects = [
        _project("a", signed="2025-11-10", started="2026-02-01"),
        _project("b", signed="2025-12-01"),
    ]
    assert _rates(projects, 1, 0) == (2, 1, "0.50")
    assert _rates(projects, 2, 0) == (1, 0, "0.00")


def test_started_to_commissioned_counts_from_the_start():
    projects = [
        _project("a", started="2025-06-01", completed="2026-04-02", commissioned="2026-05-20")
    ]
    assert _rates(projects, 1, 1) == (1, 0, "0.00")
    assert _rates(projects, 2, 1) == (1, 1, "1.00")
    assert _rates(projects, 3, 1) == (0, 0, None)


def test_a_day_is_read_in_the_campaign_zone():
    # 2026-03-31T20:00Z is 1 April in Shanghai: the second quarter
    project = KeyProject("a", pooled=True, stages={"signed": "2026-03-31T20:00:00.000000Z"})
    quarters = conversions([project], 2026, ZONE)
    assert (quarters[0]["entered"]["signed"], quarters[1]["entered"]["signed"]) == ([], ["a"])


def test_quarters_end_on_their_last_day():
    assert [Quarter(2026, n).ends_on.isoformat() for n in range(1, 5)] == [
        "2026-03-31",
        "2026-06-30",
        "2026-09-30",
        "2026-12-31",
    ]
