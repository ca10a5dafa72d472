"""The command line reads ``--as-of`` and ``--known-at`` as the API does."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from click.testing import CliRunner

from shared.commandline import AS_OF, KNOWN_AT


@click.command()
@click.option("--as-of", type=AS_OF)
@click.option("--known-at", type=KNOWN_AT)
def show(as_of, known_at):  # type: ignore[no-untyped-def]
    click.echo(repr((as_of, known_at)))


def test_a_bare_date_known_at_on_the_command_line_is_the_end_of_that_day_in_shanghai(
    monkeypatch,
):
    monkeypatch.delenv("GONGJIAN_TIMEZONE", raising=False)
    result = CliRunner().invoke(show, ["--as-of", "2024-12-31", "--known-at", "2025-02-20"])
    assert result.exit_code == 0, result.output
    end_of_day = datetime(2025, 2, 20, 15, 59, 59, 999999, UTC)
    assert result.output.strip() == repr((date(2024, 12, 31), end_of_day))


def test_an_instant_without_an_offset_is_refused_naming_the_option():
    result = CliRunner().invoke(show, ["--known-at", "2025-02-20T10:00:00"])
    assert result.exit_code == 2
    assert "--known-at" in result.output and "时区偏移" in result.output
