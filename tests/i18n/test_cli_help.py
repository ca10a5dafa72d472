"""Every ``gongjian … --help`` page reads in Chinese: the project's own help texts, option
help and prompts, and click's own words (usage line, headings, the help option, the
bracketed extras, its refusals). Machine names stay as they are: option flags, command
names, environment variables, metavariables, event types, paths and choices."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from services.cli import main
from shared.commandline import speak_chinese

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}")
"""Two English words in a row: a sentence (a lone word is a name)."""

MACHINE_NAMES = [
    re.compile(pattern)
    for pattern in (
        r"`[^`]*`",  # code
        r"\[[^\]]*\|[^\]]*\]",  # choices: [weekly|monthly|quarterly]
        r"\S*/\S*",  # paths, URLs, routes: docs/operations.md, POST /v1/ingest
        r"(?<![\w-])--?[A-Za-z][\w-]*",  # option flags
        r"\b\w+(?:-\w+)+\b",  # command names and codes: replica-status, demo-simulated
        r"\b[A-Z][A-Z0-9_]+\b",  # environment variables and metavariables: GONGJIAN_HOST, TEXT
        r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b",  # event types: ApprovalGranted, PostgreSQL
    )
]


def prose(text: str) -> str:
    """The text without its machine names."""
    for pattern in MACHINE_NAMES:
        text = pattern.sub(" ", text)
    return text


def commands(
    command: click.Command = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))


def own_texts(command: click.Command) -> Iterator[str]:
    """The project's own words on a command's help page: its help, its options' help and
    its prompts."""
    yield command.help or ""
    for param in command.params:
        yield getattr(param, "help", None) or ""
        prompt = getattr(param, "prompt", None)
        yield prompt if isinstance(prompt, str) else ""


def english_in(text: str) -> list[str]:
    return ENGLISH.findall(prose(text))


def english_on_page(page: str, path: tuple[str, ...], command: click.Command) -> list[str]:
    """English on a help page, besides the command's path and its subcommands' names."""
    page = page.replace(" ".join(("gongjian", *path)), " ")
    for name in getattr(command, "commands", {}):
        page = re.sub(rf"(?m)^  {re.escape(name)}(?=\s)", " ", page)
    return english_in(page)


ALL = list(commands())


def test_the_walk_reaches_every_command():
    names = {" ".join(path) for path, _ in ALL}
    assert {"", "verify", "scheduling plan", "user create", "assessment verify"} <= names
    assert len(ALL) > 80


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "gongjian")
def test_every_help_page_is_chinese(path):
    command = dict(ALL)[path]
    page = CliRunner().invoke(main, [*path, "--help"], prog_name="gongjian")

    assert page.exit_code == 0, page.output
    assert page.output.startswith(f"用法：{' '.join(('gongjian', *path))} [选项]")
    assert "选项：" in page.output
    assert re.search(r"--help\s+显示此帮助并退出。", page.output)
    if isinstance(command, click.Group):
        assert "命令：" in page.output
    assert CJK.search(command.help or ""), f"{' '.join(path)}: no Chinese help"
    assert [english_in(text) for text in own_texts(command) if english_in(text)] == []
    assert english_on_page(page.output, path, command) == [], page.output


def test_the_bracketed_extras_are_chinese():
    page = CliRunner().invoke(main, ["db", "partitions", "--help"], prog_name="gongjian").output
    assert "[默认：1；1<=x<=100]" in page
    plan = CliRunner().invoke(main, ["scheduling", "plan", "--help"], prog_name="gongjian")
    assert "[必填]" in plan.output and "required" not in plan.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["scheduling", "plan", "--period", "2024-03"], "错误：缺少选项 '--cadence'"),
        (
            ["scheduling", "plan", "--cadence", "daily", "--period", "2024-03"],
            "错误：'--cadence' 的值 'daily' 无效：须为以下之一：weekly、monthly、quarterly",
        ),
        (["demo", "--projects", "0"], "错误：'--projects' 的值 0 无效：须在 1<=x<=10000 之内"),
        (["serve", "--bogus"], "错误：没有选项 --bogus"),
        (["no-such-command"], "错误：没有命令 no-such-command"),
    ],
)
def test_a_usage_error_is_said_in_chinese_with_where_to_find_help(args, said):
    refused = CliRunner().invoke(main, args, prog_name="gongjian", standalone_mode=True)
    assert refused.exit_code == 2
    assert said in refused.output
    assert "请运行 gongjian" in refused.output and "--help 查看帮助。" in refused.output
    assert refused.output.startswith("用法：gongjian")
    path = tuple(itertools.takewhile(lambda arg: not arg.startswith("-"), args))
    assert english_on_page(refused.output.replace(said, ""), path, main) == [], refused.output


def test_the_walk_finds_english_where_a_person_reads_it():
    @click.group()
    def sample() -> None:
        """样例。"""

    @sample.command("greet")
    @click.option("--name", help="Who to greet, e.g. `--name 张三`.")
    @click.option("--times", help="重复次数（GONGJIAN_TIMES）。", show_default=True, default=1)
    def greet(name: str, times: int) -> None:
        """向某人问好。"""

    speak_chinese(sample)
    found = {
        path: [english_in(t) for t in own_texts(c) if english_in(t)] for path, c in commands(sample)
    }
    assert found == {(): [], ("greet",): [["Who to"]]}
    page = CliRunner().invoke(sample, ["greet", "--help"], prog_name="gongjian").output
    assert english_on_page(page, ("greet",), greet) == ["Who to"] and "[默认：1]" in page
