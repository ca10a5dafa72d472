"""Response schemas of scoring's HTTP API: each code with its Chinese label beside it."""

from __future__ import annotations

from marshmallow import fields

from shared.http.labels import LabelledSchema, coded, coded_keys, yes_no


class JobView(LabelledSchema):
    status = coded("assessment_job_status")
    county = coded("county")


class LineView(LabelledSchema):
    line = coded("score_line")


class VetoView(LabelledSchema):
    kind = coded("incident_kind")


class ProjectScore(LabelledSchema):
    category = coded("category")
    grade = coded("grade")
    lines = fields.List(fields.Nested(LineView))
    vetoes = fields.List(fields.Nested(VetoView))


class HolderScore(LabelledSchema):
    """A unit's or a leader's rolled-up score."""

    grade = coded("grade")
    vetoed = yes_no()


class AssessmentTotals(LabelledSchema):
    """The campaign's totals; counts and targets keyed by grade and category codes."""

    by_category = coded_keys("category")
    grade_counts = coded_keys("grade")


class AssessmentResult(LabelledSchema):
    projects = fields.List(fields.Nested(ProjectScore))
    units = fields.List(fields.Nested(HolderScore))
    leaders = fields.List(fields.Nested(HolderScore))
    campaign = fields.Nested(AssessmentTotals)


class PublicationView(LabelledSchema):
    """Where an assessment stands (审定): draft, published, or superseded by a correction."""

    state = coded("assessment_state")


class AssessmentResponse(LabelledSchema):
    """An assessment record; ``result`` is what its digest is over (codes only)."""

    result = fields.Nested(AssessmentResult)
    summary = fields.Nested(AssessmentTotals)
    publication = fields.Nested(PublicationView)
    county = coded("county")


class AssessmentListed(LabelledSchema):
    publication = fields.Nested(PublicationView)
    county = coded("county")


class AssessmentList(LabelledSchema):
    assessments = fields.List(fields.Nested(AssessmentListed))
