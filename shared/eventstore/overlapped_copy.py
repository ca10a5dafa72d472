"""A batch's rows by COPY in chunks, each chunk stored by the server while the client
makes the next (issue 18).

PostgreSQL's COPY FROM keeps the rows it parses in a buffer of about 64 kB and writes
them to the table and its indexes only when the buffer is full or the COPY ends: the
rows of a 100-event batch are all stored after the last one arrives, with the client
idle, and the client made them all with the server idle. Here every chunk is a COPY of
its own in the caller's transaction: its end is sent without waiting, the server stores
its rows while the next chunk is checked and chained, and its answer is read just
before the next COPY starts (an error then raises there, as it would have at the end).

psycopg's `LibpqWriter` sends the rows; only the end of each COPY and the reading of its
answer are done here, on the documented libpq wrapper (`psycopg.pq`, `libpq_answers`)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from psycopg import errors, pq
from psycopg.copy import LibpqWriter

from .libpq_answers import answered, wait

_DONE = pq.ExecStatus.COMMAND_OK


def copy_overlapped(driver: Any, statement: str, chunks: Iterable[bytes]) -> None:
    """Each chunk of ``chunks`` (COPY's text in the connection's encoding) as a COPY
    ``statement`` of its own on the psycopg connection ``driver``, in its open
    transaction; returns once every row is stored, raises the driver's error of the
    first COPY that failed."""
    pending = False
    try:
        with driver.cursor() as cursor:
            for chunk in chunks:  # made while the server stores the chunk before it
                if pending:
                    pending = False
                    answered(driver.pgconn, _DONE)
                with cursor.copy(statement, writer=_EndUnanswered(cursor)) as copy:
                    copy.write(chunk)
                pending = True
        if pending:
            pending = False
            answered(driver.pgconn, _DONE)
    finally:
        if pending:  # a chunk could not be made: read the last COPY's answer all the same
            with suppress(errors.Error):  # the error that stopped the chunks is raised
                answered(driver.pgconn, _DONE)


class _EndUnanswered(LibpqWriter):
    """psycopg's writer, but the end of the COPY is sent without waiting for its
    answer (`answered` reads it). A COPY given up on (an exception while writing) ends as
    psycopg ends it: refused, and answered at once."""

    def finish(self, exc: BaseException | None = None) -> None:
        if exc is not None:
            super().finish(exc)
            return
        pgconn = self._pgconn
        while pgconn.put_copy_end() == 0:
            wait(pgconn, write=True)
        while pgconn.flush() != 0:
            wait(pgconn, write=True)
