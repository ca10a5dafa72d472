"""Scheduling fixtures: a store with a test clock, the service over it."""

from __future__ import annotations

import pytest

from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig

from .helpers import ZONE, Clock, Project


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_store(store, clock):
    store.clock = clock
    return store


@pytest.fixture
def service(clocked_store, clock) -> SchedulingService:
    return SchedulingService(clocked_store, ZONE, SchedulingConfig(), clock=clock)


@pytest.fixture
def project(clocked_store):
    def make(project_id: str) -> Project:
        return Project(clocked_store, project_id)

    return make
