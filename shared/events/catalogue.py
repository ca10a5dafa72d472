"""Every event type, its payload schema, version and meaning.

The envelope's ``occurred_at`` is the business time of the fact (when an approval was
granted, when a milestone was met); payloads carry only what the envelope does not.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.eventstore import EventType, EventTypeRegistry

from .codes import ALERT_FORMATS as ALERT_FORMATS  # written once there; re-exported
from .codes import ALERT_OWNERS as ALERT_OWNERS
from .codes import INCIDENT_KINDS as INCIDENT_KINDS
from .codes import POOL_STAGES as POOL_STAGES
from .fields import Money, Month, Whole

CATEGORIES = ("breakthrough", "new_start", "preliminary")
"""突破性进展或完工投产 / 开工建设 / 前期谋划项目取得实质性进展."""
APPROVAL_KINDS = ("filing", "planning", "eia", "land", "energy", "construction_permit", "other")
ISSUE_KINDS = (
    "land",
    "energy",
    "labour",
    "financing",
    "environment",
    "power",
    "water",
    "road",
    "other",
)
MILESTONE_KINDS = ("preliminary", "start", "progress", "completion", "commissioning")
INSPECTION_RESULTS = ("passed", "passed_with_issues", "failed")
NOTICE_KINDS = ("commendation", "criticism")
PROJECT_CADENCES = ("weekly", "monthly")
DISPATCH_CADENCES = ("weekly", "monthly", "quarterly")
DOCUMENT_KINDS = ("agenda", "supervision", "bulletin", "inspection_notice", "duban_letter")
"""The office's documents: meeting notice with agenda, 督查通报 (of a plan's period),
考核通报, the 督查通报 of one inspection round of units, and the 督办函 to a unit."""
SECTORS = (
    "manufacturing",
    "logistics",
    "commerce",
    "culture_tourism",
    "health_elderly_care",
    "finance",
    "technology_information",
    "other",
)
"""Sector codes from the plans; a sector may also be given as free text (e.g. 制造业)."""

_id = fields.String(required=True, validate=validate.Length(1, 64))
_text = fields.String(validate=validate.Length(0, 2000), load_default="")
_name = fields.String(required=True, validate=validate.Length(1, 200))


def _one_of(choices: tuple[str, ...], kind: str, **kwargs: object) -> fields.String:
    """A code from ``choices``; ``kind`` names its labels in the catalogue (shared.i18n)."""
    return fields.String(validate=validate.OneOf(choices), metadata={"label": kind}, **kwargs)  # type: ignore[arg-type]


class ProjectRegistered(Schema):
    project_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"))
    national_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^[0-9A-Z-]{24}$", error="must be the 24-character national project code"
        ),
    )
    name = _name
    category = _one_of(CATEGORIES, "category", required=True)
    sector = fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"label": "sector"}
    )
    town = fields.String(required=True, validate=validate.Length(1, 100))
    year = Whole(required=True, validate=validate.Range(2000, 2100))
    total_investment = Money(required=True)
    annual_plan = Money(required=True)
    monthly_plan = fields.List(
        Money(), load_default=None, allow_none=True, validate=validate.Length(equal=12)
    )
    major = fields.Boolean(load_default=False)
    cadence = _one_of(PROJECT_CADENCES, "cadence", load_default="monthly")
    leader = _name
    lead_unit = _name
    owner_unit = _name
    planned_start = fields.Date(load_default=None, allow_none=True)
    planned_completion = fields.Date(load_default=None, allow_none=True)
    county = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"),
        metadata={"note": "所属县的代码（GONGJIAN_TENANTS）；缺省为登记的令牌或接入系统所属县"},
    )
    """The county (a tenant code, `shared.tenancy`) the project belongs to; absent on
    registrations before tenancy (the default county); filled by the registry from the
    registering token or integration when not given."""


class TeamMember(Schema):
    """One member of a project's 工作专班."""

    name = fields.String(required=True, validate=validate.Length(1, 50), metadata={"note": "姓名"})
    unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 200),
        metadata={"note": "所在单位"},
    )
    duty = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 50),
        metadata={"note": "专班职责（组长、成员、联络员等）"},
    )


class Contact(Schema):
    """The person a project names to be reached (指定专人), as a site board posts it."""

    name = fields.String(required=True, validate=validate.Length(1, 50), metadata={"note": "姓名"})
    phone = fields.String(
        required=True,
        metadata={"note": "联系电话"},
        validate=validate.Regexp(
            r"^[0-9][0-9-]{4,19}$", error="digits and hyphens, e.g. 0558-1234567"
        ),
    )


class ResponsibilityAssigned(Schema):
    leader = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    lead_unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    owner_unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    team = fields.List(
        fields.Nested(TeamMember),
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 50),
        metadata={"description": "the project's 工作专班, replacing the one before"},
    )
    contact = fields.Nested(Contact, load_default=None, allow_none=True)
    reason = _text


class MilestonePlanned(Schema):
    milestone_id = _id
    name = _name
    due = fields.Date(required=True)
    kind = _one_of(MILESTONE_KINDS, "milestone_kind", load_default="progress")


class MilestoneCompleted(Schema):
    milestone_id = _id
    note = _text


class MilestoneSlipped(Schema):
    milestone_id = _id
    new_due = fields.Date(required=True)
    reason = _text


class ApprovalRequested(Schema):
    approval_id = _id
    kind = _one_of(APPROVAL_KINDS, "approval_kind", required=True)
    authority = _text
    allowed_days = Whole(load_default=20, validate=validate.Range(1, 365))


class ApprovalGranted(Schema):
    approval_id = _id
    kind = _one_of(APPROVAL_KINDS, "approval_kind", required=True)
    document_no = _text


class ApprovalRejected(Schema):
    approval_id = _id
    kind = _one_of(APPROVAL_KINDS, "approval_kind", required=True)
    reason = _text


class ConstructionStarted(Schema):
    note = _text


class InvestmentReported(Schema):
    month = Month(required=True)
    amount = Money(required=True)
    progress = fields.String(validate=validate.Length(0, 2000))
    """形象进度 as the unit wrote it (optional; absent from reports that do not say)."""


class InspectionCompleted(Schema):
    inspection_id = _id
    result = _one_of(INSPECTION_RESULTS, "inspection_result", required=True)
    inspector = _text
    findings = _text


class IssueRaised(Schema):
    issue_id = _id
    kind = _one_of(ISSUE_KINDS, "issue_kind", required=True)
    description = fields.String(required=True, validate=validate.Length(1, 2000))
    allowed_days = Whole(load_default=15, validate=validate.Range(1, 365))
    owner = _text


class IssueResolved(Schema):
    issue_id = _id
    resolution = _text


class SupervisionNoticeIssued(Schema):
    notice_id = _id
    kind = _one_of(NOTICE_KINDS, "notice_kind", required=True)
    title = _name
    unit = fields.String(load_default=None, allow_none=True)
    body = _text


class SafetyIncidentReported(Schema):
    incident_id = _id
    kind = _one_of(INCIDENT_KINDS, "incident_kind", required=True)
    description = _text


class ProjectCompleted(Schema):
    note = _text


class ProjectCommissioned(Schema):
    note = _text


class ProjectSuspended(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class ProjectResumed(Schema):
    reason = _text


class EventCorrected(Schema):
    corrected_event_id = fields.UUID(required=True)
    payload = fields.Dict(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    occurred_at = fields.AwareDateTime()
    """Optional: the corrected business time of the event, when that was wrong too
    (shared.history applies it; absent, the event keeps its own)."""


class EventRetracted(Schema):
    retracted_event_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class DispatchPlanned(Schema):
    cadence = _one_of(DISPATCH_CADENCES, "cadence", required=True)
    period = fields.String(required=True)
    plan_version = Whole(required=True)
    known_at = fields.String(required=True)
    digest = fields.String(required=True)
    plan = fields.Dict(required=True)
    changes = fields.Dict(load_default=dict)
    watermark = Whole(load_default=None, allow_none=True)
    """The last global position known at ``known_at``."""
    audit = fields.Boolean()
    """True on an audit view (stream ``dispatch-audit-<cadence>-<period>``)."""


class SpotCheckScheduled(Schema):
    period = fields.String(required=True)
    seed = fields.String(required=True)
    project_ids = fields.List(fields.String(), required=True)


class ActionAssigned(Schema):
    action_id = _id
    project_id = _id
    item = fields.String(required=True)
    assignee = fields.String(required=True)
    due = fields.Date(required=True)
    period = fields.String(required=True)
    description = _text


class ActionClosed(Schema):
    action_id = _id
    note = _text


SET_PIECES = (
    "publicity",
    "mobilisation_meeting",
    "progress_boards",
    "site_supervision",
    "concentrated_dispatch",
    "concentrated_inspection",
    "site_dispatch",
    "deputies_inspection",
    "full_check",
    "year_end_review",
    "commendation_meeting",
)
"""The campaign calendar's set pieces (plan 2), in calendar order."""
SITE_MEETING_KINDS = ("site_office", "site_supervision")
"""现场办公 / 现场督办."""


def _noted(field: fields.Field, note: str) -> fields.Field:
    """``field`` with its description for integrators (docs/events.md)."""
    field.metadata = {**field.metadata, "note": note}
    return field


def _set_piece() -> fields.Field:
    return _noted(_one_of(SET_PIECES, "set_piece", required=True), "重点活动（活动日程）")


class SetPieceHeld(Schema):
    code = _set_piece()
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    held_on = _noted(fields.Date(required=True), "开展日期")
    outcome = _noted(
        fields.String(required=True, validate=validate.Length(1, 2000)), "开展情况和成果"
    )
    note = _text


class SetPieceMissed(Schema):
    code = _set_piece()
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    note = _noted(fields.String(required=True, validate=validate.Length(1, 2000)), "未开展原因")


class SiteDecision(Schema):
    number = _noted(fields.Integer(required=True, validate=validate.Range(min=1)), "决定事项序号")
    text = _noted(fields.String(required=True, validate=validate.Length(1, 1000)), "决定事项")
    owner = _noted(fields.String(required=True, validate=validate.Length(1, 200)), "责任单位")
    due = _noted(fields.Date(required=True), "完成期限")
    action_id = _noted(
        fields.String(required=True, validate=validate.Length(1, 64)), "督办事项编号"
    )


class SiteMeetingRecorded(Schema):
    record_id = _noted(
        fields.String(required=True, validate=validate.Length(1, 64)), "现场办公记录编号"
    )
    kind = _noted(
        _one_of(SITE_MEETING_KINDS, "site_meeting_kind", required=True), "现场办公或现场督办"
    )
    project_id = _id
    place = _noted(fields.String(required=True, validate=validate.Length(1, 200)), "地点")
    held_on = _noted(fields.Date(required=True), "日期")
    attendees = _noted(
        fields.List(
            fields.String(validate=validate.Length(1, 200)),
            required=True,
            validate=validate.Length(min=1),
        ),
        "参加人员",
    )
    problems = _noted(
        fields.List(fields.String(validate=validate.Length(1, 1000)), load_default=list),
        "协调的问题",
    )
    decisions = _noted(
        fields.List(fields.Nested(SiteDecision), load_default=list),
        "决定事项：序号、内容、责任单位、完成期限、对应的督办事项编号",
    )


INSPECTION_KINDS = ("level_check", "special_supervision")
"""层级检查 / 专项督查组 (plans 1 and 2)."""
FINDING_KINDS = ("commendation", "problem")
"""A finding of an inspection round: 表扬 or 问题 (批评, with an owner and a deadline)."""


class InspectionTeam(Schema):
    leader = _noted(fields.String(required=True, validate=validate.Length(1, 200)), "组长")
    members = _noted(
        fields.List(
            fields.String(validate=validate.Length(1, 200)),
            required=True,
            validate=validate.Length(min=1),
        ),
        "成员",
    )


class InspectionFinding(Schema):
    number = _noted(fields.Integer(required=True, validate=validate.Range(min=1)), "序号")
    unit = _noted(fields.String(required=True, validate=validate.Length(1, 200)), "被检查单位")
    kind = _noted(_one_of(FINDING_KINDS, "finding_kind", required=True), "表扬或问题")
    text = _noted(fields.String(required=True, validate=validate.Length(1, 1000)), "内容")
    project_id = _noted(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64)),
        "所涉项目（可空）",
    )
    owner = _noted(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200)),
        "整改责任单位（问题）",
    )
    due = _noted(fields.Date(load_default=None, allow_none=True), "整改期限（问题）")
    action_id = _noted(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64)),
        "督办事项编号（问题）",
    )


class InspectionRecorded(Schema):
    round_id = _noted(fields.String(required=True, validate=validate.Length(1, 64)), "检查轮次编号")
    kind = _noted(_one_of(INSPECTION_KINDS, "inspection_kind", required=True), "检查类型")
    title = _noted(fields.String(required=True, validate=validate.Length(1, 200)), "检查事项")
    started_on = _noted(fields.Date(required=True), "检查开始日期")
    ended_on = _noted(fields.Date(required=True), "检查结束日期")
    team = _noted(fields.Nested(InspectionTeam, required=True), "检查组：组长、成员")
    units = _noted(
        fields.List(
            fields.String(validate=validate.Length(1, 200)),
            required=True,
            validate=validate.Length(min=1),
        ),
        "被检查单位",
    )
    findings = _noted(
        fields.List(fields.Nested(InspectionFinding), load_default=list),
        "检查发现：序号、单位、表扬或问题、内容、整改责任单位与期限、督办事项编号",
    )


ESCALATION_STATES = ("open", "decided", "closed")
"""An escalated problem (一事一议): awaiting the leading group, decided, closed."""


class EscalationRaised(Schema):
    escalation_id = _noted(
        fields.String(required=True, validate=validate.Length(1, 64)), "提级事项编号"
    )
    project_id = _noted(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64)),
        "所涉项目（与单位至少其一）",
    )
    unit = _noted(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200)),
        "所涉单位",
    )
    matter = _noted(
        fields.String(required=True, validate=validate.Length(1, 2000)), "提请研究的问题"
    )
    raised_by = _noted(fields.String(required=True, validate=validate.Length(1, 200)), "提请人")
    raised_on = _noted(fields.Date(required=True), "提请日期")


class EscalationDecided(Schema):
    escalation_id = _id
    decision = _noted(
        fields.String(required=True, validate=validate.Length(1, 2000)), "领导小组议定意见"
    )
    owner = _noted(fields.String(required=True, validate=validate.Length(1, 200)), "责任单位")
    due = _noted(fields.Date(required=True), "完成期限")
    decided_on = _noted(fields.Date(required=True), "议定日期")


class EscalationClosed(Schema):
    escalation_id = _id
    closed_on = _noted(fields.Date(required=True), "办结日期")
    note = _noted(fields.String(required=True, validate=validate.Length(1, 2000)), "办结情况")


ACTION_WORKFLOW_TYPES = ("ActionAcknowledged", "ActionStarted", "ActionReported", "ActionReviewed")
"""The 督办 workflow's steps between ``ActionAssigned`` (下发) and ``ActionClosed`` (办结)."""
ACTION_REVIEW_DECISIONS = ("accepted", "returned")
"""复核: the office accepts the unit's 反馈 (the action is 办结) or sends it back to 办理."""


def _person() -> fields.Field:
    return _noted(
        fields.String(load_default="", validate=validate.Length(0, 200)),
        "经办人（代表责任单位签收、办理、反馈的人）",
    )


class ActionAcknowledged(Schema):
    action_id = _id
    person = _person()
    note = _text


class ActionStarted(Schema):
    action_id = _id
    person = _person()
    note = _text


class ActionReported(Schema):
    action_id = _id
    person = _person()
    report = _noted(
        fields.String(required=True, validate=validate.Length(1, 2000)), "办理情况（反馈内容）"
    )


class ActionReviewed(Schema):
    action_id = _id
    decision = _noted(
        _one_of(ACTION_REVIEW_DECISIONS, "action_review_decision", required=True),
        "复核结论：通过（办结）或退回重办",
    )
    reason = _noted(_text, "复核意见；退回时必填")


class RulebookAdopted(Schema):
    rulebook_version = fields.String(required=True)
    rulebook_hash = fields.String(required=True, validate=validate.Length(equal=64))
    rulebook = fields.Dict(required=True)


class AssessmentPublished(Schema):
    assessment_id = _id
    year = Whole(required=True)
    as_of = fields.String(required=True)
    known_at = fields.String(required=True)
    rulebook_version = fields.String(required=True)
    rulebook_hash = fields.String(required=True)
    chain_head_position = Whole(required=True)
    chain_head_hash = fields.String(required=True)
    result_hash = fields.String(required=True)
    digest = fields.String(required=True)
    summary = fields.Dict(load_default=dict)


class AssessmentComputed(AssessmentPublished):
    """The job's result: a draft (草稿) until signed off; same fields as the publication."""


class AssessmentApproved(Schema):
    assessment_id = _id
    year = fields.Integer(required=True)
    digest = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    approved_by = _name
    supersedes = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 2000))


class PrincipalAdmonished(Schema):
    admonishment_id = _id
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    unit = _name
    principal = _name
    held_on = fields.Date(required=True)
    conducted_by = _name
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    assessment_id = fields.String(load_default=None, allow_none=True)


BOARD_COLOURS = ("green", "yellow", "red")
"""红/黄/绿 as the board judges a project (scheduling's rules)."""


class MonthColoursRecorded(Schema):
    year = _noted(Whole(required=True, validate=validate.Range(2000, 2100)), "攻坚年度")
    month = _noted(
        fields.String(required=True, validate=validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$")),
        "月份（YYYY-MM）",
    )
    judged_on = _noted(fields.Date(required=True), "评定日（当月最后一天）")
    colours = _noted(
        fields.Dict(
            keys=fields.String(validate=validate.Length(1, 64)),
            values=_one_of(BOARD_COLOURS, "colour"),
            required=True,
        ),
        "各项目当月末的红黄绿灯（按当月末已记录的情况评定）",
    )


class CampaignTargets(Schema):
    breakthrough = Whole(required=True, validate=validate.Range(0, 100000))
    new_start = Whole(required=True, validate=validate.Range(0, 100000))
    preliminary = Whole(required=True, validate=validate.Range(0, 100000))
    investment = Money(required=True)


class CampaignDefined(Schema):
    year = Whole(required=True, validate=validate.Range(2000, 2100))
    name = _name
    county = fields.String(required=True, validate=validate.Length(1, 100))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    targets = fields.Nested(CampaignTargets, required=True)

    @validates_schema
    def _dates_in_order(self, data: dict, **kwargs: object) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("结束日期不得早于开始日期（starts_on）", "ends_on")


class ProjectCarriedOver(Schema):
    from_year = Whole(required=True, validate=validate.Range(2000, 2100))
    to_year = Whole(required=True, validate=validate.Range(2000, 2100))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    annual_plan = Money(
        load_default=None,
        allow_none=True,
        metadata={"note": "结转进入年度的年度计划投资；不填则沿用登记时的计划"},
    )
    monthly_plan = fields.List(
        Money(),
        load_default=None,
        allow_none=True,
        validate=validate.Length(equal=12),
        metadata={"note": "结转进入年度的1—12月计划投资"},
    )

    @validates_schema
    def _forward(self, data: dict, **kwargs: object) -> None:
        if data["to_year"] <= data["from_year"]:
            raise ValidationError("结转进入的年度须晚于结转前年度（from_year）", "to_year")


class DocumentIssued(Schema):
    document_key = fields.String(required=True, validate=validate.Length(1, 200))
    """What was issued, e.g. ``agenda:weekly:2026-W10:v1`` (one number per key)."""
    kind = _one_of(DOCUMENT_KINDS, "document_kind", required=True)
    title = fields.String(required=True, validate=validate.Length(1, 500))
    year = Whole(required=True, validate=validate.Range(2000, 2100))
    sequence = Whole(required=True, validate=validate.Range(min=1))
    number = fields.String(required=True, validate=validate.Length(1, 100))
    """``攻坚办〔2026〕12号``."""
    issued_on = fields.String(required=True)
    """The issuing date in the campaign's time zone (``YYYY-MM-DD``)."""
    digest = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128))
    """SHA-256 of what the document was made from (the plan version's or the assessment's
    digest); absent on documents issued before it was recorded."""


class TokenRevoked(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(1, 100),
        metadata={"note": "令牌持有人（令牌名称；令牌本身从不记录）"},
    )
    role = fields.String(
        required=True,
        validate=validate.OneOf(("admin", "office", "integration", "auditor", "viewer")),
        metadata={"label": "role", "note": "令牌的角色"},
    )


class IntegrationDisabled(Schema):
    name = fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"note": "接入系统名称"}
    )


class IntegrationEnabled(IntegrationDisabled):
    pass


class AlertChannelConfigured(Schema):
    channel_id = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"),
        metadata={"note": "提醒通道编号"},
    )
    owner_kind = _noted(
        _one_of(ALERT_OWNERS, "alert_owner", required=True), "通道所属：分包领导或责任单位"
    )
    owner = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"note": "分包领导姓名或责任单位名称，与项目登记一致"},
    )
    format = _noted(_one_of(ALERT_FORMATS, "alert_format", required=True), "推送格式")
    target = fields.String(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"note": "推送地址，凭据（key、access_token）已遮蔽；地址与密钥加密另存"},
    )
    signed = fields.Boolean(required=True, metadata={"note": "是否设置了签名密钥（钉钉加签等）"})


class AlertChannelRemoved(Schema):
    channel_id = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"),
        metadata={"note": "提醒通道编号"},
    )


POOL_EVENT_TYPES = ("ProjectPooled", "ProjectStageChanged", "ProjectStatisticsEntered")
"""The project pool's own events, on the project's ``project-<id>`` stream."""


class ProjectPooled(Schema):
    project_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"))
    name = _name
    sector = fields.String(
        required=True, validate=validate.Length(1, 100), metadata={"label": "sector"}
    )
    town = fields.String(required=True, validate=validate.Length(1, 100))
    total_investment = _noted(Money(required=True), "计划总投资（元）")
    owner_unit = _noted(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200)),
        "业主单位（签约前可空）",
    )
    stage = _noted(_one_of(POOL_STAGES, "project_stage", load_default="planning"), "入库时所处阶段")
    note = _text
    county = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"),
        metadata={"note": "所属县的代码（GONGJIAN_TENANTS）；缺省为入库的令牌所属县"},
    )
    """The county the pool entry belongs to (a tenant code): the one the pooling office is
    of, or the one a city or province names; absent before tenancy (the default county).
    Entering a campaign from the pool registers the project in the same county."""


class ProjectStageChanged(Schema):
    stage = _noted(_one_of(POOL_STAGES, "project_stage", required=True), "进入的阶段")
    note = _text


class ProjectStatisticsEntered(Schema):
    statistics_code = _noted(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64)),
        "统计库项目编号（如有）",
    )
    note = _text


class LeaderVisited(Schema):
    """挂点服务: the project's leader (一个镇领导牵头) visits it and serves it."""

    visit_id = _noted(
        fields.String(required=True, validate=validate.Length(1, 64)), "挂点服务记录编号"
    )
    leader = _noted(
        fields.String(required=True, validate=validate.Length(1, 200)), "挂点领导（姓名和职务）"
    )
    services = _noted(
        fields.String(required=True, validate=validate.Length(1, 2000)), "服务内容：做了什么"
    )
    problems_solved = _noted(
        fields.List(fields.String(validate=validate.Length(1, 1000)), load_default=list),
        "现场解决的问题",
    )
    note = _text


CATALOGUE: tuple[EventType, ...] = (
    EventType("ProjectRegistered", ProjectRegistered, meaning="a key project enters the campaign"),
    EventType(
        "ResponsibilityAssigned",
        ResponsibilityAssigned,
        meaning="the leader, lead unit or owner unit changes",
    ),
    EventType(
        "MilestonePlanned",
        MilestonePlanned,
        meaning="a milestone of the reverse schedule (倒排工期) is set",
    ),
    EventType("MilestoneCompleted", MilestoneCompleted, meaning="a planned milestone is met"),
    EventType("MilestoneSlipped", MilestoneSlipped, meaning="a milestone's due date moves later"),
    EventType(
        "ApprovalRequested", ApprovalRequested, meaning="an approval (前期手续) is applied for"
    ),
    EventType("ApprovalGranted", ApprovalGranted, meaning="an approval is granted"),
    EventType("ApprovalRejected", ApprovalRejected, meaning="an approval is refused"),
    EventType("ConstructionStarted", ConstructionStarted, meaning="construction starts (开工)"),
    EventType("InvestmentReported", InvestmentReported, meaning="a month's completed investment"),
    EventType(
        "InspectionCompleted", InspectionCompleted, meaning="an inspection (督查) with its result"
    ),
    EventType("IssueRaised", IssueRaised, meaning="a problem blocking the project is raised"),
    EventType("IssueResolved", IssueResolved, meaning="a raised problem is resolved"),
    EventType(
        "SupervisionNoticeIssued",
        SupervisionNoticeIssued,
        meaning="a commendation or criticism notice (督查通报)",
    ),
    EventType(
        "SafetyIncidentReported",
        SafetyIncidentReported,
        meaning="a safety or ecology incident; some are vetoes (一票否决)",
    ),
    EventType("ProjectCompleted", ProjectCompleted, meaning="construction is completed (完工)"),
    EventType(
        "ProjectCommissioned", ProjectCommissioned, meaning="the project goes into operation (投产)"
    ),
    EventType("ProjectSuspended", ProjectSuspended, meaning="the project is suspended"),
    EventType(
        "EventCorrected",
        EventCorrected,
        meaning="replaces the payload of an earlier event of the same project",
    ),
    EventType(
        "EventRetracted", EventRetracted, meaning="withdraws an earlier event of the same project"
    ),
    EventType(
        "DispatchPlanned",
        DispatchPlanned,
        meaning="a dispatch plan (调度计划) for a period, versioned",
    ),
    EventType(
        "SpotCheckScheduled",
        SpotCheckScheduled,
        meaning="the week's random spot-check sample (每周抽查)",
    ),
    EventType("ActionAssigned", ActionAssigned, meaning="a follow-up action from an agenda item"),
    EventType("ActionClosed", ActionClosed, meaning="a follow-up action is done"),
    EventType(
        "RulebookAdopted", RulebookAdopted, meaning="an assessment rulebook comes into force"
    ),
    EventType(
        "AssessmentPublished",
        AssessmentPublished,
        meaning="a year-end assessment (年终考核) with its digest, published once signed off",
    ),
    # Added after the first release; appended so that the slices above stay stable.
    EventType("ProjectResumed", ProjectResumed, meaning="a suspended project resumes"),
    EventType(
        "DocumentIssued",
        DocumentIssued,
        meaning="an office document gets its number (发文字号), once",
    ),
    EventType(
        "CampaignDefined",
        CampaignDefined,
        meaning="a year's campaign (项目攻坚年): its county, dates and targets; a later one amends it",
    ),
    EventType(
        "ProjectCarriedOver",
        ProjectCarriedOver,
        meaning="a project is carried over into a later year's campaign (结转)",
    ),
    EventType(
        "TokenRevoked",
        TokenRevoked,
        meaning="an administrator revokes an API token (stream ``admin-tokens``)",
    ),
    EventType(
        "IntegrationDisabled",
        IntegrationDisabled,
        meaning="an administrator stops an integration (stream ``admin-integrations``)",
    ),
    EventType(
        "IntegrationEnabled",
        IntegrationEnabled,
        meaning="an administrator lets a stopped integration send again",
    ),
    EventType(
        "SetPieceHeld",
        SetPieceHeld,
        meaning="a set piece of the campaign calendar was held, with its outcome",
    ),
    EventType(
        "SetPieceMissed",
        SetPieceMissed,
        meaning="a set piece of the campaign calendar was not held, and why",
    ),
    EventType(
        "SiteMeetingRecorded",
        SiteMeetingRecorded,
        meaning="a 现场办公/现场督办: where, who, the problems, decisions with owners and deadlines",
    ),
    EventType(
        "AssessmentComputed",
        AssessmentComputed,
        meaning="a year-end assessment computed by its job: a draft until signed off (审定)",
    ),
    EventType(
        "AssessmentApproved",
        AssessmentApproved,
        meaning="the approver signs off an assessment's digest (审定); appended with its "
        "``AssessmentPublished``; a correction names the version it supersedes and why",
    ),
    EventType(
        "PrincipalAdmonished",
        PrincipalAdmonished,
        meaning="a unit's principal admonished (诫勉谈话): who, when, by whom, why "
        "(stream ``accountability-<year>``; another county's ``<county>:accountability-<year>``)",
    ),
    EventType(
        "InspectionRecorded",
        InspectionRecorded,
        meaning="an inspection round of units (层级检查/专项督查): its team, the units, the "
        "findings; a problem opens a follow-up action (stream ``inspection-<round>``)",
    ),
    EventType(
        "EscalationRaised",
        EscalationRaised,
        meaning="a problem escalated to the leading group (一事一议、特事特办): what, by whom, "
        "when (stream ``escalation-<id>``)",
    ),
    EventType(
        "EscalationDecided",
        EscalationDecided,
        meaning="the leading group's decision on an escalated problem, its owner and deadline",
    ),
    EventType(
        "EscalationClosed",
        EscalationClosed,
        meaning="an escalated problem is closed (办结), with how",
    ),
    EventType(
        "ActionAcknowledged",
        ActionAcknowledged,
        meaning="督办 workflow: the responsible unit signs for a follow-up action (签收)",
    ),
    EventType(
        "ActionStarted",
        ActionStarted,
        meaning="督办 workflow: the unit starts handling the action (办理)",
    ),
    EventType(
        "ActionReported",
        ActionReported,
        meaning="督办 workflow: the unit reports what it did (反馈)",
    ),
    EventType(
        "ActionReviewed",
        ActionReviewed,
        meaning="督办 workflow: the office reviews the report (复核): accepted, appended with "
        "``ActionClosed`` (办结), or returned to 办理 with its reason",
    ),
    EventType(
        "AlertChannelConfigured",
        AlertChannelConfigured,
        meaning="an administrator sets a leader's or unit's alert channel (stream "
        "``alert-channels``; its URL and secret are kept sealed, not in the log)",
    ),
    EventType(
        "AlertChannelRemoved",
        AlertChannelRemoved,
        meaning="an administrator removes an alert channel",
    ),
    EventType(
        "MonthColoursRecorded",
        MonthColoursRecorded,
        meaning="each project's red/yellow/green at a month's end as known then (红黄绿灯月度"
        "记录), recorded once the month has ended (stream ``colours-<year>``)",
    ),
    EventType(
        "ProjectPooled",
        ProjectPooled,
        meaning="a project enters the project pool (项目库) at a stage before any campaign; "
        "it enters a campaign later by its ``ProjectRegistered``",
    ),
    EventType(
        "ProjectStageChanged",
        ProjectStageChanged,
        meaning="a pooled project moves to a later stage (谋划 → 储备 → 在谈 → 签约 → 前期)",
    ),
    EventType(
        "ProjectStatisticsEntered",
        ProjectStatisticsEntered,
        meaning="a started project is entered into the statistics database (入统)",
    ),
    EventType(
        "LeaderVisited",
        LeaderVisited,
        meaning="the project's leader visits and serves it (挂点服务): what was done, the "
        "problems solved",
    ),
)

PROJECT_EVENT_TYPES = (
    *(t.name for t in CATALOGUE[:20]),
    "ProjectResumed",
    "ProjectCarriedOver",
    *POOL_EVENT_TYPES,
    "LeaderVisited",
)
"""Types that live in ``project-<id>`` streams (registry's categories)."""


def build_registry() -> EventTypeRegistry:
    return EventTypeRegistry(CATALOGUE)
