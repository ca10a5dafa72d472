"""A batch is decided and written on one pooled connection on PostgreSQL, in autocommit
while it is decided: the connection goes back to the pool out of autocommit, whether the
batch was stored, refused, or ended by an error while deciding."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from services.registry.application.handlers import Registry
from services.registry.application.submissions import ACCEPTED, REJECTED, Submission
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore
from tests.registry.unit.builders import registration

START = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture
def engine(postgres_url):
    """One connection kept in the pool: the next checkout takes the batch's own."""
    engine = create_db_engine(postgres_url, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def registry(engine) -> Registry:
    store = EventStore(engine, build_registry())
    store.clock = lambda: START
    return Registry(store)


def inspection(project_id: str) -> Submission:
    return Submission(
        str(uuid.uuid4()),
        "InspectionCompleted",
        START,
        {"inspection_id": "i1", "result": "passed"},
        project_id,
        source="test",
    )


def pooled_autocommit(engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.connection.driver_connection.autocommit)


def test_a_stored_batch_gives_its_connection_back_out_of_autocommit(engine, registry):
    registered = Submission(str(uuid.uuid4()), "ProjectRegistered", START, registration("p1"))
    (outcome,) = registry.submit_batch([registered])
    assert outcome.status == ACCEPTED
    assert not pooled_autocommit(engine)
    (again,) = registry.submit_batch([inspection("p1")])
    assert again.status == ACCEPTED
    assert not pooled_autocommit(engine)


def test_a_refused_batch_gives_its_connection_back_out_of_autocommit(engine, registry):
    (outcome,) = registry.submit_batch([inspection("nowhere")])
    assert outcome.status == REJECTED
    assert not pooled_autocommit(engine)


def test_a_batch_refused_whole_takes_no_second_connection(engine, registry):
    """Its refusals are looked up among the stored events on the batch's own connection
    (they took a second one from the pool, while the first was held)."""
    out, most = [0], [0]

    def checked_out(*_args):
        out[0] += 1
        most[0] = max(most[0], out[0])

    def checked_in(*_args):
        out[0] -= 1

    event.listen(engine.pool, "checkout", checked_out)
    event.listen(engine.pool, "checkin", checked_in)
    outcomes = registry.submit_batch([inspection("nowhere"), inspection("elsewhere")])
    assert [o.status for o in outcomes] == [REJECTED, REJECTED]
    assert most[0] == 1 and out[0] == 0
    assert not pooled_autocommit(engine)


def test_an_error_while_deciding_leaves_no_pooled_connection_in_autocommit(
    engine, registry, monkeypatch
):
    def failing(*_args, **_kwargs):
        raise RuntimeError("deciding failed")

    monkeypatch.setattr(registry, "_preload", failing)
    with pytest.raises(RuntimeError):
        registry.submit_batch([inspection("p1")])
    assert not pooled_autocommit(engine)
