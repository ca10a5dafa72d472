"""What a person reads is Chinese: every message the code writes for people — CLI output
and refusals, flashed messages, problem details, validation and configuration errors — has
Chinese in it. Scanned in the source (services/ and shared/): the text of every raised
error and of every call that writes to a person. Machine codes and the English reason
phrase given as a problem's ``title`` (titled in Chinese by `shared.http.problems`) are
not text for people; the few errors below are for programmers (a broken invariant, never
shown), and the event store's own are its owner's (shared/eventstore), except what an
auditor reads from a verification (`AUDITED`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}")
"""Words of English: two in a row (a lone code such as ``missing`` is a machine's)."""

TO_PEOPLE = {
    "echo",
    "secho",
    "prompt",
    "ClickException",
    "BadParameter",
    "UsageError",
    "flash",
    "Problem",
    "abort",
    "ValidationError",
    "fail",
    "broken",
    "broken_at",
}
"""Calls whose text a person reads wherever they are (raised or not): the last three
give a failed verification its reason (an auditor reads it)."""

AUDITED = (
    "shared/eventstore/audit.py",
    "shared/eventstore/export_check.py",
    "shared/eventstore/signed.py",
    "shared/eventstore/verify.py",
)
"""The event store's files whose messages an auditor reads (verification, signatures);
the store's other errors are its owner's."""

FOR_PROGRAMMERS = {
    ("services/scoring/domain/replay.py", "a replay is scored under one rulebook"),
    ("services/scoring/entrypoints/actors.py", "job {} was taken over by another worker"),
    ("services/scoring/readmodel/records.py", "assessment {} re-ran to a different digest"),
    ("shared/commandline.py", "{}: no label for {}"),  # a choice coded without a label
    ("shared/db.py", "the server closed this pooled connection"),
    ("shared/db.py", "a rested pooled connection did not answer"),
    ("shared/db.py", "naive datetimes are not stored"),
    ("shared/documents/compose.py", "a draft needs the instant its content was made"),
    ("shared/documents/numerals.py", "no Chinese numeral here for {}"),
    ("shared/documents/register.py", "document {} was issued but cannot be read back"),
    ("shared/history.py", "correction {}: occurred_at has no UTC offset"),
    ("shared/history.py", "event {} is not recorded yet"),
    ("shared/http/inputs.py", "{} is not JSON"),  # caught: the 400 says it in Chinese
    ("shared/http/problems.py", "{} is already mapped to {}"),
    ("shared/runtime.py", "{} is not wired into this runtime"),
}
"""(file, the start of the message) of errors that are never shown to a person."""


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp):
        parts = [_text(node.left), _text(node.right)]
        return "".join(p for p in parts if p) or None
    return None


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _messages(call: ast.Call) -> Iterator[ast.AST]:
    """The arguments of a call that carry text: a `Problem`'s title is its status's reason
    phrase (skipped); keywords named like a message."""
    skip = 1 if _name(call) == "Problem" else 0
    yield from call.args[1 + skip :] if skip else call.args
    yield from (k.value for k in call.keywords if k.arg in ("detail", "message", "text"))


def _english_messages(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    raised = {id(n.exc) for n in ast.walk(tree) if isinstance(n, ast.Raise) and n.exc}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if id(node) not in raised and _name(node) not in TO_PEOPLE:
            continue
        for argument in _messages(node):
            text = _text(argument)
            if text and ENGLISH.search(text.replace("{}", "")) and not CJK.search(text):
                yield node.lineno, text


def _sources() -> Iterator[Path]:
    for top in ("services", "shared"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            if relative.startswith("shared/eventstore/") and relative not in AUDITED:
                continue
            yield path


def test_every_message_for_a_person_is_chinese():
    found = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        for line, text in _english_messages(path):
            if not any(relative == f and text.startswith(s) for f, s in FOR_PROGRAMMERS):
                found.append(f"{relative}:{line}: {text!r}")
    assert found == [], "English that a person reads:\n" + "\n".join(found)


def test_the_scan_finds_english_where_a_person_reads_it(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import click\n"
        "def f(name):\n"
        "    click.echo(f'user {name} created')\n"
        "    click.echo(f'已创建账号 {name}')\n"
        "    raise ValueError('give exactly one of these')\n"
        "def g():\n"
        "    raise Problem(404, 'Not Found', '没有这个计划')\n",
        "utf-8",
    )
    assert [line for line, _ in _english_messages(sample)] == [3, 5]
