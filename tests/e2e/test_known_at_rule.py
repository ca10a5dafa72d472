"""One ``known_at`` rule for every endpoint and command: now or the past is accepted (a
bare date of today is now), the future is refused with the same message everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from services.cli import main
from services.composition import create_app, runtime_for
from shared.eventstore import KNOWN_AT_IN_FUTURE, FutureKnownAt, known_at_bound
from shared.eventstore.clocks import end_of_day
from tests.registry.unit.builders import registration

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _today() -> date:
    return datetime.now(SHANGHAI).date()


class TestTheRule:
    def test_a_bare_date_of_today_is_now(self):
        assert known_at_bound(date(2026, 3, 2), SHANGHAI, NOW) == NOW

    def test_a_past_date_is_the_end_of_that_day(self):
        day = date(2026, 3, 1)
        assert known_at_bound(day, SHANGHAI, NOW) == end_of_day(day, SHANGHAI)

    def test_an_instant_up_to_now_is_kept(self):
        assert known_at_bound(NOW, SHANGHAI, NOW) == NOW

    @pytest.mark.parametrize("future", [date(2026, 3, 3), NOW + timedelta(seconds=1)])
    def test_the_future_is_refused_with_the_one_message(self, future):
        with pytest.raises(FutureKnownAt) as refused:
            known_at_bound(future, SHANGHAI, NOW)
        assert str(refused.value) == KNOWN_AT_IN_FUTURE


@pytest.fixture
def client(settings):
    """All services, a registered project, the office's token on every request."""
    runtime = runtime_for(settings)
    client = create_app(runtime).test_client()
    office = {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}
    body = {**registration("p1"), "occurred_at": "2024-03-01T09:00:00+08:00"}
    assert client.post("/v1/projects", json=body, headers=office).status_code == 201
    client.environ_base.update(HTTP_AUTHORIZATION=office["Authorization"])
    yield client
    runtime.close()


def _asks(known_at: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", f"/v1/projects/p1?known_at={known_at}", None),
        ("get", f"/v1/projects/p1/events?known_at={known_at}", None),
        ("get", f"/v1/export?known_at={known_at}", None),
        ("get", f"/v1/board?known_at={known_at}", None),
        ("get", f"/v1/projects/p1/diff?clock=record&from=2024-03-01&to={known_at}", None),
        ("post", "/v1/plans", {"cadence": "monthly", "period": "2024-03", "known_at": known_at}),
        ("post", "/v1/assessments", {"year": 2024, "known_at": known_at}),
    ]


def test_every_endpoint_accepts_today_as_known_at(client):
    for method, path, body in _asks(_today().isoformat()):
        response = getattr(client, method)(path, json=body)
        assert response.status_code < 300, (path, response.status_code, response.data[:300])


def test_every_endpoint_refuses_a_future_known_at_with_the_same_message(client):
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    for method, path, body in _asks(tomorrow):
        response = getattr(client, method)(path, json=body)
        assert response.status_code == 422, (path, response.status_code)
        assert response.content_type == "application/problem+json"
        field = "to" if "clock=record" in path else "known_at"
        assert response.json["errors"][field] == [KNOWN_AT_IN_FUTURE], path


@pytest.mark.parametrize(
    "command",
    [
        ["assess", "--year", "2024"],
        ["scheduling", "plan", "--cadence", "monthly", "--period", "2024-03"],
    ],
)
def test_every_command_refuses_a_future_known_at_with_the_same_message(
    command, sqlite_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    result = CliRunner().invoke(main, [*command, "--known-at", tomorrow])
    assert result.exit_code == 2
    assert KNOWN_AT_IN_FUTURE in result.output
