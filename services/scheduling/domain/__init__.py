"""Scheduling's domain, plain Python: periods, the working-day calendar, the project state
folded from events, the board and agenda rules, and the dispatch plan."""

from .calendar import WorkingCalendar
from .errors import ActionNotFound, PlanNotFound, SchedulingError
from .periods import CADENCES, InvalidPeriod, Period
from .plan import (
    MeetingSettings,
    OpenAction,
    PlanInputs,
    Roster,
    Targets,
    build_plan,
    digest_of,
)
from .project import ProjectState, apply, effective_facts, fold
from .rules import Finding, Thresholds, findings, status

__all__ = [
    # periods and calendar
    "CADENCES",
    "Period",
    "InvalidPeriod",
    "WorkingCalendar",
    # projects and rules
    "ProjectState",
    "apply",
    "fold",
    "effective_facts",
    "Finding",
    "Thresholds",
    "findings",
    "status",
    # plans
    "PlanInputs",
    "OpenAction",
    "MeetingSettings",
    "Roster",
    "Targets",
    "build_plan",
    "digest_of",
    # errors
    "SchedulingError",
    "PlanNotFound",
    "ActionNotFound",
]
