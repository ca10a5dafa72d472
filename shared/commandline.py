"""The shared vocabulary on the command line: ``--as-of`` and ``--known-at`` read by the
same fields as the API (`shared.http.params`), so a date means the same everywhere; and
click's own words in Chinese (`speak_chinese`, `refusal`)."""

from __future__ import annotations

import os
import re
from typing import Any

import click
from marshmallow import ValidationError, fields

from .auth import Principal
from .http.params import AsOf, KnownAt


class FieldParam(click.ParamType):
    """A click parameter converted by one marshmallow field."""

    def __init__(self, field: fields.Field, name: str) -> None:
        self.field = field
        self.name = name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.field.deserialize(value)
        except ValidationError as exc:
            self.fail(" ".join(map(str, exc.messages)), param, ctx)


AS_OF = FieldParam(AsOf(), "date")
"""``YYYY-MM-DD``: a calendar date in the campaign's time zone."""

KNOWN_AT = FieldParam(KnownAt(), "instant")
"""An RFC 3339 instant with its offset, or ``YYYY-MM-DD`` (the end of that day)."""


def operator() -> Principal:
    """Who runs an administrative command here: the machine's user, as an administrator
    (recorded as the ``actor`` of the event the command writes)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container's uid without a passwd entry
        user = str(os.getuid())
    return Principal(name=f"cli:{user}", role="admin", source="cli")


# -- click's own words in Chinese ----------------------------------------------------

HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
"""click's section headings of a help page."""
EXTRAS = {"default": "默认", "required": "必填", "env var": "环境变量"}
"""The words click puts in brackets after an option's help (``[default: 1; required]``)."""
HELP_OPTION = "显示此帮助并退出。"


class ChineseHelp(click.HelpFormatter):
    """A help page with click's words in Chinese: the usage line, the headings, the
    bracketed extras beside an option."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        super().write_text(_closed_up(text))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, _closed_up(_extras(text))) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


_WIDE = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_BETWEEN_WIDE = re.compile(f"(?<=[{_WIDE}])\\s+(?=[{_WIDE}])")


def _closed_up(text: str) -> str:
    """Chinese has no spaces between words: a docstring's line break inside a Chinese
    sentence is not one (click would join the lines with a space)."""
    return _BETWEEN_WIDE.sub("", text)


def _extras(text: str) -> str:
    """``… [default: 1; required]`` → ``… [默认：1；必填]``."""
    if text.startswith("[") and text.endswith("]"):
        text = f"  {text}"
    body, opening, extras = text.rpartition("  [")
    if not opening or not extras.endswith("]"):
        return text.strip()
    said = []
    for item in extras[:-1].split("; "):
        word, colon, value = item.partition(": ")
        word = EXTRAS.get(word, word)
        said.append(f"{word}：{value}" if colon else word)
    return f"{body}  [{'；'.join(said)}]" if body else f"[{'；'.join(said)}]"


class ChineseContext(click.Context):
    formatter_class = ChineseHelp


def speak_chinese(command: click.Command) -> None:
    """Give ``command`` and every command under it click's words in Chinese on their help
    pages (`ChineseHelp`), ``[选项]`` and ``命令 [参数]...`` in the usage line and the help
    option's text; `refusal` says click's refusals."""
    command.context_class = ChineseContext
    command.options_metavar = "[选项]"
    help_option = command.get_help_option(ChineseContext(command))
    if help_option is not None:
        help_option.help = HELP_OPTION
    if isinstance(command, click.Group):
        command.subcommand_metavar = "命令 [参数]..."
        for sub in command.commands.values():
            speak_chinese(sub)


def refusal(exc: click.ClickException) -> str:
    """What a person reads when the command line refuses: the usage and where to find help
    for a usage error, then ``错误：`` and the reason, click's own reasons in Chinese."""
    ctx = getattr(exc, "ctx", None)
    lead = ""
    if isinstance(exc, click.UsageError) and ctx is not None:
        lead = f"{ctx.get_usage()}\n请运行 {ctx.command_path} --help 查看帮助。\n"
    return f"{lead}错误：{_reason(exc)}"


def _reason(exc: click.ClickException) -> str:
    param = getattr(exc, "param", None)
    ctx = getattr(exc, "ctx", None)
    hint = param.get_error_hint(ctx) if param is not None and ctx is not None else ""
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return f"没有命令 {exc.command_name}{_maybe(exc.possibilities)}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}{_maybe(exc.possibilities)}"
    if isinstance(exc, click.MissingParameter):
        kind = "参数" if isinstance(param, click.Argument) else "选项"
        return f"缺少{kind} {hint}".rstrip()
    if isinstance(exc, click.BadParameter) and param is not None:
        given = _GIVEN.match(exc.message)
        value = f" {given.group(1)} " if given else ""
        return f"{hint} 的值{value}无效：{_expected(param.type, exc.message)}"
    return exc.format_message()


_GIVEN = re.compile(r"^(.+?) is not\b")
"""The value a person gave, at the start of click's own reason (``'boss' is not one of …``)."""


def _maybe(possibilities: Any) -> str:
    return f"（是否想用：{'、'.join(possibilities)}）" if possibilities else ""


def _expected(kind: click.ParamType, message: str) -> str:
    """What a value of ``kind`` must be, for click's own types; else the type's message
    (the project's own types say it in Chinese)."""
    if isinstance(kind, click.Choice):
        return f"须为以下之一：{'、'.join(map(str, kind.choices))}"
    if isinstance(kind, click.IntRange | click.FloatRange):
        return f"须在 {kind._describe_range()} 之内"
    if isinstance(kind, click.types.IntParamType):
        return "须为整数"
    if isinstance(kind, click.types.FloatParamType):
        return "须为数字"
    if isinstance(kind, click.Path):
        return "路径无效（不存在、类型不对或无权读取）"
    return message
