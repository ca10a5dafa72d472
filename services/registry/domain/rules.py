"""The rules a new project event must satisfy against the project's current state.

Each rule raises `RuleViolation` naming the field at fault, a machine code, and in Chinese
what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from shared.history import corrected_time
from shared.i18n import label

from .errors import RuleViolation
from .events import AMENDMENTS, CORRECTED, RETRACTED, ProjectEvent
from .history import admitted
from .project import STAGES, KeyProject, instant_text

Rule = Callable[[KeyProject, ProjectEvent], None]

POOL_TAKES = frozenset({"ProjectStageChanged", *AMENDMENTS})
"""What a pooled project takes before it enters a campaign (its ``ProjectRegistered``)."""
STARTS = ("ProjectRegistered", "ProjectPooled")
"""The events that start a project's stream."""


def check(
    project: KeyProject,
    event: ProjectEvent,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(minutes=5),
) -> None:
    """Refuse ``event`` if the project, as it stands, does not allow it. ``now``
    (the store's clock) bounds business time; None skips that rule (replays)."""
    if now is not None:
        _not_in_future("occurred_at", event.occurred_at, now + max_skew, max_skew)
        if event.type == CORRECTED and (moved := corrected_time(event)) is not None:
            _not_in_future("payload.occurred_at", moved, now + max_skew, max_skew)
    if event.type == "ProjectRegistered":
        if project.registered:
            raise RuleViolation(
                "project_id",
                "already_registered",
                f"项目 {project.project_id} 已登记，不能重复登记",
            )
        return
    if event.type == "ProjectPooled":
        _pooled(project)
        return
    if not project.registered and not (project.pooled and event.type in POOL_TAKES):
        raise RuleViolation(
            "project_id",
            "not_registered",
            f"项目 {project.project_id} 尚未登记（先报送 ProjectRegistered）",
        )
    # Closed means closed in business time: a fact from before commissioning that an
    # approval system reports late is still accepted.
    if project.closed and event.type not in AMENDMENTS and _after_closing(project, event):
        raise RuleViolation(
            "type",
            "project_closed",
            f"项目已于 {project.commissioned_at} 投产并关闭，只接受更正（EventCorrected）"
            "和撤回（EventRetracted）",
        )
    rule = RULES.get(event.type)
    if rule is not None:
        rule(project, event)


def _not_in_future(field: str, instant: datetime, latest: datetime, skew: timedelta) -> None:
    if instant > latest:
        raise RuleViolation(
            field,
            "in_future",
            f"业务时间 {instant.isoformat()} 晚于当前时间（允许误差 {int(skew.total_seconds())} 秒）",
        )


def _after_closing(project: KeyProject, event: ProjectEvent) -> bool:
    return instant_text(event) > str(project.commissioned_at)


def check_amendment(
    project: KeyProject,
    amendment: ProjectEvent,
    target: ProjectEvent | None,
    history: Iterable[ProjectEvent],
) -> None:
    """An amendment must point at an original event of the same project, and the
    history with the amendment in effect must still obey every rule."""
    field = "retracted_event_id" if amendment.type == RETRACTED else "corrected_event_id"
    if target is None:
        raise RuleViolation(
            field, "no_such_event", f"项目 {project.project_id} 中没有事件 {amendment.target}"
        )
    if target.is_amendment:
        raise RuleViolation(field, "amends_an_amendment", "请更正或撤回原始事件，而不是对它的更正")
    if target.type in STARTS and amendment.type == RETRACTED:
        raise RuleViolation(field, "registration_retracted", "项目登记（入库）不能撤回，请改为更正")
    last = project.amended_ids.get(target.event_id)
    if last == RETRACTED:
        raise RuleViolation(field, "already_retracted", f"事件 {target.event_id} 已撤回")
    if target.type in STARTS:
        new_id = amendment.payload["payload"].get("project_id")
        if new_id != project.project_id:
            raise RuleViolation("payload.project_id", "project_id_changed", "项目编号不能更正")
    events = list(history)
    trial = admitted([*events, replace(amendment, recorded_at=_latest(events))])
    replay_strictly(project.project_id, trial)


def replay_strictly(project_id: str, events: Iterable[ProjectEvent]) -> KeyProject:
    """Fold ``events`` checking each against the state before it (no clock rule)."""
    project = KeyProject(project_id)
    for event in events:
        if not event.retracted_by and not event.is_amendment:
            try:
                check(project, event)
            except RuleViolation as exc:
                raise RuleViolation(
                    exc.field,
                    exc.code,
                    f"按此更正，第 {event.stream_version} 版的 {event.type} 将违反规则：{exc.message}",
                ) from None
        project.apply(event)
    return project


def _latest(events: list[ProjectEvent]) -> datetime | None:
    stamps = [e.recorded_at for e in events if e.recorded_at is not None]
    return max(stamps) if stamps else None


# -- one rule per event type ---------------------------------------------------------


def _responsibility(project: KeyProject, event: ProjectEvent) -> None:
    p = event.payload
    if not any(p.get(name) for name in ("leader", "lead_unit", "owner_unit", "team", "contact")):
        raise RuleViolation(
            "leader",
            "no_one_responsible",
            "分包领导、承办单位、业主单位、专班、联系人至少填写一项",
        )


def _milestone(project: KeyProject, event: ProjectEvent) -> dict[str, Any]:
    milestone_id = event.payload["milestone_id"]
    milestone = project.milestones.get(milestone_id)
    if milestone is None:
        raise RuleViolation(
            "milestone_id",
            "milestone_not_planned",
            f"节点“{milestone_id}”尚未计划（先报送 MilestonePlanned）",
        )
    if milestone["status"] == "completed":
        raise RuleViolation(
            "milestone_id",
            "milestone_completed",
            f"节点“{milestone_id}”已于 {milestone['completed_at']} 完成",
        )
    return milestone


def _milestone_completed(project: KeyProject, event: ProjectEvent) -> None:
    _milestone(project, event)


def _milestone_planned(project: KeyProject, event: ProjectEvent) -> None:
    milestone_id = event.payload["milestone_id"]
    if milestone_id in project.milestones:
        raise RuleViolation(
            "milestone_id",
            "milestone_planned",
            f"节点“{milestone_id}”已计划；调整时限请报送 MilestoneSlipped",
        )


def _milestone_slipped(project: KeyProject, event: ProjectEvent) -> None:
    milestone = _milestone(project, event)
    new_due = date.fromisoformat(event.payload["new_due"])
    if new_due <= date.fromisoformat(milestone["due"]):
        raise RuleViolation("new_due", "not_later", f"新的完成时限须晚于现时限 {milestone['due']}")


def _approval_requested(project: KeyProject, event: ProjectEvent) -> None:
    approval_id = event.payload["approval_id"]
    if approval_id in project.approvals:
        raise RuleViolation(
            "approval_id", "duplicate_id", f"审批事项“{approval_id}”已登记，请使用新的编号"
        )


def _approval_decided(project: KeyProject, event: ProjectEvent) -> None:
    approval = project.approvals.get(event.payload["approval_id"])
    if approval is None:
        return  # approval systems may report a decision without the application
    if approval["status"] != "requested":
        raise RuleViolation(
            "approval_id",
            "approval_decided",
            f"审批事项“{event.payload['approval_id']}”已有结果："
            f"{label('approval_status', approval['status'])}",
        )
    if approval["kind"] != event.payload["kind"]:
        raise RuleViolation(
            "kind",
            "approval_kind_differs",
            f"该审批事项申请时的类别为“{label('approval_kind', approval['kind'])}”",
        )


def _construction_started(project: KeyProject, event: ProjectEvent) -> None:
    if project.started_at is not None:
        raise RuleViolation("type", "already_started", f"项目已于 {project.started_at} 开工")


def _investment(project: KeyProject, event: ProjectEvent) -> None:
    month = event.payload["month"]
    if month in project.investment:
        raise RuleViolation(
            "month",
            "already_reported",
            f"{month} 的投资已报送（{project.investment[month]:.2f}元）；修改请报送 EventCorrected",
        )
    if event.payload["amount"].startswith("-"):
        raise RuleViolation("amount", "negative", "投资额不能为负数")
    # The latest local month anywhere on Earth at that instant (UTC+14): a month that
    # has not begun yet cannot have had investment.
    latest_month = (event.occurred_at + timedelta(hours=14)).strftime("%Y-%m")
    if month > latest_month:
        raise RuleViolation(
            "month", "month_not_begun", f"报送时 {month} 尚未开始（当时最晚为 {latest_month}）"
        )


def _new_record(collection: str, key: str) -> Rule:
    def rule(project: KeyProject, event: ProjectEvent) -> None:
        value = event.payload[key]
        if value in getattr(project, collection):
            raise RuleViolation(key, "duplicate_id", f"“{value}”已登记，请使用新的编号")

    return rule


def _issue_resolved(project: KeyProject, event: ProjectEvent) -> None:
    issue = project.issues.get(event.payload["issue_id"])
    if issue is None:
        raise RuleViolation(
            "issue_id", "issue_not_raised", f"问题“{event.payload['issue_id']}”从未提出"
        )
    if issue["status"] == "resolved":
        raise RuleViolation(
            "issue_id",
            "issue_resolved",
            f"问题“{event.payload['issue_id']}”已于 {issue['resolved_at']} 解决",
        )


def _completed(project: KeyProject, event: ProjectEvent) -> None:
    if project.started_at is None:
        raise RuleViolation("type", "not_started", "项目尚未开工（先报送 ConstructionStarted）")
    if project.completed_at is not None:
        raise RuleViolation("type", "already_completed", f"项目已于 {project.completed_at} 竣工")


def _commissioned(project: KeyProject, event: ProjectEvent) -> None:
    if project.completed_at is None:
        raise RuleViolation("type", "not_completed", "项目尚未竣工（先报送 ProjectCompleted）")


def _suspended(project: KeyProject, event: ProjectEvent) -> None:
    if project.suspended_at is not None:
        raise RuleViolation("type", "already_suspended", f"项目自 {project.suspended_at} 起已停工")


def _resumed(project: KeyProject, event: ProjectEvent) -> None:
    if project.suspended_at is None:
        raise RuleViolation("type", "not_suspended", "项目未停工")


def _carried_over(project: KeyProject, event: ProjectEvent) -> None:
    """Carried from a campaign the project is in to a later one it is not in yet."""
    years = project.campaign_years
    from_year, to_year = int(event.payload["from_year"]), int(event.payload["to_year"])
    if from_year not in years:
        raise RuleViolation(
            "from_year",
            "not_in_campaign",
            f"项目不属于{from_year}年攻坚年（所属年度：{'、'.join(map(str, sorted(years)))}）",
        )
    if to_year in years:
        raise RuleViolation("to_year", "already_in_campaign", f"项目已属于{to_year}年攻坚年")


def _pooled(project: KeyProject) -> None:
    if project.registered or project.pooled:
        raise RuleViolation(
            "project_id", "already_pooled", f"项目 {project.project_id} 已在项目库中，不能重复入库"
        )


def _stage_changed(project: KeyProject, event: ProjectEvent) -> None:
    """A pool stage is entered once, in order, and only before construction starts."""
    stage = event.payload["stage"]
    if project.started_at is not None:
        raise RuleViolation(
            "stage",
            "already_started",
            f"项目已于 {project.started_at} 开工，此后阶段以开工、竣工、投产事件记录",
        )
    if STAGES.index(stage) <= STAGES.index(project.stage) and project.stages:
        raise RuleViolation(
            "stage",
            "stage_not_forward",
            f"项目已处于“{label('project_stage', project.stage)}”阶段，"
            f"不能进入“{label('project_stage', stage)}”（阶段只能向后推进）",
        )


def _statistics_entered(project: KeyProject, event: ProjectEvent) -> None:
    if project.started_at is None:
        raise RuleViolation("type", "not_started", "项目尚未开工，开工后方可入统")
    if project.statistics_at is not None:
        raise RuleViolation(
            "type", "already_in_statistics", f"项目已于 {project.statistics_at} 入统"
        )


RULES: dict[str, Rule] = {
    "ResponsibilityAssigned": _responsibility,
    "MilestonePlanned": _milestone_planned,
    "MilestoneCompleted": _milestone_completed,
    "MilestoneSlipped": _milestone_slipped,
    "ApprovalRequested": _approval_requested,
    "ApprovalGranted": _approval_decided,
    "ApprovalRejected": _approval_decided,
    "ConstructionStarted": _construction_started,
    "InvestmentReported": _investment,
    "InspectionCompleted": _new_record("inspections", "inspection_id"),
    "IssueRaised": _new_record("issues", "issue_id"),
    "IssueResolved": _issue_resolved,
    "SupervisionNoticeIssued": _new_record("notices", "notice_id"),
    "SafetyIncidentReported": _new_record("incidents", "incident_id"),
    "ProjectCompleted": _completed,
    "ProjectCommissioned": _commissioned,
    "ProjectSuspended": _suspended,
    "ProjectResumed": _resumed,
    "ProjectCarriedOver": _carried_over,
    "ProjectStageChanged": _stage_changed,
    "ProjectStatisticsEntered": _statistics_entered,
    "LeaderVisited": _new_record("visits", "visit_id"),
}
