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

The caller's own writes in the same transaction may go in the message too, before the
probe (`Ahead`: the registry's request id): each is a round trip less, with its ``BEGIN``,
and still written before the lock is asked for.

With ``release_early``, the transaction commits without waiting for its WAL to be
flushed (``SET LOCAL synchronous_commit = off``), so that the lock goes as soon as the
commit is recorded, not after the disk has answered (early lock release): with several
writers, the lock had been held through every commit's flush. The answer still waits for
it: the query string ends with a second, one-statement transaction that writes a record to
the WAL (`DURABLE`) and commits as the session's own ``synchronous_commit`` says (flushed
here, and on a synchronous standby when one is configured). The WAL is flushed in order,
so its flush is the append's; the flushes of writers waiting together are one. Until then
the rows are visible and not yet durable: what is written from them (the next append,
chained on them; a read model's update) commits after them, so a crash that loses them
loses that too, and the append's caller, never answered, sends them again; what is read
from them through the store waits for their flush before it is handed out
(`durability`).

The simple protocol takes no parameters: the probe's and the statements' arguments are
written as literals by libpq's own escaping. Sent and read on the documented libpq
wrapper (`psycopg.pq`), the probe's rows loaded by psycopg's own loaders
(`psycopg.adapt.Transformer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import errors, pq
from psycopg.adapt import Transformer

from .durability import DURABLE
from .libpq_answers import sent, wait

_ROWS = pq.ExecStatus.TUPLES_OK
_DONE = pq.ExecStatus.COMMAND_OK
_COPY_IN = pq.ExecStatus.COPY_IN


@dataclass(frozen=True)
class Ahead:
    """A statement of the caller's, written in the append's transaction before the log's
    lock is asked for, sent in the append's own message: its text, PostgreSQL's, with
    ``%(name)s`` for each of ``args`` (written as literals: texts and whole numbers), the
    rows it must change, and what is raised, nothing written, when it changes another
    number of rows (``refused``) or the server refuses it (``failed``, given the driver's
    error)."""

    sql: str
    args: Mapping[str, str | int]
    rows: int
    refused: Callable[[], BaseException]
    failed: Callable[[errors.Error], BaseException]

    def text(self, pgconn: pq.abc.PGconn, encoding: str) -> str:
        """The statement with its arguments as literals, for ``pgconn``."""
        escaping = pq.Escaping(pgconn)
        return self.sql % {
            name: _literal(escaping, encoding, value) for name, value in self.args.items()
        }

    def answered(self, result: pq.abc.PGresult, encoding: str) -> BaseException | None:
        """What to raise for the statement's ``result``; None when it did what it must."""
        if result.status != _DONE:
            return self.failed(errors.error_from_result(result, encoding=encoding))
        if result.command_tuples != self.rows:
            return self.refused()
        return None


def run_ahead(driver: Any, ahead: Sequence[Ahead]) -> None:
    """Each statement of ``ahead`` on its own, in the transaction of the psycopg
    connection ``driver`` (where an append does not send them in its message)."""
    pgconn, encoding = driver.pgconn, driver.info.encoding
    for statement in ahead:
        with driver.cursor() as cursor:
            try:  # no parameters: the text is sent as it is
                cursor.execute(statement.text(pgconn, encoding).encode(encoding))
            except errors.Error as exc:
                raise statement.failed(exc) from None
            if cursor.rowcount != statement.rows:
                raise statement.refused()


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
    rows_of: Callable[[list[tuple[Any, ...]]], Iterable[str | bytes]],
    *,
    commit: bool,
    ahead: Sequence[Ahead] = (),
    release_early: bool = False,
    meanwhile: Callable[[], bool] | None = None,
) -> None:
    """The statements ``ahead``, ``probe`` (a ``SELECT`` whose ``%s`` take ``args`` as
    literals), then ``copy`` (a ``COPY … FROM STDIN``), and ``COMMIT`` when ``commit``,
    sent as one query string on the psycopg connection ``driver`` (in its client
    encoding), in a transaction (begun here when none is open). ``rows_of`` is given the
    probe's rows and gives the COPY's text, chunk by chunk, as it makes it (as text, or
    bytes in UTF-8: `in_encoding`); what it raises
    ends the COPY refused (nothing is stored) and is raised here, as is what a statement
    ahead answers amiss (`Ahead`). Another error of the server is raised as psycopg raises
    it; after any error the transaction is failed, for the caller to roll back. With
    ``commit`` and ``release_early``, the lock goes when the commit is recorded and the
    answer waits for its flush (`DURABLE`).

    ``meanwhile``: called again and again while the client waits for the answers up to
    the COPY's start (the lock, the probe), the socket looked at between calls, until it
    returns False (nothing more to do): a step of work that does not depend on the probe
    (`meanwhile.MadeAhead`), which must not raise."""
    pgconn, encoding = driver.pgconn, driver.info.encoding
    begun = pgconn.transaction_status == pq.TransactionStatus.IDLE
    message = _message(pgconn, encoding, probe, args, copy, commit, ahead, release_early)
    query = message.encode(encoding)
    sent(pgconn, lambda c: c.send_query(query))
    rows, amiss = _probe_rows(driver, ahead, begun, meanwhile)
    try:
        if amiss is not None:
            raise amiss
        for chunk in rows_of(rows):
            _put(pgconn, in_encoding(chunk, encoding))
    except BaseException:
        _end(pgconn, b"not written")
        _drain(pgconn)
        raise
    _end(pgconn, None)
    error = _drain(pgconn)
    if error is not None:
        raise error


def in_encoding(chunk: str | bytes, encoding: str) -> bytes:
    """A chunk of COPY's text in a connection's client ``encoding`` (Python's name for
    it), from text or from bytes in UTF-8 (what PostgreSQL's ``UTF8`` is, nearly always)."""
    if type(chunk) is bytes:
        return chunk if encoding == "utf-8" else chunk.decode().encode(encoding)
    return chunk.encode(encoding)  # type: ignore[union-attr]


def _message(
    pgconn: pq.abc.PGconn,
    encoding: str,
    probe: str,
    args: Iterable[str | int],
    copy: str,
    commit: bool,
    ahead: Sequence[Ahead] = (),
    release_early: bool = False,
) -> str:
    """The query string: ``BEGIN`` when no transaction is open, the statements ahead, the
    probe with its arguments as literals, the COPY, and the ``COMMIT`` when asked; with
    ``release_early`` as well, the commit not waiting for its flush and `DURABLE` after
    it, waiting instead."""
    escaping = pq.Escaping(pgconn)
    literals = tuple(_literal(escaping, encoding, a) for a in args)
    statements = [s.text(pgconn, encoding) for s in ahead]
    early = commit and release_early
    if early:  # answered after those ahead, before the probe's rows: `_probe_rows` skips it
        statements.append("SET LOCAL synchronous_commit = off")
    statements += [probe % literals, copy]
    if pgconn.transaction_status == pq.TransactionStatus.IDLE:
        statements.insert(0, "BEGIN")
    if commit:
        statements.append("COMMIT")
    if early:
        statements.append(DURABLE)
    return "; ".join(statements)


def _literal(escaping: Any, encoding: str, value: str | int) -> str:
    """A text or a whole number as a literal of the query string."""
    if isinstance(value, int):
        return str(int(value))
    return escaping.escape_literal(value.encode(encoding)).decode(encoding)


def _probe_rows(
    driver: Any,
    ahead: Sequence[Ahead] = (),
    begun: bool = False,
    meanwhile: Callable[[], bool] | None = None,
) -> tuple[list[tuple[Any, ...]], BaseException | None]:
    """The probe's rows, read up to the COPY's start, and what a statement ahead answered
    amiss (the probe and the COPY run after it all the same: the COPY is to be ended
    refused); the server's error if it stopped before the COPY (nothing after the error
    ran), or the error a statement ahead makes of it. ``meanwhile``: as `probed_copy`'s."""
    pgconn = driver.pgconn
    encoding = pgconn._encoding
    rows: list[tuple[Any, ...]] = []
    failed: BaseException | None = None
    amiss: BaseException | None = None
    pending = list(ahead)
    while (result := _next(pgconn, meanwhile)) is not None:
        if result.status == _COPY_IN:
            return rows, amiss
        answer: BaseException | None = None
        if begun:  # the BEGIN's answer
            begun = False
        elif pending:
            answer = pending.pop(0).answered(result, encoding)
            if answer is not None and result.status == _DONE:
                amiss, answer = amiss or answer, None
        elif result.status == _ROWS:
            loading = Transformer.from_context(driver)
            loading.set_pgresult(result)
            rows = loading.load_rows(0, result.ntuples, tuple)
        if answer is None and result.status not in (_DONE, _ROWS):
            answer = errors.error_from_result(result, encoding=encoding)
        failed = failed or answer
    raise failed or errors.InternalError("the probe answered no COPY")


def _next(
    pgconn: pq.abc.PGconn, meanwhile: Callable[[], bool] | None = None
) -> pq.abc.PGresult | None:
    """The next result of the query string, waited for (None: there are no more), with
    a step of ``meanwhile`` instead of each wait while it has work."""
    while True:
        pgconn.consume_input()
        if not pgconn.is_busy():
            return pgconn.get_result()
        if meanwhile is None or not meanwhile():
            meanwhile = None
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
        if result.status not in (_DONE, _ROWS) and failed is None:
            failed = errors.error_from_result(result, encoding=pgconn._encoding)
    return failed
