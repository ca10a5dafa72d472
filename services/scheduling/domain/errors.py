"""What can go wrong in scheduling, in the domain's words."""

from __future__ import annotations


class SchedulingError(Exception):
    """Base of scheduling's errors."""


class PlanNotFound(SchedulingError):
    def __init__(self, cadence: str, period: str, version: int | None = None) -> None:
        names = {"weekly": "周", "monthly": "月度", "quarterly": "季度"}
        which = f"第{version}版" if version is not None else ""
        super().__init__(f"没有 {period} 的{names.get(cadence, cadence)}调度计划{which}")


class ActionNotFound(SchedulingError):
    def __init__(self, action_id: str) -> None:
        super().__init__(f"没有督办事项“{action_id}”")
        self.action_id = action_id


class SetPieceNotFound(SchedulingError):
    def __init__(self, code: str) -> None:
        super().__init__(f"活动日程中没有重点活动“{code}”")
        self.code = code


class InvalidRecord(SchedulingError):
    """A record (a set piece held, a site meeting) the office cannot keep as stated."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class SiteMeetingNotFound(SchedulingError):
    def __init__(self, record_id: str) -> None:
        super().__init__(f"没有现场办公记录“{record_id}”")
        self.record_id = record_id


class InspectionNotFound(SchedulingError):
    def __init__(self, round_id: str) -> None:
        super().__init__(f"没有督查检查轮次“{round_id}”")
        self.round_id = round_id


class EscalationNotFound(SchedulingError):
    def __init__(self, escalation_id: str) -> None:
        super().__init__(f"没有提请领导小组研究的事项“{escalation_id}”")
        self.escalation_id = escalation_id


class EscalationConflict(SchedulingError):
    """A step an escalated problem cannot take in its state (e.g. deciding a closed one)."""

    def __init__(self, escalation_id: str, state: str, message: str) -> None:
        super().__init__(message)
        self.escalation_id = escalation_id
        self.state = state


class AlertChannelNotFound(SchedulingError):
    def __init__(self, channel_id: str) -> None:
        super().__init__(f"没有提醒通道“{channel_id}”")
        self.channel_id = channel_id


class AlertNotFound(SchedulingError):
    def __init__(self, alert_id: str) -> None:
        super().__init__(f"没有提醒“{alert_id}”")
        self.alert_id = alert_id


class ColourRecordNotFound(SchedulingError):
    """A project with no month in the campaign's colour record (unknown, or not of it)."""

    def __init__(self, project_id: str, year: int) -> None:
        super().__init__(f"{year}年攻坚行动的红黄绿灯记录中没有项目“{project_id}”")
        self.project_id = project_id
