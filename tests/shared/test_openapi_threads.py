"""``/openapi.json`` from several threads of one process at once, as gunicorn's threaded
workers serve it. Seen in the threaded server's stress test: making the document changes
the spec's own dicts, and a request making it while another did answered 500
("dictionary changed size during iteration")."""

from __future__ import annotations

import sys
import threading

import pytest

from services.composition import create_app, runtime_for
from shared.config import Settings


@pytest.fixture
def switching_often():
    """Threads take turns every 10 µs (Python's default is 5 ms): a thread is often
    stopped halfway through a short step, as on a loaded machine."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize("attempt", range(3))
def test_the_first_requests_for_the_document_from_many_threads_all_get_it(
    tmp_path, switching_often, attempt
):
    runtime = runtime_for(Settings.from_env(database_url=f"sqlite:///{tmp_path / 'gj.db'}"))
    try:
        app = create_app(runtime, ("registry", "scheduling", "scoring"))
        start = threading.Barrier(8)
        answers: list[tuple[int, bytes]] = []

        def fetch() -> None:
            client = app.test_client()
            start.wait()
            for _ in range(3):
                response = client.get("/openapi.json")
                answers.append((response.status_code, response.data))

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [status for status, _ in answers] == [200] * 24
        assert len({body for _, body in answers}) == 1  # one document, the same for all
    finally:
        runtime.close()
