"""Scoring's wired objects, built once by `bootstrap.wire` and kept on the runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dramatiq

from shared.runtime import Runtime

Progress = Callable[[int, int], None]


@dataclass
class ScoringParts:
    assess: dramatiq.Actor
    """``scoring.assess(job_id)``: runs one assessment job."""
    verify: dramatiq.Actor
    """``scoring.verify_assessment(verification_id)``: recomputes one stored assessment
    from the log and records how it compares."""
    on_progress: Progress | None = None
    """Called with (events replayed, total) as a job runs: tests use it to kill a job
    half-way."""

    @classmethod
    def of(cls, runtime: Runtime) -> ScoringParts:
        return runtime.part(cls)
