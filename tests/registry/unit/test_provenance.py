"""What set each field of a project (`KeyProject.touch`): the ids of the events that set
it and of their amendments, each once, in the order they came, the new key of a plain
event taken the short way included; and a folded record is its payload, without its key,
with its time."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain import KeyProject, ProjectEvent

T0 = datetime(2024, 3, 1, tzinfo=UTC)
_IDS = st.sampled_from(["e1", "e2", "e3", "c1", "c2"])


def _reference(touches: list[tuple[str, str, tuple[str, ...]]]) -> dict[str, list[str]]:
    provenance: dict[str, list[str]] = {}
    for key, event_id, amended_by in touches:
        ids = provenance.setdefault(key, [])
        for name in (event_id, *amended_by):
            if name not in ids:
                ids.append(name)
    return provenance


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["phase", "inspections.i1", "inspections.i2"]),
            _IDS,
            st.lists(_IDS, max_size=3).map(tuple),
        ),
        max_size=12,
    )
)
def test_touching_names_each_event_once_in_order(touches):
    project = KeyProject("p1")
    for key, event_id, amended_by in touches:
        event = ProjectEvent(event_id, "InspectionCompleted", T0, {}, amended_by=amended_by)
        project.touch(key, event)
    assert project.provenance == _reference(touches)


def test_an_inspection_is_folded_as_its_payload_without_its_id_with_its_time():
    project = KeyProject("p1", registered=True)
    payload = {"result": "failed", "inspection_id": "i1", "findings": "脚手架", "inspector": ""}
    project.apply(ProjectEvent("e1", "InspectionCompleted", T0, payload, stream_version=7))
    assert list(project.inspections["i1"].items()) == [
        ("result", "failed"),
        ("findings", "脚手架"),
        ("inspector", ""),
        ("at", "2024-03-01T00:00:00.000000Z"),
    ]
    assert payload["inspection_id"] == "i1"  # the event's own payload is left as it was
    assert project.version == 7 and project.provenance == {"inspections.i1": ["e1"]}
