"""The registry bench tells how the clients' kept connections fell on the server's workers
(benchmarks/bench_registry.py `_clients_by_worker`): two workers of this process accept on
one listening socket, as gunicorn's do, and hold two connections and one."""

from __future__ import annotations

import multiprocessing
import os
import socket
import sys

import pytest

from benchmarks.bench_registry import _clients_by_worker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _worker(listener: socket.socket, count: int, accepted, done) -> None:  # type: ignore[no-untyped-def]
    held = [listener.accept()[0] for _ in range(count)]
    accepted.set()
    done.wait(30)
    for conn in held:
        conn.close()


def test_it_counts_the_connections_each_worker_holds():
    forked = multiprocessing.get_context("fork")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    done = forked.Event()
    workers, clients = [], []
    try:
        for count in (2, 1):  # the first takes two before the second starts accepting
            accepted = forked.Event()
            worker = forked.Process(target=_worker, args=(listener, count, accepted, done))
            worker.start()
            workers.append(worker)
            clients += [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
            assert accepted.wait(10)
        counts = [int(n) for n in _clients_by_worker(os.getpid(), port).split(", ")]
        assert counts[:2] == [2, 1] and sum(counts) == 3
    finally:
        done.set()
        for conn in clients:
            conn.close()
        for worker in workers:
            worker.join(10)
        listener.close()
