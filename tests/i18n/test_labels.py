"""Every code a person can see has its Chinese label in the one catalogue.

The codes are walked from where the code base enumerates them (the event schemas'
``OneOf`` validators, the domains' tuples), never from a hand-kept list.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import yaml
from marshmallow import validate

from services.console.web import actions as console_actions
from services.registry.domain import project as registry_project
from services.scheduling.domain import (
    alerts,
    calendar,
    colour_record,
    dispatch_kinds,
    duban,
    periods,
    plan,
    rules,
    set_pieces,
)
from services.scoring.application import publication
from services.scoring.domain import facts, rulebook
from services.scoring.readmodel.records import JOB_STATUSES
from shared.auth import ROLES
from shared.documents import FORMATS as DOCUMENT_FORMATS
from shared.events import CATALOGUE
from shared.events import catalogue as events
from shared.eventstore import status as verification
from shared.i18n import has_label, label, labels, yes_no
from shared.tenancy import DEFAULT_COUNTY

ENUMERATIONS = {
    "category": (events.CATEGORIES, rulebook.CATEGORIES),
    "sector": (events.SECTORS,),
    "phase": (registry_project.PHASES,),
    "milestone_kind": (events.MILESTONE_KINDS,),
    "milestone_status": (registry_project.MILESTONE_STATUSES,),
    "approval_kind": (events.APPROVAL_KINDS,),
    "approval_status": (registry_project.APPROVAL_STATUSES,),
    "issue_kind": (events.ISSUE_KINDS,),
    "issue_status": (registry_project.ISSUE_STATUSES,),
    "inspection_result": (events.INSPECTION_RESULTS, rulebook.INSPECTION_RESULTS),
    "notice_kind": (events.NOTICE_KINDS, rulebook.NOTICE_KINDS),
    "incident_kind": (events.INCIDENT_KINDS, rulebook.INCIDENT_KINDS),
    "colour": (rules.COLOURS,),
    "cadence": (periods.CADENCES, events.PROJECT_CADENCES, events.DISPATCH_CADENCES),
    "agenda_rule": (rules.AGENDA_RULES, rules.RECORDED_ITEMS),
    "agenda_scope": (periods.CADENCES,),
    "action_status": (rules.ACTION_STATUSES, rules.ITEM_ACTION_STATUSES),
    "action_listing": (console_actions.STATUSES,),
    "grade": (rulebook.GRADES,),
    "score_line": (rulebook.LINES,),
    "achievement": (rulebook.ACHIEVEMENTS, tuple(facts.ACHIEVEMENT_OF_TYPE.values())),
    "assessment_job_status": (JOB_STATUSES,),
    "assessment_state": (publication.STATES,),
    "criticism_criterion": (rulebook.CRITICISM_CRITERIA, (rulebook.RED_MONTHS,)),
    "verification_job_status": (verification.JOB_STATUSES,),
    "calendar_source": (calendar.SOURCES,),
    "meeting_date_rule": (plan.DATE_RULES,),
    "document_kind": (events.DOCUMENT_KINDS,),
    "document_format": (DOCUMENT_FORMATS,),
    "set_piece": (events.SET_PIECES, set_pieces.SET_PIECE_CODES),
    "set_piece_state": (set_pieces.STATES,),
    "site_meeting_kind": (events.SITE_MEETING_KINDS,),
    "role": (ROLES,),
    "event_type": (tuple(t.name for t in CATALOGUE),),
    "inspection_kind": (events.INSPECTION_KINDS,),
    "finding_kind": (events.FINDING_KINDS,),
    "escalation_state": (events.ESCALATION_STATES,),
    "action_stage": (duban.STAGES,),
    "action_step": (duban.STEPS, tuple(duban.WORKFLOW)),
    "action_review_decision": (events.ACTION_REVIEW_DECISIONS,),
    "action_urgency": (duban.URGENCIES,),
    "alert_kind": (alerts.KINDS,),
    "alert_format": (alerts.FORMATS,),
    "alert_owner": (alerts.OWNER_KINDS,),
    "alert_status": (alerts.STATUSES,),
    "alert_attempt": (alerts.ATTEMPT_OUTCOMES,),
    "month_colour": (colour_record.MONTH_COLOURS,),
    "dispatch_kind": (dispatch_kinds.DISPATCH_KINDS,),
    "dispatch_focus": (dispatch_kinds.DISPATCH_KINDS,),
    "start_condition": (dispatch_kinds.CONDITIONS,),
    "condition_status": (dispatch_kinds.CONDITION_STATES,),
    "task_status": (dispatch_kinds.TASK_STATES,),
    "work_plan_gap": (dispatch_kinds.GAPS,),
    "project_stage": (registry_project.STAGES, events.POOL_STAGES),
    "county": ((DEFAULT_COUNTY,),),
}


@pytest.mark.parametrize("kind", sorted(ENUMERATIONS))
def test_every_enumerated_code_has_a_chinese_label(kind: str) -> None:
    missing = {c for codes in ENUMERATIONS[kind] for c in codes if not has_label(kind, c)}
    assert not missing, f"{kind}: no label for {sorted(missing)}"


def test_every_choice_of_an_event_payload_field_names_its_labels() -> None:
    for event_type in CATALOGUE:
        for name, field in event_type.schema().fields.items():
            choices = [v for v in _validators(field) if isinstance(v, validate.OneOf)]
            for one_of in choices:
                kind = field.metadata.get("label")
                assert kind, f"{event_type.name}.{name} has choices but no label kind"
                unlabelled = [c for c in one_of.choices if not has_label(kind, c)]
                assert not unlabelled, f"{event_type.name}.{name}: {unlabelled}"


def _validators(field: object) -> list[object]:
    return list(getattr(field, "validators", []))


def test_every_agenda_rule_the_rules_raise_is_enumerated() -> None:
    tree = ast.parse(inspect.getsource(rules))
    raised = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Finding"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert raised and raised <= set(rules.AGENDA_RULES)


def test_every_label_is_chinese() -> None:
    for kind in ("grade", "category", "approval_kind", "event_type", "agenda_rule"):
        for code, text in labels(kind).items():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), f"{kind}.{code}: {text}"


def test_grade_labels_are_those_the_default_rulebook_names() -> None:
    path = Path(rulebook.__file__).parent.parent / "rulebooks" / "default.yaml"
    bands = yaml.safe_load(path.read_text(encoding="utf-8"))["grades"]
    assert {b["grade"]: b["label"] for b in bands} == labels("grade")


def test_a_label_is_looked_up_by_kind_and_code() -> None:
    assert label("grade", "excellent") == "优秀"
    assert label("approval_kind", "eia") == "环评"
    assert label("colour", "red") == "红"
    assert label("cadence", "weekly") == "周调度"


def test_yes_and_no_are_never_true_and_false() -> None:
    assert (yes_no(True), yes_no(False)) == ("是", "否")
    assert label("boolean", False) == "否"


def test_free_text_without_a_code_is_shown_as_it_is() -> None:
    assert label("sector", "制造业") == "制造业"
    assert label("sector", "manufacturing") == "制造业"
    assert label("phase", None) == ""


def _labelled_schemas() -> list[type]:
    from services.registry.entrypoints import labelled as registry_labelled  # noqa: F401
    from services.scheduling.entrypoints import labelled as scheduling_labelled  # noqa: F401
    from services.scoring.entrypoints import labelled as scoring_labelled  # noqa: F401
    from shared.http.labels import LabelledSchema

    found, todo = [], [LabelledSchema]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_coded_field_of_an_answer_is_enumerated_here_so_its_codes_are_checked() -> None:
    """A field of an API answer that carries codes (one, a list, or the keys of counts and
    totals) names a kind whose codes the test above walks."""
    schemas = _labelled_schemas()
    kinds = {
        (schema.__name__, name): field.metadata.get("label") or field.metadata.get("labels")
        for schema in schemas
        for name, field in schema._declared_fields.items()
        if field.metadata.get("label") or field.metadata.get("labels")
    }
    assert ("BoardResponse", "counts") in kinds and ("Meeting", "calendar") in kinds
    unchecked = {where: kind for where, kind in kinds.items() if kind not in ENUMERATIONS}
    assert set(unchecked.values()) <= {"boolean"}, unchecked


def test_counts_keyed_by_code_and_lists_of_codes_get_their_labels_beside_them() -> None:
    from services.scheduling.entrypoints.labelled import BoardResponse, PlanContent

    board = BoardResponse().dump({"counts": {"green": 1, "red": 2}, "projects": []})
    assert board["counts_labels"] == {"green": "绿", "red": "红"}
    plan = PlanContent().dump(
        {
            "cadence": "weekly",
            "groups": [],
            "meeting": {"calendar": ["official", "override"]},
            "board": {"yellow": 0},
        }
    )
    assert plan["meeting"]["calendar_labels"] == ["国家法定工作日历", "管理员节假日文件"]
    assert plan["board_labels"] == {"yellow": "黄"}
    assert "totals" not in plan
