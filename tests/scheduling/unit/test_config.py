"""Configuration: defaults, then a file, then the environment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.scheduling.config import SchedulingConfig


def test_the_defaults_are_the_thresholds_of_practice():
    config = SchedulingConfig.load({})
    t = config.thresholds
    assert (t.investment_yellow_pp, t.investment_red_pp) == (Decimal(10), Decimal(30))
    assert (t.milestone_red_days, t.start_yellow_days, t.start_red_days) == (30, 30, 90)
    assert config.targets.investment == Decimal("4500000000")
    assert (config.targets.breakthrough, config.targets.new_start, config.targets.preliminary) == (
        18,
        5,
        6,
    )


def test_a_file_overrides_the_defaults_and_the_environment_overrides_the_file(tmp_path):
    path = tmp_path / "scheduling.yaml"
    path.write_text(
        "thresholds:\n  investment_yellow_pp: 15\n  issue_red_factor: 3\n"
        "meeting:\n  chair: 县长\n"
        "calendar_overrides:\n  '2031-02-03': holiday\n",
        encoding="utf-8",
    )
    env = {
        "GONGJIAN_SCHEDULING_CONFIG": str(path),
        "GONGJIAN_SCHEDULING_INVESTMENT_YELLOW_PP": "12.5",
    }
    config = SchedulingConfig.load(env)
    assert config.thresholds.investment_yellow_pp == Decimal("12.5")
    assert config.thresholds.issue_red_factor == 3
    assert config.meeting.chair == "县长"
    assert config.calendar().is_working_day(date(2031, 2, 3)) is False


def test_a_calendar_file_adds_the_administrators_overrides(tmp_path):
    path = tmp_path / "calendar.json"
    path.write_text('{"2031-02-08": "workday"}', encoding="utf-8")
    config = SchedulingConfig.load({"GONGJIAN_SCHEDULING_CALENDAR_FILE": str(path)})
    assert config.calendar().is_working_day(date(2031, 2, 8))  # a Saturday


@pytest.mark.parametrize(
    "env",
    [
        {"GONGJIAN_SCHEDULING_MILESTONE_RED_DAYS": "soon"},
        {"GONGJIAN_SCHEDULING_SCHEDULER_SINCE": "May"},
    ],
)
def test_a_bad_value_is_refused_with_its_name(env):
    with pytest.raises(ValueError, match="调度配置有误"):
        SchedulingConfig.load(env)


def test_an_unknown_key_in_the_file_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("thresholds:\n  investment_yelow_pp: 15\n", encoding="utf-8")
    with pytest.raises(ValueError, match="investment_yelow_pp"):
        SchedulingConfig.load({"GONGJIAN_SCHEDULING_CONFIG": str(path)})


def test_the_set_pieces_are_plan_2s_calendar_unless_the_county_changes_them() -> None:
    from services.scheduling.domain.set_pieces import SET_PIECE_CODES
    from shared.events.catalogue import SET_PIECES

    assert SET_PIECE_CODES == SET_PIECES
    config = SchedulingConfig.from_mapping(
        {
            "set_pieces": {
                "mobilisation_meeting": {"owner": "县委办", "window": ["03-10", "03-31"]}
            },
            "set_pieces_by_year": {2026: {"mobilisation_meeting": {"window": ["04-01", "04-15"]}}},
        }
    )
    meeting = config.set_pieces.find(2025, "mobilisation_meeting")
    assert meeting is not None and (meeting.owner, meeting.starts, meeting.ends) == (
        "县委办",
        "03-10",
        "03-31",
    )
    in_2026 = config.set_pieces.find(2026, "mobilisation_meeting")
    assert in_2026 is not None and (in_2026.owner, in_2026.starts) == ("县委办", "04-01")
    assert config.set_pieces.find(2026, "full_check").ends == "11-30"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "raw, named",
    [
        ({"set_pieces": {"parade": {}}}, "parade"),
        ({"set_pieces": {"full_check": {"window": ["13-01", "13-02"]}}}, "full_check.window"),
        ({"set_pieces": {"full_check": {"when": "11"}}}, "full_check"),
        (
            {"set_pieces_by_year": {2026: {"full_check": {"window": ["11-30", "11-01"]}}}},
            "结束早于开始",
        ),
    ],
)
def test_a_bad_set_piece_setting_names_its_key(raw, named) -> None:
    with pytest.raises(ValueError, match=named):
        SchedulingConfig.from_mapping(raw)
