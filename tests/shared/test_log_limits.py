"""Recurring warnings pass once a minute; the next one says how many were held back."""

from __future__ import annotations

import logging

from shared.logging import OncePerInterval


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(name: str, message: str = "broker unreachable: %s") -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, ("x",), None)


def test_a_recurring_message_passes_once_a_minute_and_counts_what_it_held_back():
    clock = Clock()
    limit = OncePerInterval(60.0, clock)
    passed = []
    for second in range(0, 130, 5):
        clock.now = second
        entry = record("gongjian.broker")
        if limit.filter(entry):
            passed.append((second, entry.repeats_held_back))
    assert passed == [(0, 0), (60, 11), (120, 11)]


def test_other_messages_and_loggers_are_not_held_back_by_one_another():
    limit = OncePerInterval(60.0, Clock())
    assert limit.filter(record("gongjian.broker"))
    assert limit.filter(record("gongjian.database"))
    assert limit.filter(record("gongjian.broker", "another message"))
    assert not limit.filter(record("gongjian.broker"))


def test_on_a_handler_every_queue_of_dramatiqs_consumers_shares_one_line_a_minute():
    limit = OncePerInterval(60.0, Clock(), prefixes=("dramatiq.worker.ConsumerThread",))
    queues = ("scoring", "scoring.DQ", "registry", "scheduling")
    passed = [limit.filter(record(f"dramatiq.worker.ConsumerThread({q})")) for q in queues]
    assert passed == [True, False, False, False]
    assert limit.filter(record("gongjian.http"))  # not limited at all
    assert limit.filter(record("gongjian.http"))
