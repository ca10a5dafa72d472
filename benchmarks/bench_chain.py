"""`/v1/chain` at a province's size: 10⁶ events whose chain verifies, a full verification,
then a day's worth of appends since it, and the chain status over HTTP.

The log is filled with correctly chained events (`_chained_fill`: hashed in Python with the
store's `chain_hash`, streamed in with ``COPY``); `gongjian verify`'s full verification
(`verify_log`) walks it and leaves the verifier's checkpoint at the head; a checkpoint is
signed there; the store appends ``--since`` events (1,000 by default) on top. Measured:
``GET /v1/chain`` through the registry's app (median of 9 calls, each with those events
since the last verified position: the verifier's checkpoint is put back before each), and
with nothing new (median of 21). Run alone: ``python -m benchmarks.bench_chain
[--events N] [--since N] [--backends postgresql,sqlite]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import text

from shared.config import Settings
from shared.eventstore.audit import VERIFIED, save_signed, verify_log
from shared.eventstore.signed import Keyring, SigningKey

from ._chained_fill import fill_chained
from ._eventstore_workload import postgres_database, sqlite_database, workload

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class ChainFigures:
    fill_s: float
    verify_s: float
    since_ms: float
    nothing_new_ms: float


def _median_ms(times: int, work: Callable[[], object], before: Callable[[], object]) -> float:
    samples = []
    for _ in range(times):
        before()
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@contextmanager
def _signing_key(key: SigningKey) -> Iterator[None]:
    """The registry's process verifies with this key (as ``GONGJIAN_CHECKPOINT_KEY``)."""
    before = os.environ.get("GONGJIAN_CHECKPOINT_KEY")
    os.environ["GONGJIAN_CHECKPOINT_KEY"] = key.pem()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GONGJIAN_CHECKPOINT_KEY", None)
        else:
            os.environ["GONGJIAN_CHECKPOINT_KEY"] = before


def measure(url: str, events: int, since: int) -> ChainFigures:
    from services.composition import create_app, runtime_for

    key = SigningKey.generate()
    with _signing_key(key):
        runtime = runtime_for(Settings.from_env(database_url=url, redis_url=""))
        try:
            return _measure(runtime, create_app, key, events, since)
        finally:
            runtime.close()


def _measure(runtime, create_app, key: SigningKey, events: int, since: int) -> ChainFigures:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fill_chained(runtime.engine, events)
    fill_s = time.perf_counter() - started
    return ChainFigures(fill_s, *chain_status(runtime, create_app, key, since))


def chain_status(runtime, create_app, key: SigningKey, since: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """On a filled log: the full verification's seconds, then ``GET /v1/chain``'s median
    ms with ``since`` events appended after it, and with nothing new."""
    store, engine = runtime.store, runtime.engine
    events = store.head().position
    started = time.perf_counter()
    verified = verify_log(store, Keyring([key.public]))
    verify_s = time.perf_counter() - started
    assert verified.ok and verified.head_position == events, verified.describe()
    head = (verified.head_position, verified.head_hash)
    save_signed(store, key.sign(*head, events, store.head().recorded_at))  # type: ignore[arg-type]
    batch = workload(since, start=events)
    for offset in range(0, since, 100):
        store.append(batch[offset : offset + 100])
    client = create_app(runtime, ("registry",)).test_client()
    # An auditor of the whole deployment: its hierarchy's root (a province's, or the county).
    tenancy = runtime.settings.tenancy
    root = next(t.code for t in tenancy.tenants.values() if t.parent is None)
    token = runtime.tokens.create(f"bench-{uuid.uuid4().hex[:8]}", "auditor", tenant=root)
    headers = {"Authorization": f"Bearer {token}"}

    def chain() -> None:
        answer = client.get("/v1/chain", headers=headers)
        assert answer.status_code == 200 and answer.json["ok"], answer.json

    def back_to_the_verification() -> None:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE checkpoints SET position = :p, hash = :h WHERE consumer = :c"),
                {"p": head[0], "h": head[1], "c": VERIFIED},
            )

    since_ms = _median_ms(9, chain, back_to_the_verification)
    chain()
    nothing_new_ms = _median_ms(21, chain, lambda: None)
    return verify_s, since_ms, nothing_new_ms


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_chain")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--since", type=int, default=1_000, help="events appended since")
    parser.add_argument("--backends", default="postgresql")
    args = parser.parse_args(argv)
    from services.composition import migration_locations

    server = os.environ.get("GONGJIAN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    print(
        "| backend | events in log | fill s | full verification s | appended since |"
        " `GET /v1/chain` ms | nothing new ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        database = (
            postgres_database(server, migration_locations())
            if backend == "postgresql"
            else sqlite_database(migration_locations())
        )
        with database as url:
            f = measure(url, args.events, args.since)
        print(
            f"| {backend} | {args.events:,} | {f.fill_s:.0f} | {f.verify_s:.0f} | {args.since:,} |"
            f" {f.since_ms:.1f} | {f.nothing_new_ms:.1f} |"
        )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
