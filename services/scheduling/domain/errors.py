"""What can go wrong in scheduling, in the domain's words."""

from __future__ import annotations


class SchedulingError(Exception):
    """Base of scheduling's errors."""


class PlanNotFound(SchedulingError):
    def __init__(self, cadence: str, period: str, version: int | None = None) -> None:
        which = f" version {version}" if version is not None else ""
        super().__init__(f"no {cadence} plan{which} for {period}")


class ActionNotFound(SchedulingError):
    def __init__(self, action_id: str) -> None:
        super().__init__(f"no follow-up action {action_id!r}")
        self.action_id = action_id
