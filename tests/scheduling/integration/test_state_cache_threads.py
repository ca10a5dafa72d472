"""The board's cache of parsed project states is shared by a web worker's threads
(gunicorn's gthread, as deployed). One request went through the cache while another
added a project just registered: "dictionary changed size during iteration", a 500.
It keeps a bounded number of states, those last asked for."""

from __future__ import annotations

import threading
from collections import OrderedDict

from services.scheduling.readmodel import queries


class _PausingStates(OrderedDict):
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


def test_the_cache_keeps_the_states_last_asked_for_up_to_its_bound(service, project):
    for pid, county in (("a1", "ca"), ("a2", "ca"), ("b1", "cb"), ("b2", "cb")):
        project(pid).register(county=county)
    service.catch_up()
    engine = service.store.engine
    cache = queries.StateCache(keep=2)

    def ids(states) -> list[str]:
        return [s.project_id for s in states]

    # One request asking for more than the cache keeps gets them all the same.
    assert ids(cache.load(engine)) == ["a1", "a2", "b1", "b2"]
    assert cache.kept() == 2
    first = cache.load(engine, "cb")
    assert ids(first) == ["b1", "b2"] and cache.kept() == 2
    again = cache.load(engine, "cb")
    assert [a is b for a, b in zip(first, again, strict=True)] == [True, True]  # kept
    assert ids(cache.load(engine, "ca")) == ["a1", "a2"]  # cb's let go for ca's
    after = cache.load(engine, "cb")
    assert after == first and [a is b for a, b in zip(first, after, strict=True)] == [
        False,
        False,
    ]  # parsed again
    for none in (0, -5):  # nothing kept, everything answered
        nothing = queries.StateCache(keep=none)
        assert ids(nothing.load(engine)) == ["a1", "a2", "b1", "b2"] and nothing.kept() == 0
    service.states = queries.StateCache(keep=3)  # the service's own, empty at first
    service.snapshot(None, service.clock(), with_actions=False, county="ca")
    assert service.states.kept() == 2


def test_a_deployments_bound_is_the_one_its_environment_sets(database_url, tmp_path, monkeypatch):
    from services.composition import runtime_for
    from services.scheduling.wiring import SchedulingParts
    from shared.config import Settings

    def kept() -> int:
        settings = Settings.from_env(database_url=database_url, redis_url="", data_dir=tmp_path)
        runtime = runtime_for(settings)
        try:
            return SchedulingParts.of(runtime).service.states.keep
        finally:
            runtime.close()

    monkeypatch.delenv("GONGJIAN_KEPT_STATES", raising=False)
    assert kept() == queries.KEPT_STATES == 10_000
    monkeypatch.setenv("GONGJIAN_KEPT_STATES", "500")
    assert kept() == 500


def test_a_settled_process_freezes_a_large_load_of_states_not_a_few(service, project, monkeypatch):
    import gc

    from shared import heap

    for pid in ("p1", "p2", "p3"):
        project(pid).register()
    service.catch_up()
    engine = service.store.engine

    def tracked(states) -> list[bool]:
        listed = {id(o) for o in gc.get_objects()}
        return [id(s) in listed for s in states]

    monkeypatch.setattr(heap, "_settled", True)
    monkeypatch.setattr(queries, "FREEZE_AFTER", 4)
    try:
        assert tracked(queries.StateCache().load(engine)) == [True, True, True]  # a few
        monkeypatch.setattr(queries, "FREEZE_AFTER", 3)
        assert tracked(queries.StateCache().load(engine)) == [False, False, False]
        monkeypatch.setattr(heap, "_settled", False)  # not settled: never frozen
        assert tracked(queries.StateCache().load(engine)) == [True, True, True]
    finally:
        gc.unfreeze()


def test_a_county_read_again_parses_only_the_states_that_changed(service, project):
    for pid in ("a1", "a2", "a3"):
        project(pid).register(county="ca")
    service.catch_up()
    engine = service.store.engine
    cache = queries.StateCache()
    first = cache.load(engine, "ca")  # none parsed yet: read by the county
    assert [s.project_id for s in first] == ["a1", "a2", "a3"]
    assert all(not s.milestones for s in first)
    project("a2").milestone("m1", "2024-06-01")
    service.catch_up()
    again = cache.load(engine, "ca")  # one changed: read by its id
    assert [a is b for a, b in zip(first, again, strict=True)] == [True, False, True]
    assert list(again[1].milestones) == ["m1"]


def test_a_citys_load_reads_its_own_counties_and_lets_no_other_go(service, project, monkeypatch):
    from shared.tenancy import Tenancy, Tenant, configure, scoped_to

    tenancy = Tenancy(
        [
            Tenant("p", "某省", "province"),
            Tenant("m1", "甲市", "city", "p"),
            Tenant("m2", "乙市", "city", "p"),
            Tenant("ca", "甲县", "county", "m1"),
            Tenant("cb", "乙县", "county", "m2"),
        ]
    )
    configure(tenancy)  # given back after the test (tests/conftest.py)
    for pid, county in (("a1", "ca"), ("b1", "cb")):
        project(pid).register(county=county)
    service.catch_up()
    engine = service.store.engine
    cache = queries.StateCache()
    assert [s.project_id for s in cache.load(engine, "cb")] == ["b1"]
    project("b1").milestone("m1", "2024-06-01")  # changed since: parsed again when read
    service.catch_up()
    parsed: list[str] = []
    real = queries.ProjectState.from_dict

    def counted(data):  # type: ignore[no-untyped-def]
        parsed.append(data["project_id"])
        return real(data)

    monkeypatch.setattr(queries.ProjectState, "from_dict", counted)
    with scoped_to(tenancy.scope_of("m1")):
        assert [s.project_id for s in cache.load(engine)] == ["a1"]
    assert parsed == ["a1"]  # the other city's project neither read nor parsed
    assert cache.kept() == 2  # nor let go
