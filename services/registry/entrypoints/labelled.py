"""Response schemas of the registry's HTTP API: each code with its Chinese label beside it."""

from __future__ import annotations

from marshmallow import fields

from shared.http.labels import LabelledSchema, coded, coded_keys, yes_no


class MilestoneView(LabelledSchema):
    kind = coded("milestone_kind")
    status = coded("milestone_status")


class ApprovalView(LabelledSchema):
    kind = coded("approval_kind")
    status = coded("approval_status")


class IssueView(LabelledSchema):
    kind = coded("issue_kind")
    status = coded("issue_status")


class InspectionView(LabelledSchema):
    result = coded("inspection_result")


class NoticeView(LabelledSchema):
    kind = coded("notice_kind")


class IncidentView(LabelledSchema):
    kind = coded("incident_kind")
    veto = yes_no()


def _by_id(schema: type[LabelledSchema]) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(schema))


class ProjectRow(LabelledSchema):
    """A project as the list shows it."""

    county = coded("county", allow_none=True)  # None: a pool entry, of no county yet
    category = coded("category")
    sector = coded("sector")
    phase = coded("phase")


class ProjectView(ProjectRow):
    """A project's state under the two clocks."""

    cadence = coded("cadence")
    major = yes_no()
    vetoed = yes_no()
    milestones = _by_id(MilestoneView)
    approvals = _by_id(ApprovalView)
    issues = _by_id(IssueView)
    inspections = _by_id(InspectionView)
    notices = _by_id(NoticeView)
    incidents = _by_id(IncidentView)
    stage = coded("project_stage")
    stages = coded_keys("project_stage")


class ProjectResponse(LabelledSchema):
    project = fields.Nested(ProjectView)


class ProjectListResponse(LabelledSchema):
    projects = fields.List(fields.Nested(ProjectRow))


class EventView(LabelledSchema):
    type = coded("event_type")


class EventsResponse(LabelledSchema):
    """A page of events (a project's history or the global feed)."""

    events = fields.List(fields.Nested(EventView))
