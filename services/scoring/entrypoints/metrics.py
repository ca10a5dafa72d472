"""Scoring's gauges in every scrape: assessment jobs by state, the oldest unfinished
job's age, leases alive and run out. Takeovers (jobs whose worker was lost) are counted
with every other leased job's, by `shared.metrics` (`Runtime.leased_jobs`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily, Metric

from shared.eventstore import now_utc

from ..readmodel.leases import JobLeases
from ..readmodel.records import JOB_STATUSES

KIND = "assessment"
UNFINISHED = ("queued", "retrying", "running")


def _by(name: str, documentation: str, label: str, values: Mapping[str, float]) -> Metric:
    """A gauge of assessment jobs with one more label, a sample per value."""
    family = GaugeMetricFamily(name, documentation, labels=["kind", label])
    for key, value in values.items():
        family.add_metric([KIND, key], value)
    return family


def job_gauges(leases: JobLeases) -> Callable[[], Iterator[Metric]]:
    def collect() -> Iterator[Metric]:
        summary = leases.summary(now_utc())
        yield _by(
            "gongjian_jobs",
            "Jobs by kind and status",
            "status",
            {status: summary.by_status.get(status, 0) for status in JOB_STATUSES},
        )
        yield _by(
            "gongjian_job_oldest_age_seconds",
            "Age of the oldest job in a status that is not final (0: none)",
            "status",
            {status: summary.oldest_seconds.get(status, 0.0) for status in UNFINISHED},
        )
        yield _by(
            "gongjian_job_leases",
            "Running jobs whose worker's lease is alive, or has run out (worker lost)",
            "state",
            {"live": summary.live_leases, "expired": summary.expired_leases},
        )

    return collect
