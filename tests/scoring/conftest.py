"""Scoring fixtures: a runtime over each backend, a history with a record clock."""

from __future__ import annotations

import pytest

from services.composition import runtime_for
from services.scoring.readmodel.records import Records
from tests.scoring.builders import History


@pytest.fixture
def runtime(settings):
    runtime = runtime_for(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def history(runtime) -> History:
    return History(runtime.store)


@pytest.fixture
def records(runtime) -> Records:
    return Records(runtime.engine)
