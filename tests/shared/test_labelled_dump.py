"""A labelled response written by its schema's plan is exactly what marshmallow writes
(the same keys in the same order, the same values and labels), for every response
schema of the services and bodies of every shape they declare; a value the plan is not
sure of leaves the body to marshmallow."""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import fields

from shared.http import labels as labels_module
from shared.http.labels import PLANNED, LabelledSchema, coded, yes_no
from shared.i18n import labels

ENTRYPOINTS = (
    "services.registry.entrypoints",
    "services.scheduling.entrypoints",
    "services.scoring.entrypoints",
)


def _schemas() -> list[type[LabelledSchema]]:
    for package in ENTRYPOINTS:
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{package}.{info.name}")
    found: list[type[LabelledSchema]] = []
    todo = [LabelledSchema]
    while todo:
        for schema in todo.pop().__subclasses__():
            if schema not in found and schema.__module__.startswith("services."):
                found.append(schema)
                todo.append(schema)
    return sorted(found, key=lambda s: f"{s.__module__}.{s.__qualname__}")


SCHEMAS = _schemas()

plain = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
odd = st.one_of(st.floats(allow_nan=False), st.tuples(st.integers()), st.just(b"x"))
"""Values no field declares: marshmallow decides what becomes of them."""


def _value(field: fields.Field, depth: int) -> st.SearchStrategy[Any]:
    kind = field.metadata.get("label")
    codes = list(labels(kind)) if kind else []
    if isinstance(field, fields.Nested):
        body = _body(field.nested, depth + 1)  # type: ignore[arg-type]
        return st.one_of(st.none(), st.lists(body, max_size=2) if field.many else body)
    if isinstance(field, fields.List):
        inner = _value(field.inner, depth + 1)
        return st.one_of(st.none(), st.lists(inner, max_size=3), st.tuples(inner), odd)
    if isinstance(field, fields.Dict):
        keyed_by = field.metadata.get("labels")
        keys = st.sampled_from(list(labels(keyed_by))) if keyed_by else st.text(max_size=2)
        values = _value(field.value_field, depth + 1) if field.value_field else plain
        return st.one_of(st.none(), st.dictionaries(keys | st.integers(0, 2), values, max_size=3))
    if isinstance(field, fields.Boolean):
        return st.one_of(st.booleans(), st.none(), st.sampled_from([0, 1, "true"]))
    if isinstance(field, fields.Integer):
        return st.one_of(st.integers(), st.none(), st.booleans(), st.just("7"))
    if isinstance(field, fields.String) and codes:
        return st.one_of(st.sampled_from(codes), st.none(), st.text(max_size=3), st.integers())
    return st.one_of(plain, odd) if depth < 3 else plain


@functools.cache
def _body(schema: type[LabelledSchema], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    if depth > 3:
        return st.just({})
    declared = schema._declared_fields
    return st.fixed_dictionaries(
        {},
        optional={name: st.deferred(lambda f=f: _value(f, depth)) for name, f in declared.items()},
    ).flatmap(
        lambda body: st.dictionaries(st.sampled_from(["extra", "其他"]), plain, max_size=2).map(
            lambda extra: {**extra, **body}
        )
    )


def _written(schema: type[LabelledSchema], body: Any, *, planned: bool, many: bool) -> str:
    token = PLANNED.set(planned)
    try:
        out = schema().dump(body, many=many)
    except Exception as exc:  # noqa: BLE001 - the same failure on both sides is the same answer
        return f"raised {type(exc).__name__}"
    finally:
        PLANNED.reset(token)
    return json.dumps(out, ensure_ascii=False, default=repr)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__qualname__)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_plan_writes_what_marshmallow_writes(schema, data):
    many = data.draw(st.booleans())
    body = data.draw(st.lists(_body(schema), max_size=2) if many else _body(schema))
    assert _written(schema, body, planned=True, many=many) == _written(
        schema, body, planned=False, many=many
    )


def test_every_response_schema_of_the_services_has_a_plan():
    """None is left to marshmallow whole (then the bodies above only tested marshmallow)."""
    assert len(SCHEMAS) > 50
    assert [s.__qualname__ for s in SCHEMAS if labels_module._plan_of(s) is None] == []


def test_a_body_the_plan_is_not_sure_of_is_written_by_marshmallow():
    class Row(LabelledSchema):
        grade = coded("grade")
        count = fields.Integer()
        major = yes_no()

    assert Row().dump({"grade": "excellent", "count": 2, "major": True, "note": "x"}) == {
        "grade": "excellent",
        "count": 2,
        "major": True,
        "note": "x",
        "grade_label": "优秀",
        "major_label": "是",
    }
    # A count of "3" (text) and a flag of 1: marshmallow converts the count, as it did.
    odd = {"count": "3", "major": 1}
    assert Row().dump(odd) == {"count": 3, "major": 1, "major_label": "1"}
    token = PLANNED.set(False)
    try:
        assert Row().dump(odd) == {"count": 3, "major": 1, "major_label": "1"}
    finally:
        PLANNED.reset(token)


def test_a_schema_that_nests_itself_is_written_by_marshmallow():
    class Node(LabelledSchema):
        grade = coded("grade")
        children = fields.List(fields.Nested(lambda: Node()))

    body = {"grade": "good", "children": [{"grade": "excellent", "children": []}]}
    assert labels_module._plan_of(Node) is None
    assert Node().dump(body) == {
        "grade": "good",
        "children": [{"grade": "excellent", "children": [], "grade_label": "优秀"}],
        "grade_label": "良好",
    }


def test_threads_writing_with_a_schema_first_used_at_once_all_write_it_whole():
    class Line(LabelledSchema):
        grade = coded("grade")

    class Sheet(LabelledSchema):
        lines = fields.Dict(keys=fields.String(), values=fields.Nested(Line))

    body = {"lines": {str(n): {"grade": "qualified"} for n in range(200)}}
    expected = {
        "lines": {str(n): {"grade": "qualified", "grade_label": "合格"} for n in range(200)}
    }
    start, written = threading.Barrier(8), []

    def write():
        start.wait()
        written.append(Sheet().dump(body))

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert written == [expected] * 8
