"""The catalogue builds each type's schema and fast validator on first use; threaded web
workers (gunicorn's gthread, as deployed) validate from several threads at once. Seen in
the ingest bench under load: one thread found the schema built but not yet its
validator, and the request answered 500 (``KeyError`` in `EventTypeRegistry.validate`)."""

from __future__ import annotations

import threading
import time

import pytest

from shared.events import build_registry
from shared.eventstore import types

PAYLOAD = {"inspection_id": "i-1", "result": "passed"}


@pytest.fixture
def slow_compile(monkeypatch):
    """Building a validator takes a while (as on a loaded machine): other threads run
    meanwhile."""
    compile_schema = types.compile_schema

    def slowly(schema):  # type: ignore[no-untyped-def]
        time.sleep(0.02)
        return compile_schema(schema)

    monkeypatch.setattr(types, "compile_schema", slowly)


@pytest.mark.parametrize("first", ["validate", "quickly_stored"])
def test_first_validations_from_many_threads_at_once_all_succeed(slow_compile, first):
    registry = build_registry()  # nothing built yet
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def validate(n: int) -> None:
        start.wait()
        try:
            if first == "quickly_stored" and n % 2:
                assert registry.quickly_stored("InspectionCompleted", dict(PAYLOAD)) is not None
            assert registry.validate("InspectionCompleted", dict(PAYLOAD))["result"] == "passed"
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=validate, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
