"""One table maps every error to its problem type (shared/http/problems.py); routes raise
domain errors and never translate them by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

import services.composition  # noqa: F401 - registers every service's errors
from services.registry.application.signing import SignatureError
from services.registry.domain.errors import ProjectNotFound, RegistryError, RuleViolation
from services.scheduling.domain.errors import SchedulingError
from services.scheduling.domain.periods import InvalidPeriod
from services.scoring.application.rulebooks import RulebookConflict, UnknownRulebook
from services.scoring.domain.errors import ScoringError
from services.scoring.domain.rulebook import RulebookInvalid
from shared.eventstore import ConcurrencyConflict, EventStoreError, LockTimeout
from shared.http.problems import PROBLEM_TYPES, register_problem_handlers

ROOT = Path(__file__).resolve().parents[2]


def _subclasses(base: type) -> set[type]:
    found = {base}
    for sub in base.__subclasses__():
        found |= _subclasses(sub)
    return found


def _mapped(kind: type) -> bool:
    return any(k in PROBLEM_TYPES for k in kind.__mro__ if k is not Exception)


@pytest.fixture
def client():
    app = Flask("problems")
    register_problem_handlers(app)

    @app.get("/raise/<kind>")
    def _raise(kind: str):  # type: ignore[no-untyped-def]
        raise {
            "missing": ProjectNotFound("p9"),
            "rule": RuleViolation("amount", "negative", "投资额不能为负数"),
            "period": InvalidPeriod("no such monthly period '2024-13'"),
            "busy": LockTimeout("the stream is locked"),
            "conflict": ConcurrencyConflict("project-p1", 2, 3),
        }[kind]

    return app.test_client()


def test_every_domain_error_of_every_service_has_a_problem_type():
    domain_errors = (
        _subclasses(RegistryError)
        | _subclasses(SchedulingError)
        | _subclasses(EventStoreError)
        | _subclasses(ScoringError)
        | {InvalidPeriod, RulebookInvalid, UnknownRulebook, RulebookConflict, SignatureError}
    )
    bases = {RegistryError, SchedulingError, EventStoreError, ScoringError}
    unmapped = sorted(k.__name__ for k in domain_errors - bases if not _mapped(k))
    assert unmapped == []


def test_a_domain_error_is_answered_with_its_own_problem_type_and_members(client):
    response = client.get("/raise/missing")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["type"].endswith("/problems/project-not-found")
    assert response.json["project_id"] == "p9"


def test_a_rule_violation_names_the_field_at_fault(client):
    response = client.get("/raise/rule")
    assert response.status_code == 422
    assert response.json["errors"] == {"amount": ["投资额不能为负数"]}
    assert response.json["code"] == "negative" and response.json["detail"] == "投资额不能为负数"
    period = client.get("/raise/period").json
    assert period["status"] == 422 and list(period["errors"]) == ["period"]


def test_store_errors_keep_their_status_and_headers(client):
    busy = client.get("/raise/busy")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    conflict = client.get("/raise/conflict").json
    assert conflict["status"] == 409
    assert (conflict["expected_version"], conflict["current_version"]) == (2, 3)


def test_routes_do_not_translate_errors_by_hand():
    for path in sorted(ROOT.glob("services/*/entrypoints/*.py")):
        text = path.read_text(encoding="utf-8")
        for habit in ("errorhandler", "problem_response"):
            assert habit not in text, f"{path.relative_to(ROOT)} uses {habit}"
