"""Every event type's payload is documented from its schema: in /openapi.json and in
docs/events.md, which must not drift from the schemas."""

from __future__ import annotations

from pathlib import Path

from shared.events import CATALOGUE
from shared.events.docs import example, markdown, payload_components

EVENTS_MD = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_docs_events_md_is_generated_from_the_schemas_and_in_sync() -> None:
    assert EVENTS_MD.read_text(encoding="utf-8") == markdown(), (
        "docs/events.md drifted from the schemas: run "
        "`python -m shared.events.docs > docs/events.md`"
    )


def test_every_event_type_has_a_documented_payload_with_an_accepted_example() -> None:
    components = payload_components()
    for event_type in CATALOGUE:
        spec = components[f"{event_type.name}Payload"]
        assert set(spec["properties"]) == set(event_type.schema().fields)
        for name, prop in spec["properties"].items():
            assert prop["description"], f"{event_type.name}.{name} has no description"
        event_type.schema().load(example(event_type))  # raises if the example is wrong


def test_enumerations_carry_their_chinese_labels_and_money_its_unit() -> None:
    spec = payload_components()["ApprovalGrantedPayload"]["properties"]["kind"]
    assert spec["enum"][:3] == ["filing", "planning", "eia"]
    assert spec["x-enum-labels"]["eia"] == "环评"
    amount = payload_components()["InvestmentReportedPayload"]["properties"]["amount"]
    assert amount["x-unit"] == "元" and amount["format"] == "decimal"
