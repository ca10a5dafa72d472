"""The register of issued documents: one number per document, 1, 2, 3 … per year, never
reused, unique and gapless under concurrent issuing on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from shared.db import create_db_engine
from shared.documents import DocumentRegister, document_number
from shared.events import build_registry
from shared.eventstore import EventStore
from tests.scheduling.helpers import ZONE, Clock


def test_a_number_is_the_prefix_the_year_in_hexagonal_brackets_and_the_sequence():
    assert document_number("攻坚办", 2026, 12) == "攻坚办〔2026〕12号"


def test_numbers_run_per_year_and_issuing_again_returns_the_first(store):
    clock = Clock()
    clock.set("2026-12-31", hour=20)
    register = DocumentRegister(store, "攻坚办", ZONE, clock=clock)
    first, created = register.issue("agenda:weekly:2026-W53:v1", "agenda", "甲")
    assert created and first.number == "攻坚办〔2026〕1号" and first.sequence == 1
    again, created = register.issue("agenda:weekly:2026-W53:v1", "agenda", "甲")
    assert not created and again == first
    second, _ = register.issue("supervision:weekly:2026-W53:v1", "supervision", "乙")
    assert second.number == "攻坚办〔2026〕2号"
    # 31 December 16:30 UTC is already 1 January in the campaign's time zone.
    clock.now = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    new_year, _ = register.issue("agenda:weekly:2027-W01:v1", "agenda", "丙")
    assert (new_year.number, new_year.issued_on.isoformat()) == ("攻坚办〔2027〕1号", "2027-01-01")
    assert [d.number for d in register.issued(2026)] == ["攻坚办〔2026〕1号", "攻坚办〔2026〕2号"]
    assert register.find("agenda:weekly:2026-W53:v1") == first
    assert register.find("never issued") is None


@pytest.mark.postgres
def test_concurrent_issuing_on_postgresql_gives_unique_gapless_numbers(postgres_url):
    engine = create_db_engine(postgres_url)
    store = EventStore(engine, build_registry(), lock_timeout_ms=5000)
    register = DocumentRegister(store, "攻坚办", ZONE)
    threads, per_thread = 8, 6
    barrier = threading.Barrier(threads)
    numbers: dict[str, str] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def clerk(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                # Every clerk also races to issue one shared document.
                for key in (f"notice-{n}-{i}", "shared-notice"):
                    issued, _ = register.issue(key, "agenda", key)
                    with lock:
                        assert numbers.setdefault(key, issued.number) == issued.number
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=clerk, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    assert errors == []
    year = register.issued(datetime.now(ZONE).year)
    assert len(year) == threads * per_thread + 1 == len(numbers)
    assert [d.sequence for d in year] == list(range(1, len(year) + 1))
    assert sorted(numbers.values()) == sorted(d.number for d in year)
