"""Imported after ``services.worker`` by a test's worker process: every assessment job
stalls after its first page of events (and says so in a marker file), so that the test
can kill the process mid-job."""

from __future__ import annotations

import os
import time
from pathlib import Path

import services.worker
from services.scoring.wiring import ScoringParts


def stall(replayed: int, total: int) -> None:
    Path(os.environ["GONGJIAN_TEST_STALL_MARKER"]).write_text(f"{replayed}/{total}")
    time.sleep(3600)


ScoringParts.of(services.worker.runtime).on_progress = stall
