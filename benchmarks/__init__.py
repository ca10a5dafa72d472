"""Benchmarks (`make bench`): scripts that print figures, not tests.

Each ``bench_<area>.py`` module has ``main(argv: list[str]) -> None`` and can run alone
(``python -m benchmarks.bench_eventstore``). ``python -m benchmarks [area …]`` runs them
all, or the named ones. Database URLs come from ``GONGJIAN_BENCH_POSTGRES_URL`` (a server;
a throw-away database is created) and a temporary SQLite file.
"""
