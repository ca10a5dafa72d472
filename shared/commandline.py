"""The shared vocabulary on the command line: ``--as-of`` and ``--known-at`` read by the
same fields as the API (`shared.http.params`), so a date means the same everywhere; and
click's own words in Chinese (`speak_chinese`, `refusal`)."""

from __future__ import annotations

import inspect
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import click
from marshmallow import ValidationError, fields

from .auth import Principal
from .http.params import AsOf, KnownAt
from .i18n import labels


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
EXTRAS = {"default": "默认", "required": "必填", "env var": "环境变量", "(dynamic)": "运行时决定"}
"""The words click puts in brackets after an option's help (``[default: 1; required]``)."""
HELP_OPTION = "显示此帮助并退出。"
TYPE_NAMES = {
    "text": "文本",
    "integer": "整数",
    "integer range": "整数",
    "float": "数字",
    "float range": "数字",
    "boolean": "是或否",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "datetime": "日期时间",
    "date": "日期",
    "instant": "时刻",
}
"""What an option's value is, in place of click's metavariable (``TEXT``, ``INTEGER RANGE``):
click's types and the project's own (`FieldParam`)."""


ARGUMENT_NAMES = {
    "action_id": "督办事项编号",
    "action_ids": "督办事项编号",
    "assessment_id": "考核编号",
    "cadence": "调度频次",
    "channel_id": "通道编号",
    "code": "节点代码",
    "escalation_id": "提请事项编号",
    "file": "文件",
    "fmt": "格式",
    "kind": "表格种类",
    "out": "输出文件",
    "path": "文件",
    "project_id": "项目编号",
    "quarter": "季度",
    "record_file": "记录文件",
    "role": "角色",
    "round_id": "督查轮次编号",
    "stage": "阶段",
    "state": "状态",
    "status": "状态",
    "step": "步骤",
    "username": "账号",
    "year": "年度",
}
"""What a command's argument is, in place of its name in capitals (``PROJECT_ID``) or its
codes (``{planning|reserve|…}``) in the usage line and the refusals; and what the code an
option takes is (``--cadence 调度频次``, `Codes`): by the parameter's name."""


class Codes(click.Choice[str]):
    """One of the codes of ``kind`` in the label catalogue (`shared.i18n.labels`), or of
    the labels given where they live elsewhere: each shown with its label beside it
    (``weekly（周调度）``) in the help and in a refusal, and given as the code or, where
    it names one code only, as its label (``月调度``)."""

    def __init__(self, kind: str | Mapping[str, str], codes: Iterable[str] | None = None) -> None:
        self.kind = kind
        self.labels = labels(kind) if isinstance(kind, str) else dict(kind)
        chosen = tuple(self.labels if codes is None else codes)
        unlabelled = [code for code in chosen if code not in self.labels]
        if unlabelled:
            raise ValueError(f"{kind}: no label for {', '.join(unlabelled)}")
        super().__init__(chosen)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value not in self.choices:
            named = [code for code in self.choices if self.labels[code] == value.strip()]
            if len(named) == 1:
                return named[0]
        return super().convert(value, param, ctx)

    def labelled(self) -> str:
        """``weekly（周调度）、monthly（月调度）、quarterly（季度调度）``."""
        return "、".join(f"{code}（{self.labels[code]}）" for code in self.choices)


def choices_text(kind: click.Choice[Any]) -> str:
    """What may be chosen: each code with its label (`Codes`), else click's words."""
    if isinstance(kind, Codes):
        return kind.labelled()
    return "、".join(map(str, kind.choices))


def argument_metavar(argument: click.Argument) -> str | None:
    """``argument``'s Chinese name as the usage line writes it: in brackets when it may be
    left out, ``...`` after it when it takes several values (None: click's own)."""
    named = ARGUMENT_NAMES.get(argument.name or "")
    if named is None:
        return None
    if not argument.required:
        named = f"[{named}]"
    return f"{named}..." if argument.nargs != 1 else named


def type_name(kind: click.ParamType) -> str | None:
    """The Chinese name of a value of ``kind`` (None: click's own metavariable says it, as
    the choices of a `click.Choice` do)."""
    if isinstance(kind, click.DateTime) and not any("%H" in f for f in kind.formats):
        return "日期"
    return TYPE_NAMES.get(kind.name)


_NUMBER = r"-?[\d.]+(?:e[-+]?\d+)?"
_BOUNDS = re.compile(
    rf"^(?:(?P<low>{_NUMBER})(?P<low_op><=?)x(?P<high_op><=?)(?P<high>{_NUMBER})"
    rf"|x(?P<op>[<>]=?)(?P<end>{_NUMBER}))$"
)
_ONE_SIDE = {">=": "大于等于", ">": "大于", "<=": "小于等于", "<": "小于"}
"""The words of `shared.i18n.validation` for a bound (``须大于等于 0``)."""


def range_text(described: str) -> str | None:
    """click's range (``2000<=x<=2100``, ``x>=0``) as a person writes it (``2000–2100``,
    ``大于等于 0``); None: not a range."""
    bounds = _BOUNDS.match(described)
    if bounds is None:
        return None
    if bounds["op"]:
        return f"{_ONE_SIDE[bounds['op']]} {bounds['end']}"
    if bounds["low_op"] == bounds["high_op"] == "<=":
        return f"{bounds['low']}–{bounds['high']}"
    low = _ONE_SIDE[bounds["low_op"].replace("<", ">")]
    return f"{low} {bounds['low']}、{_ONE_SIDE[bounds['high_op']]} {bounds['high']}"


class ChineseHelp(click.HelpFormatter):
    """A help page with click's words in Chinese: the usage line, the headings, the
    bracketed extras beside an option; its columns measured and its text wrapped on the
    screen (`wrap_on_screen`)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """``用法：`` and the command, then its arguments wrapped on the screen at spaces
        only (an argument's Chinese name is not broken), under the first one."""
        lead = f"{'用法：' if prefix is None else prefix}{prog}"
        if not args:
            self.write(f"{lead}\n")
            return
        indent = " " * (screen_width(lead) + 1)
        if self.width - len(indent) < 20:  # no room beside the command: the next lines
            lead, indent = f"{lead}\n    ", "    "
        else:
            lead = f"{lead} "
        lines: list[str] = []
        for word in args.split():
            if lines and screen_width(f"{indent}{lines[-1]} {word}") <= self.width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        self.write(lead + f"\n{indent}".join(lines) + "\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        """A paragraph of help, wrapped on the screen (`wrap_on_screen`)."""
        indent = " " * self.current_indent
        self.write(f"{wrap_on_screen(_closed_up(text), self.width, indent)}\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list, its columns measured on the screen: ``--year 整数`` is
        two columns wider than its length, which is all click counts."""
        rows = [(term, _closed_up(_extras(text))) for term, text in rows]
        first_col = (
            min(max((screen_width(term) for term, _ in rows), default=0), col_max) + col_spacing
        )
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(f"{indent}{term}")
            if not text:
                self.write("\n")
                continue
            if screen_width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - screen_width(term)))
            else:
                self.write(f"\n{indent}{' ' * first_col}")
            wrapped = wrap_on_screen(text, max(self.width - first_col - self.current_indent, 10))
            lines = wrapped.splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{indent}{' ' * first_col}{line}\n")


def screen_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


_WIDE = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_BETWEEN_WIDE = re.compile(f"(?<=[{_WIDE}])[^\\S\\n]*\\n?[^\\S\\n]*(?=[{_WIDE}])")
_OPENING, _CLOSING = "（「『【《“‘〔", "，。；：、！？）」』】》”’〕"
_UNITS = re.compile(f"\\s+|[{_OPENING}]*(?:[{_WIDE}]|[^\\s{_WIDE}]+)[{_CLOSING}]*")
"""What a line may not be broken inside: a Latin word, or one Chinese character, each
with the punctuation that may not start a line (``，``) or end one (``（``) held to it."""


def wrap_on_screen(text: str, width: int, indent: str = "") -> str:
    """``text`` in lines of at most ``width`` columns on the screen (`screen_width`), each after
    ``indent``, its paragraphs (split by a blank line) kept apart. Chinese has no spaces:
    a line may break between two Chinese characters, a Latin word only at a space. (click's
    ``wrap_text`` breaks only at spaces and counts characters: a line of Chinese ran on
    past the terminal's edge.)"""
    room = max(width - screen_width(indent), 10)
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(
        "\n".join(f"{indent}{line}" for line in _lines(paragraph, room)) for paragraph in paragraphs
    )


def _lines(paragraph: str, room: int) -> list[str]:
    lines: list[str] = []
    line, spaced = "", False
    for unit in _UNITS.findall(paragraph):
        if unit.isspace():
            spaced = bool(line)
            continue
        joined = f"{line}{' ' if spaced else ''}{unit}"
        if line and screen_width(joined) > room:
            lines.append(line)
            joined = unit
        line, spaced = joined, False
    return [*lines, line]


def _closed_up(text: str) -> str:
    """Chinese has no spaces between words: a docstring's line break inside a Chinese
    sentence is not one (click would join the lines with a space); a blank line still
    ends a paragraph."""
    return _BETWEEN_WIDE.sub("", text)


def _extras(text: str) -> str:
    """``… [default: 1; 1<=x<=100; required]`` → ``… [默认：1；范围：1–100；必填]``."""
    if text.startswith("[") and text.endswith("]"):
        text = f"  {text}"
    body, opening, extras = text.rpartition("  [")
    if not opening or not extras.endswith("]"):
        return text.strip()
    said = []
    for item in extras[:-1].split("; "):
        bounds = range_text(item)
        if bounds is not None:
            said.append(f"范围：{bounds}")
            continue
        word, colon, value = item.partition(": ")
        word = EXTRAS.get(word, word)
        if value in EXTRAS:
            value = EXTRAS[value]
        elif value.startswith("(") and value.endswith(")"):  # a default given as text
            value = value[1:-1]
        said.append(f"{word}：{value}" if colon else word)
    return f"{body}  [{'；'.join(said)}]" if body else f"[{'；'.join(said)}]"


class ChineseContext(click.Context):
    formatter_class = ChineseHelp


def speak_chinese(command: click.Command) -> None:
    """Give ``command`` and every command under it click's words in Chinese on their help
    pages (`ChineseHelp`), ``[选项]`` and ``命令 [参数]...`` in the usage line, the help
    option's text, the options' metavariables (`type_name`: ``--year 整数``) and the
    arguments' (`argument_metavar`: ``项目编号``), the codes to choose from with their
    labels (`Codes`); `refusal` says click's refusals."""
    command.context_class = ChineseContext
    command.options_metavar = "[选项]"
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            param.metavar = type_name(param.type)
            if isinstance(param.type, click.Choice):
                _name_choices(command, param, param.type)
        elif isinstance(param, click.Argument) and param.metavar is None:
            param.metavar = argument_metavar(param)
            if isinstance(param.type, click.Choice):
                _name_choices(command, param, param.type)
    help_option = command.get_help_option(ChineseContext(command))
    if help_option is not None:
        help_option.help = HELP_OPTION
    if isinstance(command, click.Group):
        command.subcommand_metavar = "命令 [参数]..."
        for sub in command.commands.values():
            speak_chinese(sub)


def _name_choices(command: click.Command, param: click.Parameter, kind: click.Choice[Any]) -> None:
    """An option's codes to choose, with their labels, after its help; an argument's in a
    paragraph of the command's help (click shows no help for an argument)."""
    choices = choices_text(kind)
    if isinstance(param, click.Option):
        param.metavar = ARGUMENT_NAMES.get(param.name or "")
        param.help = f"{param.help or ''} 可选：{choices}。".lstrip()
        default = param.default
        if param.show_default is True and isinstance(kind, Codes) and default in kind.labels:
            # click writes a text given as the default in brackets; `_extras` takes them off
            param.show_default = f"{default}（{kind.labels[default]}）"
        return
    named = ARGUMENT_NAMES.get(param.name or "", param.name or "")
    command.help = f"{inspect.cleandoc(command.help or '')}\n\n{named}可选：{choices}。"


def refusal(exc: click.ClickException) -> str:
    """What a person reads when the command line refuses: the usage and where to find help
    for a usage error, then ``错误：`` and the reason, click's own reasons in Chinese; a
    group given no command, its help page."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        return exc.ctx.get_help()
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
    if isinstance(exc, click.BadParameter):
        given = _GIVEN.match(exc.message)
        value = f" {given.group(1)} " if given else ""
        expected = _expected(param.type, exc.message) if param is not None else exc.message
        return f"{hint or _param_hint(exc)} 的值{value}无效：{expected}".lstrip()
    if isinstance(exc, click.UsageError):
        return _usage_reason(exc.message)
    return exc.format_message()


_GIVEN = re.compile(r"^(.+?) (?:is not|does not match)\b")
"""The value a person gave, at the start of click's own reason (``'boss' is not one of …``)."""


def _param_hint(exc: click.BadParameter) -> str:
    """Where a command's own `click.BadParameter` points (``param_hint="--on"``)."""
    hint = exc.param_hint
    if isinstance(hint, str) or hint is None:
        return hint or ""
    return " / ".join(f"'{name}'" for name in hint)


_USAGE = [
    (re.compile(r"^Got unexpected extra arguments? \((?P<args>.*)\)$"), "多余的参数：{args}"),
    (re.compile(r"^Option (?P<name>'.+') requires an argument\.$"), "选项 {name} 需要一个值"),
    (
        re.compile(r"^Option (?P<name>'.+') requires (?P<n>\d+) arguments\.$"),
        "选项 {name} 需要 {n} 个值",
    ),
    (re.compile(r"^Option (?P<name>'.+') does not take a value\.$"), "选项 {name} 不接受值"),
    (re.compile(r"^Missing command\.$"), "缺少命令"),
]
"""click's usage errors that have no class of their own, by their words."""


def _usage_reason(message: str) -> str:
    for words, said in _USAGE:
        found = words.match(message)
        if found:
            return said.format(**found.groupdict())
    return message


def _maybe(possibilities: Any) -> str:
    return f"（是否想用：{'、'.join(possibilities)}）" if possibilities else ""


def _expected(kind: click.ParamType, message: str) -> str:
    """What a value of ``kind`` must be, for click's own types; else the type's message
    (the project's own types say it in Chinese)."""
    if isinstance(kind, click.Choice):
        return f"须为以下之一：{choices_text(kind)}"
    if isinstance(kind, click.IntRange | click.FloatRange):
        return f"须为{type_name(kind)}，范围：{range_text(kind._describe_range())}"
    if isinstance(kind, click.types.IntParamType):
        return "须为整数"
    if isinstance(kind, click.types.FloatParamType):
        return "须为数字"
    if isinstance(kind, click.types.BoolParamType):
        return "须为是或否（true/false、yes/no、1/0）"
    if isinstance(kind, click.DateTime):
        return f"须为{type_name(kind)}（{'、'.join(map(_format_text, kind.formats))}）"
    if isinstance(kind, click.Path):
        return _path_reason(message)
    return message


def _format_text(strftime: str) -> str:
    """``%Y-%m-%d`` → ``YYYY-MM-DD``."""
    for code, said in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%H", "HH"), ("%M", "MM")):
        strftime = strftime.replace(code, said)
    return strftime.replace("%S", "SS")


_PATH = re.compile(
    r"^\w+ (?P<path>'.*') (?P<why>does not exist|is a directory|is a file|is not \w+)\.$"
)
_PATH_WHY = {
    "does not exist": "不存在",
    "is a directory": "是目录，不是文件",
    "is a file": "是文件，不是目录",
    "is not readable": "无权读取",
    "is not writable": "无权写入",
    "is not executable": "无权执行",
}


def _path_reason(message: str) -> str:
    """click's reason a path is refused (``File 'x' does not exist.``), in Chinese."""
    found = _PATH.match(message)
    why = _PATH_WHY.get(found["why"]) if found else None
    return f"{found['path']} {why}" if found and why else "路径无效（不存在、类型不对或无权读写）"
