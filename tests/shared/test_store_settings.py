"""The event store's settings of the environment reach every store a process appends
through: the runtime's, the registry's store of validated payloads, a twin on another
clock (`shared.runtime.build_runtime`)."""

from __future__ import annotations

import pytest

from services.registry.application.handlers import Registry
from shared.config import Settings
from shared.events import build_registry
from shared.eventstore import EventStore
from shared.runtime import build_runtime

from .helpers import T0


@pytest.mark.parametrize(
    ("setting", "attribute", "value", "default"),
    [
        ("holder_slice_us", "holder_slice_us", 250, 100),  # GONGJIAN_HOLDER_SLICE_US
        ("early_lock_release", "release_early", False, True),  # GONGJIAN_EARLY_LOCK_RELEASE
    ],
)
def test_a_setting_reaches_every_store_a_process_appends_through(
    tmp_path, setting, attribute, value, default
):
    database_url = f"sqlite:///{tmp_path / 'g.db'}"
    runtime = build_runtime(
        Settings(database_url=database_url, **{setting: value}), build_registry()
    )
    try:
        assert getattr(runtime.store, attribute) == value
        assert getattr(Registry(runtime.store).validated, attribute) == value
        assert getattr(runtime.store.with_clock(lambda: T0), attribute) == value
        assert getattr(EventStore(runtime.store.engine), attribute) == default
    finally:
        runtime.close()
