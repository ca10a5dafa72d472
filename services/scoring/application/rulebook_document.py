"""The rulebook document's schema (marshmallow): what `parse_rulebook` accepts.

A refused document raises `RulebookInvalid` naming the dotted path of every bad field
(``lines.investment.points: ...``), each with why in Chinese; a valid one becomes the
domain's plain `Rulebook`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.fields import Whole

from ..domain.rulebook import (
    ACHIEVEMENTS,
    CATEGORIES,
    CRITICISM_CRITERIA,
    DEFAULT_REPORT_DUE_DAY,
    GRADES,
    INCIDENT_KINDS,
    INSPECTION_RESULTS,
    LINES,
    NOTICE_KINDS,
    RED_MONTHS,
    CategoryTarget,
    CriticismCriterion,
    GradeBand,
    Rulebook,
    RulebookInvalid,
    rulebook_hash,
)

__all__ = ["parse_rulebook"]

_MISSING = {"required": "缺少此项"}
_MAPPING = "须是映射（键: 值）"
_BANDS = "须是非空列表，每项为 {{grade, label, min}}"  # marshmallow formats it


class _Document(Schema):
    """A mapping of known fields: anything else is an ``unknown field``."""

    error_messages = {"type": _MAPPING, "unknown": "未知字段"}


class _Amount(fields.Field):
    """A decimal between ``low`` and ``high``, written as a quoted string (or a whole number)."""

    def __init__(self, low: str, high: str, **kwargs: Any) -> None:
        super().__init__(required=True, error_messages=_MISSING, **kwargs)
        self.low, self.high = Decimal(low), Decimal(high)
        self.bounds = f"须在 {low} 与 {high} 之间"

    def deserialize(self, value: Any, attr: Any = None, data: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return Decimal(0)  # a null counts as nothing, as it always has
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool | float):
            raise ValidationError('小数须写成带引号的字符串（"0.80"），不能写成浮点数')
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(f"不是小数：{value!r}") from None
        if not number.is_finite() or not self.low <= number <= self.high:
            raise ValidationError(self.bounds)
        return number


class _Choice(fields.Field):
    """One of ``options``."""

    def __init__(self, options: tuple[str, ...]) -> None:
        message = f"须是以下之一：{', '.join(options)}"
        super().__init__(required=True, error_messages={**_MISSING, "null": message})
        self.options, self.message = options, message

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if value not in self.options:
            raise ValidationError(self.message)
        return str(value)


class _Version(fields.Field):
    message = "须是 1 至 64 个字符的文本"

    def __init__(self) -> None:
        super().__init__(required=True, error_messages={**_MISSING, "null": self.message})

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or not 1 <= len(value) <= 64:
            raise ValidationError(self.message)
        return value


class _Count(fields.Field):
    message = "须是不小于 0 的整数"

    def __init__(self) -> None:
        super().__init__(error_messages={"null": self.message})

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(self.message)
        return value


class _Months(_Count):
    message = "须是不小于 1 的整数"

    def __init__(self) -> None:
        fields.Field.__init__(
            self, required=True, error_messages={**_MISSING, "null": self.message}
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        if number < 1:
            raise ValidationError(self.message)
        return number


class _Incidents(fields.Field):
    message = f"须是列表，每项为以下之一：{', '.join(INCIDENT_KINDS)}"

    def __init__(self) -> None:
        super().__init__(required=True, error_messages={**_MISSING, "null": self.message})

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or any(i not in INCIDENT_KINDS for i in value):
            raise ValidationError(self.message)
        return tuple(value)


def _section(schema: type[Schema] | Schema) -> fields.Nested:
    return fields.Nested(schema, required=True, error_messages={**_MISSING, "null": _MAPPING})


def _table(name: str, keys: tuple[str, ...], low: str, high: str) -> type[Schema]:
    """A schema of one decimal per key."""
    return _Document.from_dict({key: _Amount(low, high) for key in keys}, name=name)


_CategoryTarget = _table(
    "CategoryTarget", (*ACHIEVEMENTS, "per_approval", "approvals_max"), "0", "1"
)


class _TargetAttainment(_Document):
    points = _Amount("0", "1000")
    categories = _section(_Document.from_dict({c: _section(_CategoryTarget) for c in CATEGORIES}))
    approvals_before_campaign = fields.Boolean(load_default=False)


class _Investment(_Document):
    points = _Amount("0", "1000")
    basis = _Choice(("time_proportional", "annual"))
    report_due_day = Whole(load_default=DEFAULT_REPORT_DUE_DAY, validate=validate.Range(1, 28))


class _Milestones(_Document):
    points = _Amount("0", "1000")
    judge_against = _Choice(("original_due", "latest_due"))


class _Supervision(_Document):
    points = _Amount("0", "1000")
    inspection = _section(_table("Inspection", INSPECTION_RESULTS, "-1000", "1000"))
    notice = _section(_table("Notice", NOTICE_KINDS, "-1000", "1000"))


class _Lines(_Document):
    target_attainment = _section(_TargetAttainment)
    investment = _section(_Investment)
    milestones = _section(_Milestones)
    issues = _section(_table("Issues", ("points",), "0", "1000"))
    supervision = _section(_Supervision)


class _Vetoes(_Document):
    incidents = _Incidents()
    grade_cap = _Choice(GRADES)


class _Band(_Document):
    grade = _Choice(GRADES)
    label = fields.Raw(required=True, allow_none=True, error_messages=_MISSING)
    min = _Amount("0", "1000")


class _Criterion(_Document):
    line = _Choice((*LINES, "total"))
    below = _Amount("0", "1")


class _RedMonths(_Document):
    months = _Months()


_Criteria = _Document.from_dict(
    {
        **{code: fields.Nested(_Criterion, load_default=None) for code in CRITICISM_CRITERIA},
        RED_MONTHS: fields.Nested(_RedMonths, load_default=None),
    },
    name="_Criteria",
)


class _Rollup(_Document):
    weight = _Choice(("annual_plan", "equal"))
    advanced_share = _Amount("0", "1")
    criticism_share = _Amount("0", "1")
    advanced_count = _Count()
    criticism_criteria = fields.Nested(_Criteria, load_default=None)


class _Campaign(_Document):
    investment_target = _Amount("0", "1e15")
    projects = _section(_Document.from_dict({c: _Count() for c in CATEGORIES}))


class RulebookDocument(_Document):
    """The whole document; the checks across fields run once every field is valid."""

    version = _Version()
    title = fields.Raw(allow_none=True)
    total_points = _Amount("1", "1000")
    lines = _section(_Lines)
    vetoes = _section(_Vetoes)
    grades = fields.List(
        fields.Nested(_Band, error_messages={"null": _MAPPING}),
        required=True,
        validate=validate.Length(min=1, error=_BANDS),
        error_messages={**_MISSING, "null": _BANDS, "invalid": _BANDS},
    )
    rollup = _section(_Rollup)
    campaign = _section(_Campaign)

    @validates_schema
    def _points_add_up(self, data: dict[str, Any], **kwargs: Any) -> None:
        total = sum(line["points"] for line in data["lines"].values())
        if total != data["total_points"]:
            raise ValidationError(
                f"各项分值合计 {total}，与 total_points（{data['total_points']}）不符", "lines"
            )

    @validates_schema
    def _bands_descend(self, data: dict[str, Any], **kwargs: Any) -> None:
        bands = data["grades"]
        if [b["grade"] for b in bands] != list(GRADES):
            raise ValidationError(f"须是四个等级，由高到低：{', '.join(GRADES)}", "grades")
        if any(a["min"] <= b["min"] for a, b in zip(bands, bands[1:], strict=False)):
            raise ValidationError("每个等级的 min 须低于上一个等级的", "grades")
        if bands[-1]["min"] != 0:
            raise ValidationError("最后一个等级须从 0 分起", f"grades.{len(bands) - 1}.min")


def parse_rulebook(document: Any) -> Rulebook:
    """A `Rulebook`, or `RulebookInvalid` naming the path of every bad field."""
    if not isinstance(document, dict):
        raise RulebookInvalid({"(document)": _MAPPING})
    try:
        data = RulebookDocument().load(document)
    except ValidationError as exc:
        raise RulebookInvalid(_paths(exc.messages)) from None
    lines = data["lines"]
    supervision = lines["supervision"]
    return Rulebook(
        version=data["version"],
        title=str(data.get("title", "")),
        document=document,
        hash=rulebook_hash(document),
        points={name: lines[name]["points"] for name in LINES},
        targets={
            category: CategoryTarget(**fractions)
            for category, fractions in lines["target_attainment"]["categories"].items()
        },
        investment_basis=lines["investment"]["basis"],
        milestones_judged_against=lines["milestones"]["judge_against"],
        inspection_points=supervision["inspection"],
        notice_points=supervision["notice"],
        veto_incidents=data["vetoes"]["incidents"],
        veto_grade_cap=data["vetoes"]["grade_cap"],
        grades=tuple(GradeBand(b["grade"], str(b["label"]), b["min"]) for b in data["grades"]),
        rollup_weight=data["rollup"]["weight"],
        advanced_share=data["rollup"]["advanced_share"],
        criticism_share=data["rollup"]["criticism_share"],
        investment_target=data["campaign"]["investment_target"],
        project_targets=dict(data["campaign"]["projects"]),
        approvals_before_campaign=lines["target_attainment"]["approvals_before_campaign"],
        report_due_day=lines["investment"]["report_due_day"],
        criticism_criteria=_criteria(data["rollup"]["criticism_criteria"] or {}),
        red_months=_red_months(data["rollup"]["criticism_criteria"] or {}),
        advanced_count=data["rollup"].get("advanced_count"),
    )


def _criteria(named: dict[str, Any]) -> tuple[CriticismCriterion, ...]:
    return tuple(
        CriticismCriterion(code, rule["line"], rule["below"])
        for code, rule in named.items()
        if rule is not None and code != RED_MONTHS
    )


def _red_months(named: dict[str, Any]) -> int | None:
    rule = named.get(RED_MONTHS)
    return None if rule is None else int(rule["months"])


def _paths(messages: Any, path: str = "") -> dict[str, str]:
    """marshmallow's nested messages as {dotted path: the first message}; a mapping's own
    message (``_schema``) belongs to the mapping's path."""
    if isinstance(messages, dict):
        found: dict[str, str] = {}
        for key, inner in messages.items():
            where = path if key == "_schema" else f"{path}.{key}" if path else str(key)
            for sub, why in _paths(inner, where).items():
                found.setdefault(sub, why)
        return found
    if isinstance(messages, list) and messages:
        if isinstance(messages[0], str):
            return {path or "(document)": messages[0]}
        return _paths(messages[0], path)
    return {path or "(document)": str(messages)}
