"""The board's cache of parsed project states is shared by a web worker's threads
(gunicorn's gthread, as deployed). One request went through the cache while another
added a project just registered: "dictionary changed size during iteration", a 500."""

from __future__ import annotations

import threading

from services.scheduling.readmodel import queries


class _PausingStates(dict):
    """The cache's dict, whose iteration stops after its first entry until told to go on
    (a thread switch at that point, made certain)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.paused = threading.Event()
        self.go_on = threading.Event()

    def items(self):  # type: ignore[no-untyped-def]
        iterator = iter(dict.items(self))
        for item in iterator:
            yield item
            if not self.paused.is_set():
                self.paused.set()
                self.go_on.wait(5)


def test_a_project_added_while_another_request_reads_the_cache(service, project):
    for pid in ("p1", "p2"):
        project(pid).register()
    service.catch_up()
    engine = service.store.engine
    cache = queries.StateCache()
    assert [s.project_id for s in cache.load(engine)] == ["p1", "p2"]
    states = cache._states = _PausingStates(cache._states)
    answers: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def load(name: str) -> None:
        try:
            answers[name] = [s.project_id for s in cache.load(engine)]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    reading = threading.Thread(target=load, args=("first",))
    reading.start()
    assert states.paused.wait(5)  # the first request is going through the cache
    project("p3").register()
    service.catch_up()
    adding = threading.Thread(target=load, args=("second",))
    adding.start()
    adding.join(0.5)  # before the fix it added p3 here, under the first one's feet
    states.go_on.set()
    reading.join(10)
    adding.join(10)
    assert errors == []
    assert answers == {"first": ["p1", "p2"], "second": ["p1", "p2", "p3"]}
    assert [s.project_id for s in cache.load(engine)] == ["p1", "p2", "p3"]
