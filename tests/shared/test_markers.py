"""Tests are marked by the services they need, so a run can select or leave them out."""

from __future__ import annotations


def test_only_the_postgres_variant_of_a_test_on_both_backends_is_marked_postgres(
    request, database_url
):
    marked = request.node.get_closest_marker("postgres") is not None
    assert marked == database_url.startswith("postgresql")


def test_a_test_that_takes_redis_is_marked_redis(request, redis_url):
    assert request.node.get_closest_marker("redis") is not None
