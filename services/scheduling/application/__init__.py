"""Scheduling's use cases (`SchedulingService`) and the period scheduler (`Scheduler`)."""

from .scheduler import Scheduler
from .service import PlanRecord, SchedulingService, Snapshot

__all__ = ["SchedulingService", "PlanRecord", "Snapshot", "Scheduler"]
