"""The month-end colours scheduling recorded (``MonthColoursRecorded``, stream
``colours-<year>``): what the rulebook's red-month criterion (`rulebook.RED_MONTHS`) counts.

Each month is as the office saw it at that month's end; the assessment counts the months
of its year that ended by its ``as_of``. A month not recorded breaks a run of reds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

MONTH_COLOURS = "MonthColoursRecorded"


class MonthColours:
    def __init__(self) -> None:
        self.months: dict[str, dict[str, str]] = {}

    def take(self, payload: Mapping[str, Any], year: int, as_of: datetime, zone: ZoneInfo) -> None:
        """One recorded month, if of ``year`` and ended by ``as_of``."""
        if int(payload["year"]) != year:
            return
        if date.fromisoformat(payload["judged_on"]) > as_of.astimezone(zone).date():
            return
        # Each county records its own months (`<county>:colours-<year>`); project ids are
        # unique across the deployment, so one month's records merge.
        self.months.setdefault(payload["month"], {}).update(payload["colours"])

    def red_months(self, project_id: str) -> dict[str, Any]:
        """The project's red months and its longest run of consecutive ones."""
        red = [m for m in sorted(self.months) if self.months[m].get(project_id) == "red"]
        longest = run = 0
        previous = ""
        for month in red:
            run = run + 1 if previous and _next(previous) == month else 1
            longest, previous = max(longest, run), month
        return {"longest": longest, "months": red}

    def annotate(self, projects: list[dict[str, Any]]) -> None:
        """Each scored project's ``red_months`` (only when the rulebook counts them)."""
        for project in projects:
            project["red_months"] = self.red_months(project["project_id"])


def _next(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + 1}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"
