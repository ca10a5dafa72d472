"""Response schemas of scheduling's HTTP API: each code with its Chinese label beside it."""

from __future__ import annotations

from marshmallow import fields

from shared.http.labels import LabelledSchema, coded, coded_keys, coded_list, yes_no


class BoardReason(LabelledSchema):
    rule = coded("agenda_rule")
    colour = coded("colour", allow_none=True)


class BoardRow(LabelledSchema):
    county = coded("county")
    category = coded("category")
    sector = coded("sector")
    phase = coded("phase")
    status = coded("colour")
    major = yes_no()
    reasons = fields.List(fields.Nested(BoardReason))


class BoardResponse(LabelledSchema):
    projects = fields.List(fields.Nested(BoardRow))
    counts = coded_keys("colour")


class ItemAction(LabelledSchema):
    status = coded("action_status")


class AgendaItem(LabelledSchema):
    rule = coded("agenda_rule")
    colour = coded("colour", allow_none=True)
    escalate = yes_no()
    action = fields.Nested(ItemAction)


class AgendaGroup(LabelledSchema):
    items = fields.List(fields.Nested(AgendaItem))


class Meeting(LabelledSchema):
    calendar = coded_list("calendar_source")
    """Where the period's working days came from (official calendar, override, Mon–Fri)."""
    date_rule = coded("meeting_date_rule")
    date_source = coded("calendar_source")


class CarriedItem(LabelledSchema):
    rule = coded("agenda_rule")
    colour = coded("colour", allow_none=True)


class PlanTotals(LabelledSchema):
    categories = coded_keys("category")


class SetPieceView(LabelledSchema):
    county = coded("county")
    code = coded("set_piece")
    state = coded("set_piece_state")


class EscalationView(LabelledSchema):
    county = coded("county")
    state = coded("escalation_state")


class KindTask(LabelledSchema):
    kind = coded("milestone_kind")
    status = coded("task_status")


class KindApproval(LabelledSchema):
    kind = coded("approval_kind")
    status = coded("approval_status")


class KindIssue(LabelledSchema):
    kind = coded("issue_kind")


class StartCondition(LabelledSchema):
    condition = coded("start_condition")
    status = coded("condition_status")
    approvals = fields.List(fields.Nested(KindApproval))
    issues = fields.List(fields.Nested(KindIssue))


class KindProject(LabelledSchema):
    category = coded("category")
    colour = coded("colour")
    tasks = fields.List(fields.Nested(KindTask))
    milestones = fields.List(fields.Nested(KindTask))
    approvals = fields.List(fields.Nested(KindApproval))
    gaps = coded_list("work_plan_gap")
    conditions = fields.List(fields.Nested(StartCondition))


class KindSection(LabelledSchema):
    """One section of dispatch by kind; ``focus_label`` says what it is dispatched on."""

    kind = coded("dispatch_kind")
    focus = coded("dispatch_focus", attribute="kind", dump_only=True)
    projects = fields.List(fields.Nested(KindProject))


class ReviewConversion(LabelledSchema):
    source = coded("project_stage")
    target = coded("project_stage")


class PoolReview(LabelledSchema):
    """The pool's movement in the quarter before a quarterly meeting (`quarter_review`)."""

    entered = coded_keys("project_stage", fields.List(fields.String()))
    conversions = fields.List(fields.Nested(ReviewConversion))


class PlanContent(LabelledSchema):
    cadence = coded("cadence")
    meeting = fields.Nested(Meeting)
    groups = fields.List(fields.Nested(AgendaGroup))
    carried_items = fields.List(fields.Nested(CarriedItem))
    board = coded_keys("colour")
    totals = fields.Nested(PlanTotals)
    set_pieces = fields.List(fields.Nested(SetPieceView))
    set_pieces_missed = fields.List(fields.Nested(SetPieceView))
    escalations = fields.List(fields.Nested(EscalationView))
    by_kind = fields.List(fields.Nested(KindSection))
    pool = fields.Nested(PoolReview)


class PlanResponse(LabelledSchema):
    """A stored plan version; ``plan`` is the plan itself (its digest is over the codes)."""

    cadence = coded("cadence")
    county = coded("county")
    plan = fields.Nested(PlanContent)


class PlanSummary(LabelledSchema):
    cadence = coded("cadence")
    county = coded("county")


class PlansResponse(LabelledSchema):
    plans = fields.List(fields.Nested(PlanSummary))


class VersionsResponse(LabelledSchema):
    cadence = coded("cadence")
    county = coded("county")
    versions = fields.List(fields.Nested(PlanSummary))


class ActionView(LabelledSchema):
    status = coded("action_status")
    stage = coded("action_stage")
    next_steps = coded_list("action_step")
    urgency = coded("action_urgency")


class ActionStepView(LabelledSchema):
    step = coded("action_step")
    event_type = coded("event_type")


class ActionDetail(ActionView):
    steps = fields.List(fields.Nested(ActionStepView))


class ActionsResponse(LabelledSchema):
    actions = fields.List(fields.Nested(ActionView))


class ClosedResponse(LabelledSchema):
    action = fields.Nested(ActionView)


class IssuedDocumentView(LabelledSchema):
    kind = coded("document_kind")
    county = coded("county")


class DocumentsResponse(LabelledSchema):
    documents = fields.List(fields.Nested(IssuedDocumentView))


class SetPiecesResponse(LabelledSchema):
    county = coded("county")
    set_pieces = fields.List(fields.Nested(SetPieceView))


class SetPieceRecorded(LabelledSchema):
    set_piece = fields.Nested(SetPieceView)


class SiteDecisionView(LabelledSchema):
    status = coded("action_status")


class SiteMeetingView(LabelledSchema):
    kind = coded("site_meeting_kind")
    county = coded("county")
    decisions = fields.List(fields.Nested(SiteDecisionView))


class SiteMeetingsResponse(LabelledSchema):
    site_meetings = fields.List(fields.Nested(SiteMeetingView))


class FindingView(LabelledSchema):
    kind = coded("finding_kind")
    status = coded("action_status", allow_none=True)


class InspectionRoundView(LabelledSchema):
    county = coded("county")
    kind = coded("inspection_kind")
    findings = fields.List(fields.Nested(FindingView))


class InspectionRoundsResponse(LabelledSchema):
    inspections = fields.List(fields.Nested(InspectionRoundView))


class EscalationsResponse(LabelledSchema):
    escalations = fields.List(fields.Nested(EscalationView))


class AlertChannelView(LabelledSchema):
    county = coded("county")
    owner_kind = coded("alert_owner")
    format = coded("alert_format")
    signed = yes_no()


class AlertChannelsResponse(LabelledSchema):
    channels = fields.List(fields.Nested(AlertChannelView))


class AlertAttemptView(LabelledSchema):
    outcome = coded("alert_attempt")


class AlertView(LabelledSchema):
    county = coded("county")
    kind = coded("alert_kind")
    status = coded("alert_status")
    attempts = fields.List(fields.Nested(AlertAttemptView))


class AlertsResponse(LabelledSchema):
    alerts = fields.List(fields.Nested(AlertView))


class AlertScanResponse(LabelledSchema):
    made = fields.List(fields.String())


class ColourRecordRow(LabelledSchema):
    county = coded("county")
    colours = coded_list("month_colour")


class ColourRecordResponse(LabelledSchema):
    """Each month of the campaign (``months``) and each project's colour at its end
    (``colours``, in the same order), as the office saw it then."""

    projects = fields.List(fields.Nested(ColourRecordRow))
    counts = fields.List(coded_keys("colour"))


class RecordedColoursResponse(LabelledSchema):
    campaign = fields.Integer()
    recorded = fields.List(fields.String(), metadata={"description": "months recorded now"})


class RollupCounty(LabelledSchema):
    """One county of a roll-up: its rank, board counts, categories and investment."""

    counts = coded_keys("colour")
    categories = coded_keys("category")


class RollupResponse(LabelledSchema):
    """The counties of a city or province ranked, and their totals against targets."""

    counties = fields.List(fields.Nested(RollupCounty))
    totals = fields.Nested(RollupCounty)
