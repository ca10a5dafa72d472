"""The as-of questions an upgraded store must answer as its release did.

Asked over the public HTTP API only (a Flask test client), so the same code asks the release
that wrote the fixture (``make_release_fixture.py``) and the code under test. Answers are
compared by meaning, not by text: an answer may gain fields (a ``*_label`` beside a code) but
every field the release gave must keep its value; instants compare as instants whatever their
offset, amounts as decimals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

YEAR = 2025
PROJECTS = [f"XM{YEAR}{n:03d}" for n in (1, 2, 3)]
PLANS = [("monthly", f"{YEAR}-10"), ("quarterly", f"{YEAR}-Q4"), ("weekly", f"{YEAR}-W45")]
AS_OF_DATES = [f"{YEAR}-06-30", f"{YEAR}-12-31"]


def ask(client: Any, token: str, first_wave_known_at: str, known_at: str) -> dict[str, Any]:
    """Every question, keyed by what was asked."""
    answers: dict[str, Any] = {}

    def get(path: str) -> Any:
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, (path, response.status_code, response.get_data())
        return response.get_json()

    chain = get("/v1/chain")
    answers["chain"] = {k: chain[k] for k in ("ok", "count", "head_position", "head_hash")}
    for project in PROJECTS:
        for as_of in AS_OF_DATES:
            for label, instant in (("first_wave", first_wave_known_at), ("all", known_at)):
                query = f"as_of={as_of}&known_at={_quoted(instant)}"
                body = get(f"/v1/projects/{project}?{query}")
                answers[f"project {project} as_of {as_of} known_at {label}"] = body["project"]
    for as_of in AS_OF_DATES:
        board = get(f"/v1/board?as_of={as_of}&known_at={_quoted(known_at)}")
        answers[f"board as_of {as_of}"] = {p["project_id"]: p["status"] for p in board["projects"]}
    for cadence, period in PLANS:
        plan = get(f"/v1/plans/{cadence}/{period}")
        answers[f"plan {cadence} {period}"] = {
            "version": plan["version"],
            "digest": plan["digest"],
            "known_at": plan["known_at"],
        }
    # The campaign is named since issue 12 (the default became the current campaign).
    actions = get(f"/v1/actions?status=all&limit=500&campaign={YEAR}")["actions"]
    answers["actions"] = {a["action_id"]: a["status"] for a in actions}
    assessments = get("/v1/assessments")["assessments"]
    for assessment in assessments:
        record = get(f"/v1/assessments/{assessment['assessment_id']}")
        answers[f"assessment {assessment['assessment_id']}"] = {
            "digest": record["digest"],
            "grade_counts": record["result"]["campaign"]["grade_counts"],
        }
    return answers


def _quoted(instant: str) -> str:
    return instant.replace("+", "%2B")


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where ``actual`` does not say what ``expected`` said (extra fields are allowed)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {actual!r} is not an object"]
        found: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{where}.{key}: missing")
            else:
                found += differences(value, actual[key], f"{where}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {actual!r} != {expected!r}"]
        return [
            d
            for i, pair in enumerate(zip(expected, actual, strict=True))
            for d in differences(*pair, f"{where}[{i}]")
        ]
    return [] if _same(expected, actual) else [f"{where}: {actual!r} != {expected!r}"]


def _same(expected: Any, actual: Any) -> bool:
    if expected == actual:
        return True
    if isinstance(expected, str) and isinstance(actual, str):
        left, right = _instant(expected), _instant(actual)
        if left is not None and right is not None:
            return left == right
    return _amount(expected) is not None and _amount(expected) == _amount(actual)


def _instant(text: str) -> datetime | None:
    if len(text) <= 10 or "T" not in text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else None


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
