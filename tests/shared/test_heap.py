"""`shared.heap.settle`: what a built process holds is frozen out of the collector's
sight, garbage left by booting is freed first, and young collections come less often."""

from __future__ import annotations

import gc
import runpy
import threading
import weakref
from pathlib import Path

import pytest

from shared import heap
from shared.heap import YOUNG_DEFAULT, SettledHeap, collector_paused, freeze_held, settle

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


class Node:
    def __init__(self) -> None:
        self.self = self  # a cycle: only the collector frees it


@pytest.fixture(autouse=True)
def collector_restored(monkeypatch):
    threshold = gc.get_threshold()
    monkeypatch.setattr(heap, "_settled", False)
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Leaf:
    """An object without cycles: freed by its reference count."""


def tracked(obj: object) -> bool:
    """Whether a collection would scan ``obj`` (frozen objects are not listed)."""
    return any(o is obj for o in gc.get_objects())


def test_what_the_process_holds_is_frozen_and_young_collections_come_less_often(monkeypatch):
    monkeypatch.delenv("GONGJIAN_GC_YOUNG", raising=False)
    held = Node()
    assert tracked(held)
    assert settle() is True
    assert not tracked(held)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG_DEFAULT


def test_garbage_left_by_booting_is_freed_not_frozen(monkeypatch):
    monkeypatch.delenv("GONGJIAN_GC_YOUNG", raising=False)
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    settle()
    assert gone() is None


def test_the_environment_sets_the_young_generation_and_zero_leaves_the_collector_alone(
    monkeypatch,
):
    monkeypatch.setenv("GONGJIAN_GC_YOUNG", "5000")
    settle()
    assert gc.get_threshold()[0] == 5000
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("GONGJIAN_GC_YOUNG", "0")
    held = Node()
    assert settle() is False
    assert tracked(held) and gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_a_setting_that_is_no_number_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("GONGJIAN_GC_YOUNG", "many")
    with pytest.raises(ValueError, match="GONGJIAN_GC_YOUNG 应为整数，而不是 'many'"):
        settle()
    assert gc.get_freeze_count() == 0


def test_each_gunicorn_worker_and_each_task_worker_settles_once_built(monkeypatch):
    monkeypatch.delenv("GONGJIAN_GC_YOUNG", raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config["post_worker_init"](None)
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    SettledHeap().after_worker_boot(None, None)  # type: ignore[arg-type]
    assert gc.get_freeze_count() > 0


def test_a_setting_that_is_no_number_stops_the_command_line_with_one_line(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from services.cli import main

    monkeypatch.setenv("GONGJIAN_GC_YOUNG", "many")
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    refused = CliRunner().invoke(main, ["serve", "--port", "1"], prog_name="gongjian")
    assert refused.exit_code != 0
    assert refused.output.strip() == "错误：GONGJIAN_GC_YOUNG 应为整数，而不是 'many'"
    assert gc.get_freeze_count() == 0


def test_a_pause_holds_the_collector_off_until_the_last_overlapping_one_ends():
    assert gc.isenabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with collector_paused():
            with collector_paused():  # nested
                second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.isenabled()
        seen["after the last ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": False, "after the last ended": True}
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_switched_off_before_it_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the collector runs again all the same")
    assert gc.isenabled()


def test_a_settled_process_freezes_what_it_holds_when_asked_and_frees_it_all_the_same(
    monkeypatch,
):
    monkeypatch.delenv("GONGJIAN_GC_YOUNG", raising=False)
    early = Node()
    assert freeze_held() is False  # not settled: nothing done
    assert tracked(early)
    settle()
    kept, dropped = [Node()], [object(), Leaf()]  # made after the process settled
    assert tracked(kept[0]) and tracked(dropped[1])
    assert freeze_held() is True
    assert not tracked(kept[0]) and not tracked(dropped[1])
    gone = weakref.ref(dropped[1])
    del dropped
    assert gone() is None  # frozen, and freed by its count all the same
