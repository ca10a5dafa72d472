"""The log's lock, its probe and a batch's COPY sent as one message (issue 18).

An append under the log's lock used to take three round trips with the lock held: the
probe's answer (the head the rows are chained after), the COPY's start, the rows'
answer; then the ``COMMIT``. Each answer has to wake the client, and on a busy machine
the client is scheduled late: with four writers the holder's backend was waiting for its
client in more than half of the time the lock was held. Here the probe and the COPY go
in one query string (PostgreSQL's simple query protocol runs its statements in turn): the
probe's rows and the COPY's start come back together, the client chains the rows on
them and sends them, and, when asked, the ``COMMIT`` that ends the query string lets the
lock go as soon as the rows are stored. One wake-up of the client with the lock held.

The simple protocol takes no parameters: the probe's arguments are written as literals by
libpq's own escaping. Sent and read on the documented libpq wrapper (`psycopg.pq`), the
probe's rows loaded by psycopg's own loaders (`psycopg.adapt.Transformer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from psycopg import errors, pq
from psycopg.adapt import Transformer

from .libpq_answers import sent, wait

_ROWS = pq.ExecStatus.TUPLES_OK
_DONE = pq.ExecStatus.COMMAND_OK
_COPY_IN = pq.ExecStatus.COPY_IN


class NotWritten(Exception):  # noqa: N818 - not an error: the caller's answer to the probe
    """Raised by the chaining callback to write nothing: the COPY is ended refused, so
    that no ``COMMIT`` sent after it can commit the transaction without its rows. Carries
    what the caller raises once the transaction is rolled back."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__(str(reason))
        self.reason = reason


def probed_copy(
    driver: Any,
    probe: str,
    args: Iterable[str | int],
    copy: str,
    rows_of: Callable[[list[tuple[Any, ...]]], Iterable[str]],
    *,
    commit: bool,
) -> None:
    """``probe`` (a ``SELECT`` whose ``%s`` take ``args`` as literals), then ``copy``
    (a ``COPY … FROM STDIN``), and ``COMMIT`` when ``commit``, sent as one query string
    on the psycopg connection ``driver`` (in its client encoding), in a transaction
    (begun here when none is open). ``rows_of`` is given the probe's rows and gives the COPY's text, chunk by
    chunk, as it makes it; what it raises ends the COPY refused (nothing is stored) and
    is raised here. An error of the server is raised as psycopg raises it; after any
    error the transaction is failed, for the caller to roll back."""
    pgconn, encoding = driver.pgconn, driver.info.encoding
    query = _message(pgconn, encoding, probe, args, copy, commit).encode(encoding)
    sent(pgconn, lambda c: c.send_query(query))
    rows = _probe_rows(driver)
    try:
        for chunk in rows_of(rows):
            _put(pgconn, chunk.encode(encoding))
    except BaseException:
        _end(pgconn, b"not written")
        _drain(pgconn)
        raise
    _end(pgconn, None)
    error = _drain(pgconn)
    if error is not None:
        raise error


def _message(
    pgconn: pq.abc.PGconn,
    encoding: str,
    probe: str,
    args: Iterable[str | int],
    copy: str,
    commit: bool,
) -> str:
    """The query string: ``BEGIN`` when no transaction is open, the probe with its
    arguments as literals, the COPY, and the ``COMMIT`` when asked."""
    escaping = pq.Escaping(pgconn)
    literals = tuple(
        str(a)
        if isinstance(a, int)
        else escaping.escape_literal(a.encode(encoding)).decode(encoding)
        for a in args
    )
    statements = [probe % literals, copy]
    if pgconn.transaction_status == pq.TransactionStatus.IDLE:
        statements.insert(0, "BEGIN")
    if commit:
        statements.append("COMMIT")
    return "; ".join(statements)


def _probe_rows(driver: Any) -> list[tuple[Any, ...]]:
    """The probe's rows, read up to the COPY's start; the server's error if it stopped
    before the COPY (nothing after the error ran)."""
    pgconn = driver.pgconn
    rows: list[tuple[Any, ...]] = []
    failed: BaseException | None = None
    while (result := _next(pgconn)) is not None:
        if result.status == _COPY_IN:
            return rows
        if result.status == _ROWS:
            loading = Transformer.from_context(driver)
            loading.set_pgresult(result)
            rows = loading.load_rows(0, result.ntuples, tuple)
        elif result.status != _DONE and failed is None:
            failed = errors.error_from_result(result, encoding=pgconn._encoding)
    raise failed or errors.InternalError("the probe answered no COPY")


def _next(pgconn: pq.abc.PGconn) -> pq.abc.PGresult | None:
    """The next result of the query string, waited for (None: there are no more)."""
    while True:
        pgconn.consume_input()
        if not pgconn.is_busy():
            return pgconn.get_result()
        wait(pgconn, write=False)


def _put(pgconn: pq.abc.PGconn, data: bytes) -> None:
    while pgconn.put_copy_data(data) == 0:
        wait(pgconn, write=True)


def _end(pgconn: pq.abc.PGconn, error: bytes | None) -> None:
    while pgconn.put_copy_end(error) == 0:
        wait(pgconn, write=True)
    while pgconn.flush() != 0:
        wait(pgconn, write=True)


def _drain(pgconn: pq.abc.PGconn) -> errors.Error | None:
    """The rest of the query string's results read; the first error among them."""
    failed = None
    while (result := _next(pgconn)) is not None:
        if result.status != _DONE and failed is None:
            failed = errors.error_from_result(result, encoding=pgconn._encoding)
    return failed
