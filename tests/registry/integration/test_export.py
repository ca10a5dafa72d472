"""Export of the log up to a record date → offline verification → tampering found."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from services.cli import main
from shared.checkpointing import keyring, signing_key
from shared.eventstore import canonical_json
from shared.eventstore.export_check import verify_export
from shared.eventstore.signed import public_key_line

from .conftest import post_event, register


def export_to(client, headers, tmp_path, query="") -> tuple:
    response = client.get(f"/v1/export{query}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    path = tmp_path / "export.ndjson"
    path.write_bytes(response.data)
    return path, response.data.decode().splitlines()


def verify_file(path, runtime):
    return verify_export(path, keyring(runtime.settings))


def test_an_export_verifies_offline(client, tokens, runtime, tmp_path):
    register(client, tokens["office"])
    post_event(client, tokens["office"], "p1", "ConstructionStarted", {"note": "开工仪式"})
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    assert json.loads(lines[0])["header"]["first_position"] == 1
    trailer = json.loads(lines[-1])["trailer"]
    assert (trailer["count"], trailer["head_position"]) == (2, 2)
    assert (
        trailer["head_hash"] == trailer["checkpoint"]["head_hash"] == json.loads(lines[-2])["hash"]
    )
    result = verify_file(path, runtime)
    assert result.ok and result.count == 2


def test_the_command_line_verifies_an_export_with_the_public_key(client, tokens, runtime, tmp_path):
    register(client, tokens["office"])
    path, _ = export_to(client, tokens["auditor"], tmp_path)
    keys = tmp_path / "public.keys"
    keys.write_text(public_key_line(signing_key(runtime.settings).public) + "\n")
    result = CliRunner().invoke(main, ["verify", "--file", str(path), "--public-keys", str(keys)])
    assert result.exit_code == 0, result.output
    assert "链条完好：共 1 个事件" in result.output


def test_tampering_with_one_line_fails_verification_naming_it(client, tokens, runtime, tmp_path):
    register(client, tokens["office"])
    post_event(client, tokens["office"], "p1", "ConstructionStarted", {"note": "开工仪式"})
    post_event(client, tokens["office"], "p1", "ProjectSuspended", {"reason": "资金"})
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    record = json.loads(lines[2])
    record["payload"]["note"] = "改过的"
    lines[2] = canonical_json(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = verify_file(path, runtime)
    assert (result.ok, result.bad_position, result.code) == (False, 2, "changed")


def test_dropping_the_last_event_is_caught_by_the_trailer(client, tokens, runtime, tmp_path):
    register(client, tokens["office"])
    post_event(client, tokens["office"], "p1", "ConstructionStarted", {})
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    path.write_text("\n".join([lines[0], lines[1], lines[-1]]) + "\n", encoding="utf-8")
    result = verify_file(path, runtime)
    assert (result.ok, result.bad_position, result.code) == (False, 2, "count")


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
    assert len(lines) == 3 and json.loads(lines[-1])["trailer"]["head_position"] == 1
    assert verify_file(path, runtime).ok


def test_an_empty_log_exports_the_genesis_head(client, tokens, runtime, tmp_path):
    path, lines = export_to(client, tokens["auditor"], tmp_path)
    trailer = json.loads(lines[-1])["trailer"]
    assert (trailer["count"], trailer["head_position"], trailer["head_hash"]) == (0, 0, "0" * 64)
    assert verify_file(path, runtime).ok
