"""Every ``gongjian … --help`` page reads in Chinese: the project's own help texts, option
help and prompts, and click's own words (usage line, headings, the help option, the
bracketed extras, its refusals). Machine names stay as they are: option flags, command
names, environment variables, metavariables, event types, paths and choices."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from services.cli import main
from services.console import cli as console_cli
from shared.commandline import Codes, refusal, screen_width, speak_chinese, wrap_on_screen
from shared.i18n import labels

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


CLICKS_WORDS = re.compile(
    r"\b(?:TEXT|INTEGER|FLOAT|RANGE|BOOLEAN|DATETIME|UUID|DATE|INSTANT|DIRECTORY"
    r"|Usage|Options|Commands|Arguments|Positional|default|required|env var|dynamic|deprecated"
    r"|Show this|Error|Invalid|Missing|Got|unexpected|extra|Try|Did you|Choose|not a valid"
    r"|not one of|does not|requires|exist|readable|writable|Aborted|Repeat|Press any|range)\b"
    r"|\bx[<>]=?|[<>]=?x\b|%[YmdHMS]"
)
"""What click itself writes in English: its metavariables, headings, extras, refusals
(``FILE`` and ``PATH`` are also the names of the project's arguments: see
`test_every_option_names_its_value_in_chinese`)."""
CODES = [
    re.compile(pattern)
    for pattern in (
        r"`[^`]*`",  # code
        r"[\[{][^\]}]*\|[^\]}]*[\]}]",  # choices: [weekly|monthly], {ledger|monthly-report}
        r"\S*/\S*",  # paths, URLs, routes
        r"(?<![\w-])--?[A-Za-z][\w-]*",  # option flags
        r"\b\w+(?:-\w+)+\b",  # command names and codes: replica-status, monthly-report
    )
]


def clicks_words(page: str, path: tuple[str, ...], command: click.Command) -> list[str]:
    """click's own English on a page, besides the command's path, its subcommands' and
    arguments' names, code, choices, paths and option flags."""
    page = page.replace(" ".join(("gongjian", *path)), " ")
    for name in getattr(command, "commands", {}):
        page = re.sub(rf"(?m)^  {re.escape(name)}(?=\s)", " ", page)
    for param in command.params:
        if isinstance(param, click.Argument):
            page = page.replace(param.make_metavar(click.Context(command)), " ")
    for pattern in CODES:
        page = pattern.sub(" ", page)
    return CLICKS_WORDS.findall(page)


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


def test_every_option_says_what_it_is():
    """An option shown with its name and type alone (``--raised-by 文本  [必填]``) leaves
    the office guessing what to give."""
    silent = [
        f"{' '.join(path)} {param.opts[0]}"
        for path, command in ALL
        for param in command.params
        if isinstance(param, click.Option) and param.name != "help" and not param.help
    ]
    assert silent == []


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
    assert clicks_words(page.output, path, command) == [], page.output


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "gongjian")
def test_every_option_names_its_value_in_chinese(path):
    command = dict(ALL)[path]
    ctx = click.Context(command)
    named = {
        param.name: param.make_metavar(ctx)
        for param in command.params
        if isinstance(param, click.Option) and not param.is_flag
    }
    assert {name: said for name, said in named.items() if not CJK.search(said)} == {}


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "gongjian")
def test_every_argument_is_named_in_chinese(path):
    """In the usage line and the refusals, an argument is what it is (``项目编号``, ``阶段``),
    not its name in capitals (``PROJECT_ID``) or its codes (``{planning|reserve|…}``)."""
    command = dict(ALL)[path]
    ctx = click.Context(command)
    named = {
        param.name: param.make_metavar(ctx)
        for param in command.params
        if isinstance(param, click.Argument)
    }
    assert {name: said for name, said in named.items() if not CJK.search(said)} == {}


def test_an_arguments_name_keeps_its_brackets_and_dots_and_is_what_a_refusal_names():
    runner = CliRunner()
    usage = runner.invoke(main, ["assessment", "verify", "--help"], prog_name="gongjian").output
    assert "用法：gongjian assessment verify [选项] [考核编号]" in usage
    letter = runner.invoke(main, ["scheduling", "action-letter", "--help"], prog_name="gongjian")
    assert "[选项] 督办事项编号..." in letter.output
    missing = runner.invoke(main, ["pool", "stage"], prog_name="gongjian")
    assert missing.exit_code == 2 and "错误：缺少参数 '项目编号'" in missing.output
    quarter = runner.invoke(main, ["visits", "quarter", "2026Q9"], prog_name="gongjian")
    assert "错误：'季度' 的值无效：季度写作 2026-Q4" in quarter.output


def test_the_bracketed_extras_are_chinese():
    page = CliRunner().invoke(main, ["db", "partitions", "--help"], prog_name="gongjian").output
    assert "[默认：1；范围：1–100]" in page
    plan = CliRunner().invoke(main, ["scheduling", "plan", "--help"], prog_name="gongjian")
    assert "[必填]" in plan.output and "required" not in plan.output


def test_an_options_value_is_named_in_chinese_with_its_range():
    page = CliRunner().invoke(main, ["campaign", "define", "--help"], prog_name="gongjian").output
    assert re.search(r"--year 整数\s+攻坚年度，例如 2026。\s+\[范围：2000–2100；必填\]", page)
    run_on = re.sub(r"\s+", "", page)  # wrapped by the screen's width, anywhere in Chinese
    assert re.search(r"--breakthrough整数目标：[^\[]+\[默认：18；范围：大于等于0\]", run_on)
    assert re.search(r"--starts-on 日期\s+第一天，YYYY-MM-DD", page)
    assert re.search(r"--name 文本\s", page)
    held = CliRunner().invoke(
        main, ["scheduling", "set-piece-held", "--help"], prog_name="gongjian"
    )
    assert "--held-on 日期" in held.output
    verify = CliRunner().invoke(main, ["verify", "--help"], prog_name="gongjian").output
    assert (
        "--file 文件" in verify
        and "--max-age 数字"
        in CliRunner().invoke(main, ["worker-health", "--help"], prog_name="gongjian").output
    )


def test_the_columns_line_up_on_the_screen_with_chinese_in_them():
    page = CliRunner().invoke(main, ["verify", "--help"], prog_name="gongjian").output
    rows = [re.match(r"  --\S+(?: \S+)?\s{2,}", line) for line in page.splitlines()]
    starts = {screen_width(row.group()) for row in rows if row}
    assert len([row for row in rows if row]) == 4 and len(starts) == 1, page


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["scheduling", "plan", "--period", "2024-03"], "错误：缺少选项 '--cadence'"),
        (
            ["scheduling", "plan", "--cadence", "daily", "--period", "2024-03"],
            "错误：'--cadence' 的值 'daily' 无效：须为以下之一："
            "weekly（周调度）、monthly（月调度）、quarterly（季度调度）",
        ),
        (["demo", "--projects", "0"], "错误：'--projects' 的值 0 无效：须为整数，范围：1–10000"),
        (["demo", "--year", "abc"], "错误：'--year' 的值 'abc' 无效：须为整数，范围：2000–2100"),
        (["serve", "--port", "x"], "错误：'--port' 的值 'x' 无效：须为整数"),
        (["worker-health", "--max-age", "x"], "错误：'--max-age' 的值 'x' 无效：须为数字"),
        (
            ["scheduling", "set-piece-held", "--held-on", "2024-13-01", "X"],
            "错误：'--held-on' 的值 '2024-13-01' 无效：须为日期（YYYY-MM-DD）",
        ),
        (["import", "ledger", "/no/such.xlsx"], "错误：'文件' 的值无效：'/no/such.xlsx' 不存在"),
        (["import", "ledger", "/"], "错误：'文件' 的值无效：'/' 是目录，不是文件"),
        (["scheduling", "action-letter"], "错误：缺少参数 '督办事项编号...'"),
        (
            ["pool", "stage", "P1", "started"],
            "错误：'阶段' 的值 'started' 无效：须为以下之一：planning（谋划）、reserve（储备）、"
            "negotiating（在谈）、signed（签约）、preliminary（前期）",
        ),
        (
            ["user", "create", "bob", "--role", "boss"],
            "错误：'--role' 的值 'boss' 无效：须为以下之一：office（领导小组办公室）、"
            "auditor（审计人员）、admin（系统管理员）、viewer（查阅人员）、"
            "approver（审定人员（镇党委、政府））",
        ),
        (["serve", "--bogus"], "错误：没有选项 --bogus"),
        (["serve", "stray", "words"], "错误：多余的参数：stray words"),
        (["no-such-command"], "错误：没有命令 no-such-command"),
    ],
)
def test_a_usage_error_is_said_in_chinese_with_where_to_find_help(args, said):
    refused = CliRunner().invoke(main, args, prog_name="gongjian", standalone_mode=True)
    assert refused.exit_code == 2
    assert said in refused.output
    assert "请运行 gongjian" in refused.output and "--help 查看帮助。" in refused.output
    assert refused.output.startswith("用法：gongjian")
    path = command_path(args)
    assert english_on_page(refused.output.replace(said, ""), path, main) == [], refused.output
    assert clicks_words(refused.output, path, main) == [], refused.output


CHOICES = [
    (path, param)
    for path, command in ALL
    for param in command.params
    if isinstance(param.type, click.Choice)
]


def test_the_walk_reaches_every_choice():
    assert len(CHOICES) >= 13
    assert all(isinstance(param.type, Codes) for _, param in CHOICES), [
        (path, param.name) for path, param in CHOICES if not isinstance(param.type, Codes)
    ]


@pytest.mark.parametrize(
    ("path", "param"), CHOICES, ids=[f"{' '.join(p)} {q.name}" for p, q in CHOICES]
)
def test_a_help_page_shows_each_code_to_choose_with_its_chinese_label(path, param):
    page = CliRunner().invoke(main, [*path, "--help"], prog_name="gongjian").output
    run_on = re.sub(r"\s+", "", page)
    shown = [f"{code}（{param.type.labels[code]}）" for code in param.type.choices]
    assert [said for said in shown if said.replace(" ", "") not in run_on] == [], page
    assert not re.search(r"[\[{][^\]}\s]*\|", page), page  # click's [weekly|monthly]


def test_a_code_shown_as_the_default_has_its_label_too():
    @click.command()
    @click.option("--stage", default="planning", show_default=True, type=Codes("project_stage"))
    @click.option("--count", default=3, show_default="三个")
    def sample(stage: str, count: int) -> None:
        """样例。"""

    speak_chinese(sample)
    page = re.sub(r"\s+", "", CliRunner().invoke(sample, ["--help"]).output)
    assert "[默认：planning（谋划）]" in page, page
    assert "[默认：三个]" in page, page  # a text given as the default, without click's ( )
    real = re.sub(r"\s+", "", CliRunner().invoke(main, ["pool", "enter", "--help"]).output)
    assert "[默认：planning（谋划）]" in real, real


def test_a_code_is_also_accepted_by_its_chinese_label_where_it_names_one_code():
    @click.command()
    @click.option("--cadence", type=Codes("cadence"), required=True)
    @click.argument("stage", type=Codes("project_stage", ("planning", "reserve")))
    def sample(cadence: str, stage: str) -> None:
        """样例。"""
        click.echo(f"{cadence} {stage}")

    speak_chinese(sample)
    said = CliRunner().invoke(sample, ["--cadence", "月调度", "储备"])
    assert said.exit_code == 0 and said.output == "monthly reserve\n", said.output
    assert CliRunner().invoke(sample, ["--cadence", "weekly", "planning"]).exit_code == 0
    refused = CliRunner().invoke(sample, ["--cadence", "monthly", "开工"], standalone_mode=False)
    assert isinstance(refused.exception, click.BadParameter)
    assert refusal(refused.exception).splitlines()[-1] == (
        "错误：'阶段' 的值 '开工' 无效：须为以下之一：planning（谋划）、reserve（储备）"
    )
    page = CliRunner().invoke(sample, ["--help"]).output
    assert "用法：sample [选项] 阶段" in page and "--cadence 调度频次" in page
    assert "样例。\n\n  阶段可选：planning（谋划）、reserve（储备）。\n" in page, page


def test_the_labels_of_a_choice_are_the_catalogues():
    assert Codes("cadence").labels == labels("cadence")
    assert Codes("role", ("admin",)).labelled() == "admin（系统管理员）"


def test_a_choice_without_a_label_is_a_programming_error():
    with pytest.raises(ValueError, match="daily"):
        Codes("cadence", ("weekly", "daily"))


def command_path(args: list[str]) -> tuple[str, ...]:
    """The commands at the start of ``args`` (the rest are options and arguments)."""
    names = {path for path, _ in ALL}
    return max((tuple(args[:n]) for n in range(len(args) + 1) if tuple(args[:n]) in names), key=len)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["serve", "--port"], "错误：选项 '--port' 需要一个值"),
        (["serve", "--no-migrate=yes"], "错误：选项 '--no-migrate' 不接受值"),
    ],
)
def test_an_option_given_wrongly_is_refused_in_chinese(args, said):
    refused = CliRunner().invoke(main, args, prog_name="gongjian")
    assert refused.exit_code == 2
    assert said in refused.output and clicks_words(refused.output, (), main) == []


def test_a_group_given_no_command_shows_its_help_and_nothing_else():
    shown = CliRunner().invoke(main, ["scheduling"], prog_name="gongjian")
    assert shown.exit_code == 2
    assert shown.output.startswith("用法：gongjian scheduling [选项] 命令 [参数]...")
    assert "错误" not in shown.output and "命令：" in shown.output


def test_a_commands_own_bad_parameter_is_said_in_chinese():
    refused = click.BadParameter("日期应为 YYYY-MM-DD：昨天", param_hint="--on")
    assert refusal(refused) == "错误：--on 的值无效：日期应为 YYYY-MM-DD：昨天"


@pytest.mark.parametrize("interrupt", [EOFError, KeyboardInterrupt], ids=["eof", "ctrl-c"])
def test_an_abort_is_said_in_chinese(interrupt, monkeypatch, tmp_path):
    """A prompt answered with end of input or Ctrl-C: click would say ``Aborted!``."""
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def interrupted(*_args: object, **_kwargs: object) -> str:
        raise interrupt

    monkeypatch.setattr(click.termui, "visible_prompt_func", interrupted)
    monkeypatch.setattr(click.termui, "hidden_prompt_func", interrupted)
    monkeypatch.setattr(console_cli, "at_a_terminal", lambda: True)
    aborted = CliRunner().invoke(main, ["user", "create", "bob", "--role", "office"])
    assert aborted.exit_code == 1
    assert aborted.output.strip().endswith("已中止。")
    assert clicks_words(aborted.output, (), main) == [], aborted.output


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


def test_clicks_own_words_are_found_where_click_left_them():
    @click.command()
    @click.option("--year", type=click.IntRange(2000, 2100), required=True)
    def plain(year: int) -> None:
        """样例。"""

    page = CliRunner().invoke(plain, ["--help"], prog_name="gongjian").output
    found = set(clicks_words(page, (), plain))
    assert {"Usage", "Options", "INTEGER", "RANGE", "required", "Show this"} <= found, page
    refused = CliRunner().invoke(plain, ["--year", "1999", "extra"], prog_name="gongjian")
    assert {"Error", "Invalid"} <= set(clicks_words(refused.output, (), plain)), refused.output


LONG_HELP = (
    "把审批系统推送的签名批次逐项写入事件日志：每一项答复已接受、重复（附其存储位置）或被拒绝"
    "（附字段和原因）；同一事件标识再次送来只答复重复，不再写入，"
    "签名方法见 docs/integration.md，验证整条链用 `gongjian verify`。"
)


@click.command(help=LONG_HELP)
@click.option("--source", help=LONG_HELP)
def long_winded(source):  # type: ignore[no-untyped-def]
    """A command whose help and option help are long Chinese lines."""


speak_chinese(long_winded)


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_long_chinese_help_wraps_within_the_terminals_width_on_the_screen(columns):
    page = CliRunner().invoke(long_winded, ["--help"], terminal_width=columns).output
    widths = [screen_width(line) for line in page.splitlines()]

    assert max(widths) <= columns, page
    assert max(widths) > columns - 6, page  # the lines are filled, not wrapped short
    assert english_in(page) == []
    assert "docs/integration.md" in page  # a word kept whole


def test_a_wrapped_line_starts_with_no_closing_mark_and_ends_with_no_opening_one():
    lines = wrap_on_screen(LONG_HELP * 3, 37).splitlines()

    assert all(screen_width(line) <= 37 for line in lines)
    assert not [line for line in lines if line[0] in "，。；：、）" or line[-1] in "（"]
    assert "".join(lines).replace(" ", "") == (LONG_HELP * 3).replace(" ", "")


@pytest.mark.parametrize("path", [path for path, _ in ALL], ids=" ".join)
def test_every_help_page_fits_an_80_column_terminal(path):
    page = CliRunner().invoke(main, [*path, "--help"], terminal_width=80).output

    wide = [line for line in page.splitlines() if screen_width(line) > 80]
    # Only an option and its value alone on a line (--stage [planning|reserve|…]): no
    # place to break them.
    assert [line for line in wide if not re.fullmatch(r"\s+--\S+ \S+", line)] == [], page
