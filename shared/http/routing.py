"""Read-only requests to the replica, when one is configured (`shared.replica`).

A ``GET``/``HEAD`` under ``/v1/`` is routed before it runs and answered with the route's
headers (`shared.replica.ReadRoute.headers`); every other request, and every request
while no replica is configured, reads the primary and has none of them. Its
``Gongjian-Min-Position`` is checked either way (a bad one is a 400).

A request the replica fails in the middle of (its connection errors: the replica stopped,
or was cut off) is run once more on the primary, so the client gets its answer rather
than a 503; a second failure is the primary's own and is answered as such.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import InterfaceError, OperationalError

from ..db import reads_from
from ..replica import MIN_POSITION, ReadRoute
from .problems import Problem

if TYPE_CHECKING:
    from ..replica import Replica

READ_METHODS = ("GET", "HEAD")
ROUTED_PREFIX = "/v1/"


def route_reads(app: Flask, replica: Replica | None) -> None:
    """Route ``app``'s read-only API requests between ``replica`` and its primary."""

    @app.before_request
    def _route() -> None:
        if request.method not in READ_METHODS or not request.path.startswith(ROUTED_PREFIX):
            return
        wanted = min_position()
        if replica is None:
            return
        route = replica.route(wanted)
        g.read_route = route
        if route.served_by == "replica":
            stack = ExitStack()
            stack.enter_context(reads_from(replica.store.engine, replica.engine))
            g.read_route_exit = stack

    dispatch = app.dispatch_request

    def dispatch_once_more_on_the_primary() -> ResponseReturnValue:
        try:
            return dispatch()
        except (OperationalError, InterfaceError) as exc:
            stack = g.pop("read_route_exit", None)
            if stack is None or replica is None:  # not on the replica: the primary's error
                raise
            stack.close()
            replica.failed(exc)
            g.read_route = ReadRoute("primary", fallback="interrupted")
            return dispatch()

    # The view runs inside ``dispatch_request`` (after the before-request route above),
    # so one wrapper covers every route, those registered later included.
    app.dispatch_request = dispatch_once_more_on_the_primary  # type: ignore[method-assign]

    @app.after_request
    def _headers(response: Response) -> Response:
        route = g.get("read_route")
        if route is not None:
            response.headers.update(route.headers())
        return response

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        stack = g.pop("read_route_exit", None)
        if stack is not None:
            stack.close()


def min_position() -> int | None:
    """The position the client must read (``Gongjian-Min-Position``), if it named one."""
    raw = request.headers.get(MIN_POSITION)
    if raw is None or raw.strip() == "":
        return None
    if not (raw.strip().isascii() and raw.strip().isdigit()):
        reason = f"应为非负整数（写入时答复的全局位置），收到 {raw[:40]!r}"
        raise Problem(
            400,
            "Bad Request",
            f"请求头 {MIN_POSITION} {reason}",
            code="min_position_invalid",
            errors={MIN_POSITION: [reason]},
        )
    return int(raw.strip())
