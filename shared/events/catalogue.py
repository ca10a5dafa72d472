"""Every event type, its payload schema, version and meaning.

The envelope's ``occurred_at`` is the business time of the fact (when an approval was
granted, when a milestone was met); payloads carry only what the envelope does not.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.eventstore import EventType, EventTypeRegistry

from .codes import INCIDENT_KINDS as INCIDENT_KINDS  # written once there; re-exported
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
DOCUMENT_KINDS = ("agenda", "supervision", "bulletin")
"""The office's documents: meeting notice with agenda, 督查通报, 考核通报."""
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
        "(stream ``accountability-<year>``)",
    ),
)

PROJECT_EVENT_TYPES = (*(t.name for t in CATALOGUE[:20]), "ProjectResumed", "ProjectCarriedOver")
"""Types that live in ``project-<id>`` streams (registry's categories)."""


def build_registry() -> EventTypeRegistry:
    return EventTypeRegistry(CATALOGUE)
