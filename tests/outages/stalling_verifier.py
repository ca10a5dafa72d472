"""Imported after ``services.worker`` by a test's worker process: every chain verification
and every assessment verification stalls before it walks (and says so in a marker file),
so that the test can kill the process mid-job."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from services.scoring.application import verification
from shared.eventstore import status


def stall(*_: Any, **__: Any) -> Any:
    Path(os.environ["GONGJIAN_TEST_STALL_MARKER"]).write_text("stalled")
    time.sleep(3600)


status.verify_log = stall  # type: ignore[assignment]
verification.verify = stall  # type: ignore[assignment]
