"""A batch's COPY in chunks whose answers are read late (issue 18): every row stored in
order; a chunk the server refuses raises its error where the whole COPY did, with
nothing of the transaction kept; a chunk the client cannot make raises the client's
error; and the connection is usable afterwards in each case."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from shared.eventstore.overlapped_copy import copy_overlapped

_COPY = "COPY rows_ (n, word) FROM STDIN"


@pytest.fixture
def conn(postgres_url):
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain) as connection:
        connection.execute("CREATE TABLE rows_ (n integer PRIMARY KEY, word text NOT NULL)")
        connection.commit()
        yield connection


def _chunks(numbers: list[list[int]]) -> Iterator[str]:
    for chunk in numbers:
        yield "".join(f"{n}\tw{n}\n" for n in chunk)


def _stored(conn) -> list[tuple[int, str]]:
    return conn.execute("SELECT n, word FROM rows_ ORDER BY n").fetchall()


def test_every_chunk_is_stored_in_order_in_the_callers_transaction(conn):
    copy_overlapped(conn, _COPY, _chunks([[1, 2, 3], [4], [5, 6]]))
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    conn.rollback()
    assert _stored(conn) == []  # nothing was committed: the caller's transaction decides
    copy_overlapped(conn, _COPY, _chunks([[1, 2, 3], [4], [5, 6]]))
    conn.commit()
    assert _stored(conn) == [(n, f"w{n}") for n in range(1, 7)]


def test_a_chunk_the_server_refuses_raises_its_error_and_later_ones_are_not_sent(conn):
    made = []

    def chunks() -> Iterator[str]:
        for chunk in ([1, 2], [2, 3], [4], [5]):  # the second repeats 2
            made.append(chunk)
            yield from _chunks([chunk])

    with pytest.raises(psycopg.errors.UniqueViolation):
        copy_overlapped(conn, _COPY, chunks())
    # the refusal is read after the next chunk is made, and nothing after that is made
    assert made == [[1, 2], [2, 3], [4]]
    conn.rollback()
    assert _stored(conn) == []
    copy_overlapped(conn, _COPY, _chunks([[7]]))  # the connection goes on
    conn.commit()
    assert _stored(conn) == [(7, "w7")]


def test_a_chunk_the_client_cannot_make_raises_the_clients_error(conn):
    def chunks() -> Iterator[str]:
        yield from _chunks([[1], [2]])
        raise ValueError("an event beyond its limits")

    with pytest.raises(ValueError, match="beyond its limits"):
        copy_overlapped(conn, _COPY, chunks())
    conn.rollback()
    assert _stored(conn) == []
    copy_overlapped(conn, _COPY, _chunks([[3]]))
    conn.commit()
    assert _stored(conn) == [(3, "w3")]


def test_when_both_fail_the_clients_error_is_raised(conn):
    def chunks() -> Iterator[str]:
        yield from _chunks([[1], [1]])  # the server refuses the second
        raise ValueError("an event beyond its limits")

    with pytest.raises(ValueError, match="beyond its limits"):
        copy_overlapped(conn, _COPY, chunks())
    conn.rollback()
    copy_overlapped(conn, _COPY, _chunks([[4]]))
    conn.commit()
    assert _stored(conn) == [(4, "w4")]


def test_a_row_the_server_cannot_read_is_refused_like_any_other(conn):
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        copy_overlapped(conn, _COPY, iter(["1\tw1\n", "two\tw2\n"]))
    conn.rollback()
    assert _stored(conn) == []


def test_a_connection_lost_between_chunks_raises_the_drivers_operational_error(conn, postgres_url):
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    pid = conn.info.backend_pid

    def chunks() -> Iterator[str]:
        yield from _chunks([[1]])
        with psycopg.connect(plain, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        yield from _chunks([[2]])

    with pytest.raises(psycopg.OperationalError):
        copy_overlapped(conn, _COPY, chunks())
