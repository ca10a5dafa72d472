"""Schemathesis over every operation of ``/openapi.json`` with every check, against the
embedded app with an office token: no server error, every answer as documented.

``make fuzz`` runs it bounded (part of the suite); ``make fuzz-long`` with many more
examples (``GONGJIAN_FUZZ_EXAMPLES``). One setting differs from schemathesis' defaults:
``positive_data_acceptance`` also expects 422, because business rules that a JSON
Schema cannot state (``known_at`` not in the future, what a project's state allows,
an unknown rulebook) refuse schema-valid requests with a documented 422 problem.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig

from services.composition import create_app, runtime_for
from shared.config import Settings
from tests.registry.integration.conftest import register

EXAMPLES = int(os.environ.get("GONGJIAN_FUZZ_EXAMPLES", "5"))
"""Generated requests per operation and backend, besides the documented examples (93
operations: about a thousand cases in all, under a minute on two cores; it was 10 when
there were 47 operations). ``make fuzz-long`` asks for 1,000."""
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422"]
            }
        }
    }
)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, module_database_url):
    """The embedded app over one database per backend for the whole module (the cases share
    it, as clients would)."""
    url = module_database_url
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    runtime = runtime_for(Settings.from_env(database_url=url, redis_url="", data_dir=data_dir))
    app = create_app(runtime)
    office = {"Authorization": f"Bearer {runtime.tokens.create('fuzz-office', 'office')}"}
    register(app.test_client(), office)
    yield app, office
    runtime.close()


@pytest.fixture(scope="module")
def api(embedded):
    app, _ = embedded
    return schemathesis.openapi.from_wsgi("/openapi.json", app, config=CONFIG)


@pytest.fixture(scope="module")
def office(embedded):
    return embedded[1]


@pytest.mark.slow
def test_every_operation_answers_as_documented(api, office):
    """Each operation with ``EXAMPLES`` generated requests; every failure is listed."""
    cases, failures = 0, {}
    for operation in (result.ok() for result in api.get_all_operations()):
        ran, found = _fuzz(operation, office)
        cases += ran
        if found:
            failures[operation.label] = found
    print(f"schemathesis: {cases} cases over {len(list(api.get_all_operations()))} operations")
    assert not failures, "\n".join(f"{op}: {sorted(set(f))}" for op, f in failures.items())


def _fuzz(operation, office) -> tuple[int, list[str]]:
    ran, found = [0], []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        ran[0] += 1
        response = case.call(headers=office)
        try:
            case.validate_response(response, headers=office)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is listed
            found.extend(f"{response.status_code} {title}" for title in _titles(exc))

    check()
    return ran[0], found


def _titles(exc: BaseException) -> list[str]:
    inner = getattr(exc, "exceptions", None) or [exc]
    return [f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200]}" for e in inner]
