"""Administration on both backends: tokens listed and revoked, integrations stopped and
restarted, each recorded as an event (who, when); integration secrets encrypted at rest."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.cli import main
from services.registry.readmodel.tables import integration_secrets
from services.registry.readmodel.tables import integrations as integrations_table
from services.registry.wiring import RegistryParts
from shared.eventstore import now_utc
from shared.secrets import KEY_VARIABLE, new_key

from .conftest import Integrator, item

ADMIN_STREAMS = ("admin-tokens", "admin-integrations")


def admin_events(runtime) -> list:
    return [e for stream in ADMIN_STREAMS for e in runtime.store.read_stream(stream)]


def test_an_admin_lists_tokens_without_ever_seeing_one(client, tokens):
    listed = client.get("/v1/tokens", headers=tokens["admin"])
    assert listed.status_code == 200
    names = {t["name"]: t for t in listed.json["tokens"]}
    assert names["office-1"]["role"] == "office"
    assert names["office-1"]["role_label"] == "领导小组办公室"
    assert "gj_" not in listed.get_data(as_text=True)
    assert client.get("/v1/tokens", headers=tokens["office"]).status_code == 403
    first = client.get("/v1/tokens?limit=2", headers=tokens["admin"]).json
    rest = client.get(f"/v1/tokens?after={first['next_after']}", headers=tokens["admin"]).json
    assert [t["name"] for t in first["tokens"] + rest["tokens"]] == sorted(names)


def test_a_revoked_token_fails_at_once_and_the_revocation_is_recorded(client, tokens, runtime):
    assert client.get("/v1/projects", headers=tokens["office"]).status_code == 200

    revoked = client.post("/v1/tokens/office-1/revoke", headers=tokens["admin"])

    assert revoked.status_code == 200 and revoked.json["state_label"] == "已吊销"
    assert client.get("/v1/projects", headers=tokens["office"]).status_code == 401
    [event] = admin_events(runtime)
    assert event.type == "TokenRevoked" and event.payload == {"name": "office-1", "role": "office"}
    assert event.actor == "admin-1" and event.recorded_at is not None
    again = client.post("/v1/tokens/office-1/revoke", headers=tokens["admin"])
    assert again.status_code == 404 and len(admin_events(runtime)) == 1


def test_a_disabled_integration_is_refused_until_enabled_and_both_are_recorded(
    client, tokens, runtime, integrator: Integrator, office
):
    from .conftest import register

    register(client, office, "p1")
    batch = [item("ApprovalRequested", {"approval_id": "a1", "kind": "eia"})]
    admin = tokens["admin"]

    stopped = client.post("/v1/integrations/provincial-approvals/disable", headers=admin)
    refused = integrator.post(batch)
    again = client.post("/v1/integrations/provincial-approvals/disable", headers=admin)
    started = client.post("/v1/integrations/provincial-approvals/enable", headers=admin)
    accepted = integrator.post(batch)

    assert stopped.json["changed"] is True and again.json["changed"] is False
    assert refused.status_code == 401
    assert started.json["state"] == "enabled" and accepted.status_code == 200, accepted.json
    assert [(e.type, e.actor) for e in admin_events(runtime)] == [
        ("IntegrationDisabled", "admin-1"),
        ("IntegrationEnabled", "admin-1"),
    ]
    assert client.post("/v1/integrations/nobody/disable", headers=admin).status_code == 404
    assert client.post("/v1/integrations/nobody/disable", headers=office).status_code == 403


def stored_secrets(runtime) -> list[str]:
    with runtime.engine.connect() as conn:
        return list(conn.execute(select(integration_secrets.c.secret)).scalars())


def test_integration_secrets_are_encrypted_at_rest_under_the_configured_key(settings, monkeypatch):
    from services.composition import runtime_for

    monkeypatch.setenv(KEY_VARIABLE, new_key())
    runtime = runtime_for(settings)
    try:
        integrations = RegistryParts.of(runtime).integrations
        secret = integrations.create("city-stats", ["InvestmentReported"])
        [stored] = stored_secrets(runtime)
        assert stored.startswith("fernet:") and secret not in stored
        assert integrations.get("city-stats").secrets == (secret,)
    finally:
        runtime.close()


def test_a_key_rotation_reseals_every_secret_under_the_new_key(settings, monkeypatch):
    from services.composition import runtime_for

    old, new = new_key(), new_key()
    monkeypatch.setenv(KEY_VARIABLE, old)
    first = runtime_for(settings)
    secret = RegistryParts.of(first).integrations.create("city-stats", ["InvestmentReported"])
    first.close()

    monkeypatch.setenv(KEY_VARIABLE, f"{new},{old}")  # the new key first, the old still opens
    during = runtime_for(settings)
    assert RegistryParts.of(during).integrations.reseal() == 1
    during.close()

    monkeypatch.setenv(KEY_VARIABLE, new)  # the old key is gone
    after = runtime_for(settings)
    try:
        assert RegistryParts.of(after).integrations.get("city-stats").secrets == (secret,)
    finally:
        after.close()


def test_a_secret_stored_in_clear_by_an_older_release_is_still_read_and_resealed(runtime):
    integrations = RegistryParts.of(runtime).integrations
    integrations.create("legacy", ["InvestmentReported"])
    with runtime.engine.begin() as conn:
        conn.execute(integration_secrets.update().values(secret="whsec_clear"))

    assert integrations.get("legacy").secrets == ("whsec_clear",)
    integrations.reseal()
    assert stored_secrets(runtime)[0].startswith("fernet:")
    assert integrations.get("legacy").secrets == ("whsec_clear",)


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_the_cli_lists_and_revokes_tokens_and_stops_and_restarts_integrations(cli, runtime):
    runtime.tokens.create("office-9", "office")
    RegistryParts.of(runtime).integrations.create("prov", ["ApprovalGranted"])

    listed = cli("token", "list")
    revoked = cli("token", "revoke", "--name", "office-9")
    missing = cli("token", "revoke", "--name", "office-9")
    stopped = cli("integration", "disable", "--name", "prov")
    started = cli("integration", "enable", "--name", "prov")
    unknown = cli("integration", "disable", "--name", "nobody")

    assert '"name": "office-9"' in listed.output and "gj_" not in listed.output
    assert revoked.exit_code == 0 and "已吊销" in revoked.output
    assert missing.exit_code == 1 and "没有名为 office-9 的有效令牌" in missing.output
    assert "已停用" in stopped.output and "已启用" in started.output
    assert unknown.exit_code == 1
    events = admin_events(runtime)
    assert [e.type for e in events] == ["TokenRevoked", "IntegrationDisabled", "IntegrationEnabled"]
    assert all(e.actor.startswith("cli:") and e.source == "cli" for e in events)
    assert runtime.tokens.authenticate("whatever") is None


def test_the_migration_encrypts_the_secrets_an_older_release_stored_in_clear(settings, monkeypatch):
    from alembic import command

    from services.composition import migration_locations, runtime_for
    from shared.migrations import alembic_config

    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(settings.data_dir))
    config = alembic_config(settings.database_url, migration_locations())
    command.downgrade(config, "registry_0002-1")  # the schema of the release before
    runtime = runtime_for(settings)
    try:
        with runtime.engine.begin() as conn:
            conn.execute(
                integrations_table.insert().values(
                    name="legacy", types='["InvestmentReported"]', created_at=now_utc()
                )
            )
            conn.execute(
                integration_secrets.insert().values(
                    integration="legacy", secret="whsec_clear", created_at=now_utc()
                )
            )
        command.upgrade(config, "heads")
        [stored] = stored_secrets(runtime)
        assert stored.startswith("fernet:") and "whsec_clear" not in stored
        assert RegistryParts.of(runtime).integrations.get("legacy").secrets == ("whsec_clear",)
    finally:
        runtime.close()
