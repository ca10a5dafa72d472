"""Scoring's gauges in every scrape: assessment jobs by state, the oldest unfinished
job's age, leases alive and run out, and takeovers (jobs whose worker was lost)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from shared.eventstore import now_utc

from ..readmodel.leases import JobLeases
from ..readmodel.records import JOB_STATUSES

KIND = "assessment"


def job_gauges(leases: JobLeases) -> Callable[[], Iterator[Metric]]:
    def collect() -> Iterator[Metric]:
        summary = leases.summary(now_utc())
        by_state = GaugeMetricFamily(
            "gongjian_jobs", "Jobs by kind and status", labels=["kind", "status"]
        )
        for status in JOB_STATUSES:
            by_state.add_metric([KIND, status], summary.by_status.get(status, 0))
        yield by_state
        age = GaugeMetricFamily(
            "gongjian_job_oldest_age_seconds",
            "Age of the oldest job in a status that is not final (0: none)",
            labels=["kind", "status"],
        )
        for status in ("queued", "retrying", "running"):
            age.add_metric([KIND, status], summary.oldest_seconds.get(status, 0.0))
        yield age
        leased = GaugeMetricFamily(
            "gongjian_job_leases",
            "Running jobs whose worker's lease is alive, or has run out (worker lost)",
            labels=["kind", "state"],
        )
        leased.add_metric([KIND, "live"], summary.live_leases)
        leased.add_metric([KIND, "expired"], summary.expired_leases)
        yield leased
        takeovers = CounterMetricFamily(
            "gongjian_job_lease_expiries",
            "Jobs taken up again because their worker's lease ran out",
            labels=["kind"],
        )
        takeovers.add_metric([KIND], summary.takeovers)
        yield takeovers

    return collect
