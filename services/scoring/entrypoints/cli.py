"""`gongjian` subcommands of the scoring service: ``assess`` and ``rulebook``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from shared.documents import OfficeConfig
from shared.eventstore import now_utc

from ..application import assessments, rulebooks
from ..domain.rulebook import RulebookInvalid
from ..readmodel.records import Records
from . import reports


def _date_or_instant(value: str | None) -> date | datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("must be YYYY-MM-DD or an ISO instant") from None
    if instant.tzinfo is None:
        raise click.BadParameter("an instant needs a time zone offset (or Z)")
    return instant


@click.command()
@click.option("--year", required=True, type=click.IntRange(2000, 2100))
@click.option(
    "--as-of", "as_of", help="Business-time cut-off: YYYY-MM-DD or instant (default: 31 Dec)."
)
@click.option(
    "--known-at", "known_at", help="Record-time cut-off: YYYY-MM-DD or instant (default: now)."
)
@click.option(
    "--rulebook-version", default=None, help="An adopted rulebook (default: the one in force)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the assessment bulletin (考核通报); .docx, .html, .xlsx, .md or .csv by the suffix.",
)
@click.pass_obj
def assess(
    obj: Any,
    year: int,
    as_of: str | None,
    known_at: str | None,
    rulebook_version: str | None,
    out: Path | None,
) -> None:
    """Run the year-end assessment (年终考核) here, with a progress bar, and export it."""
    fmt = out.suffix.lower().lstrip(".") if out else None
    if fmt is not None and fmt not in reports.FORMATS:
        raise click.BadParameter(
            f"the suffix must be one of {', '.join(reports.FORMATS)}", param_hint="--out"
        )
    runtime = obj.runtime()
    request = assessments.AssessmentRequest.of(
        year,
        as_of=_date_or_instant(as_of),
        known_at=_date_or_instant(known_at),
        rulebook_version=rulebook_version,
        zone=runtime.settings.zone,
    )
    if request.known_at > now_utc():
        raise click.BadParameter("must not be in the future", param_hint="--known-at")
    records = Records(runtime.engine)
    job, _ = assessments.submit(records, request, requested_by="cli")
    with tqdm(total=0, unit="event", desc=f"assess {year}", disable=None) as bar:

        def progress(replayed: int, total: int) -> None:
            bar.total = total
            bar.update(replayed - bar.n)

        try:
            job = assessments.run(
                runtime.store, records, job["job_id"], runtime.settings.zone, progress=progress
            )
        except rulebooks.UnknownRulebook as exc:
            raise click.ClickException(str(exc)) from exc
    assert job is not None
    record = records.assessment(job["assessment_id"])
    assert record is not None
    campaign = record["result"]["campaign"]
    click.echo(f"assessment {record['assessment_id']}  digest {record['digest']}")
    click.echo(
        f"  {campaign['projects']} projects; grades "
        + ", ".join(f"{g} {n}" for g, n in campaign["grade_counts"].items())
    )
    if out is not None and fmt is not None:
        rendered = reports.render(record, fmt, OfficeConfig.load(), runtime.settings.zone)
        body = rendered.body
        if isinstance(body, bytes):
            out.write_bytes(body)
        else:
            out.write_text(body, encoding="utf-8")
        click.echo(f"  report written to {out}")


@click.group()
def assessment() -> None:
    """Stored assessments."""


@assessment.command("verify")
@click.argument("assessment_id")
@click.pass_obj
def assessment_verify(obj: Any, assessment_id: str) -> None:
    """Re-run a stored assessment from the log and compare digests; exit 1 if they differ."""
    runtime = obj.runtime()
    try:
        stored, again = assessments.reproduce(
            runtime.store, Records(runtime.engine), assessment_id, runtime.settings.zone
        )
    except (LookupError, rulebooks.UnknownRulebook) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"stored     {stored['digest']}")
    click.echo(f"recomputed {again['digest']}")
    differing = [
        part
        for part in ("rulebook_hash", "chain_head_hash", "result_hash", "digest")
        if stored[part] != again[part]
    ]
    for part in differing:
        click.echo(f"  {part} differs: stored {stored[part]}, recomputed {again[part]}")
    if differing:
        raise SystemExit(1)
    click.echo("the assessment reproduces")


@click.group()
def rulebook() -> None:
    """Assessment rulebooks."""


@rulebook.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rulebook_check(path: Path) -> None:
    """Validate a rulebook file (YAML or JSON) and print its version and hash."""
    try:
        parsed = rulebooks.parse_rulebook(rulebooks.read_document(path))
    except RulebookInvalid as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    click.echo(f"{parsed.version} {parsed.hash}")


@rulebook.command("adopt")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def rulebook_adopt(obj: Any, path: Path) -> None:
    """Adopt a rulebook file: later assessments use it."""
    try:
        parsed, position, created = rulebooks.adopt(
            obj.runtime().store, rulebooks.read_document(path), actor="cli"
        )
    except (RulebookInvalid, rulebooks.RulebookConflict) as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    state = "adopted" if created else "already adopted"
    click.echo(f"{parsed.version} {state} at position {position} ({parsed.hash})")


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    return [assess, assessment, rulebook]
