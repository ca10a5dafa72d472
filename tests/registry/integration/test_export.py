"""Export of the log up to a record date → offline verification → tampering found."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from services.cli import main

from .conftest import post_event, register


def export_to(client, headers, tmp_path, query="") -> tuple:
    response = client.get(f"/v1/export{query}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    path = tmp_path / "export.ndjson"
    path.write_bytes(response.data)
    return path, response.data.decode().splitlines()


def verify_file(path):
    return CliRunner().invoke(main, ["verify", "--file", str(path)])


def test_an_export_verifies_offline(client, tokens, tmp_path):
    register(client, tokens["office"])
    post_event(client, tokens["office"], "p1", "ConstructionStarted", {"note": "开工仪式"})
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    assert json.loads(lines[-1]) == {
        "chain_head": {"position": 2, "hash": json.loads(lines[-2])["hash"]}
    }
    result = verify_file(path)
    assert result.exit_code == 0, result.output
    assert "chain OK: 2 events" in result.output


def test_tampering_with_one_line_fails_verification_naming_it(client, tokens, tmp_path):
    register(client, tokens["office"])
    post_event(client, tokens["office"], "p1", "ConstructionStarted", {"note": "开工仪式"})
    post_event(client, tokens["office"], "p1", "ProjectSuspended", {"reason": "资金"})
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    record = json.loads(lines[1])
    record["payload"]["note"] = "改过的"
    lines[1] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = verify_file(path)
    assert result.exit_code == 1
    assert "position 2" in result.output


def test_dropping_the_last_event_is_caught_by_the_chain_head(client, tokens, tmp_path):
    register(client, tokens["office"])
    post_event(client, tokens["office"], "p1", "ConstructionStarted", {})
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    path.write_text("\n".join([lines[0], lines[-1]]) + "\n", encoding="utf-8")
    result = verify_file(path)
    assert result.exit_code == 1 and "position 2" in result.output


def test_an_export_stops_at_known_at(client, tokens, runtime, tmp_path):
    runtime.store.clock = lambda: datetime(2024, 3, 1, 2, tzinfo=UTC)
    register(client, tokens["office"])
    runtime.store.clock = lambda: datetime(2024, 3, 20, 2, tzinfo=UTC)
    post_event(
        client,
        tokens["office"],
        "p1",
        "ConstructionStarted",
        {},
        occurred_at="2024-03-02T00:00:00Z",
    )
    path, lines = export_to(client, tokens["auditor"], tmp_path, "?known_at=2024-03-10")
    assert len(lines) == 2 and json.loads(lines[-1])["chain_head"]["position"] == 1
    assert verify_file(path).exit_code == 0


def test_an_empty_log_exports_the_genesis_head(client, tokens, tmp_path):
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    assert json.loads(lines[0]) == {"chain_head": {"position": 0, "hash": "0" * 64}}
    assert verify_file(path).exit_code == 0
