"""Who sends the documents: the issuing office and its leading group, the document-number
prefix, the county leaders in rank order, the chair and place of each meeting level.

Read once from defaults, then a YAML file (``GONGJIAN_DOCUMENTS_CONFIG``), then
``GONGJIAN_DOCUMENTS_*`` variables, each overriding the last (keys in docs/documents.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

ENV_PREFIX = "GONGJIAN_DOCUMENTS_"
CADENCES = ("weekly", "monthly", "quarterly")

DEFAULT_RANKS = (
    "县委书记",
    "县长",
    "县人大常委会主任",
    "县政协主席",
    "县委副书记",
    "常务副县长",
    "县委常委",
    "副县长",
    "县人大常委会副主任",
    "县政协副主席",
)
"""Titles from the highest rank down; a leader with none of them comes after all ranked ones."""


@dataclass(frozen=True)
class Leader:
    """A county leader as configured: the name used in project registrations, the title."""

    name: str
    title: str


@dataclass(frozen=True)
class Fonts:
    """Font names for .docx and HTML; ``*_fallback`` is what a reader without them gets."""

    title: str = "方正小标宋简体"
    title_fallback: str = "宋体"
    body: str = "仿宋_GB2312"
    body_fallback: str = "仿宋"
    heading: str = "黑体"
    subheading: str = "楷体_GB2312"
    subheading_fallback: str = "楷体"


@dataclass(frozen=True)
class OfficeConfig:
    county: str = "本县"
    leading_group: str = "县重点项目建设攻坚行动领导小组"
    issuing_office: str = "县重点项目建设攻坚行动领导小组办公室"
    number_prefix: str = "攻坚办"
    addressees: tuple[str, ...] = ("各镇人民政府", "县直各有关单位", "各重点项目业主单位")
    copy_to: tuple[str, ...] = ("县委办公室", "县人大常委会办公室", "县政府办公室", "县政协办公室")
    meeting_place: str = "县政府第一会议室"
    chairs: Mapping[str, str] = field(
        default_factory=lambda: {
            "weekly": "常务副县长",
            "monthly": "县长",
            "quarterly": "县委书记（领导小组组长）",
        }
    )
    ranks: tuple[str, ...] = DEFAULT_RANKS
    leaders: tuple[Leader, ...] = ()
    fonts: Fonts = field(default_factory=Fonts)

    def of_county(self, name: str) -> OfficeConfig:
        """The same office of another county of the deployment, named for it: its leading
        group and issuing office (``乙县重点项目建设攻坚行动领导小组办公室``) sign its
        documents; the rest (prefix, addressees, chairs, fonts) as configured."""

        def named(text: str) -> str:
            return name + text[1:] if text.startswith("县") else f"{name}{text}"

        return replace(
            self,
            county=name,
            leading_group=named(self.leading_group),
            issuing_office=named(self.issuing_office),
        )

    def chair_for(self, cadence: str, default: str) -> str:
        """Who chairs a meeting of this level; ``default`` (the plan's) when not configured."""
        return self.chairs.get(cadence) or default

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> OfficeConfig:
        env = os.environ if env is None else env
        raw: dict[str, Any] = {}
        path = env.get(ENV_PREFIX + "CONFIG")
        if path:
            raw = _read_yaml(Path(path))
        for key in _TEXT_KEYS + _LIST_KEYS:
            value = env.get(ENV_PREFIX + key.upper())
            if value:
                raw[key] = value
        for cadence in CADENCES:
            value = env.get(f"{ENV_PREFIX}CHAIR_{cadence.upper()}")
            if value:
                raw.setdefault("chairs", {})[cadence] = value
        return cls.from_mapping(raw)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> OfficeConfig:
        unknown = set(raw) - set(_TEXT_KEYS) - set(_LIST_KEYS) - {"chairs", "leaders", "fonts"}
        if unknown:
            raise ValueError(f"公文配置有误：未知的键 {'、'.join(sorted(unknown))}")
        config = cls()
        texts: dict[str, Any] = {k: str(raw[k]).strip() for k in _TEXT_KEYS if raw.get(k)}
        lists: dict[str, Any] = {k: _names(raw[k]) for k in _LIST_KEYS if raw.get(k)}
        chairs = {**config.chairs, **_chairs(raw.get("chairs") or {})}
        leaders = tuple(_leader(entry) for entry in raw.get("leaders") or ())
        fonts = replace(config.fonts, **{k: str(v) for k, v in (raw.get("fonts") or {}).items()})
        return replace(config, **texts, **lists, chairs=chairs, leaders=leaders, fonts=fonts)


_TEXT_KEYS = ("county", "leading_group", "issuing_office", "number_prefix", "meeting_place")
_LIST_KEYS = ("addressees", "copy_to", "ranks")


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}：顶层应为映射（键: 值）")
    return data


def _names(value: Any) -> tuple[str, ...]:
    """A YAML list, or one line separated by 、 ， or commas (as in an environment variable)."""
    items: Iterable[Any] = value if isinstance(value, list | tuple) else re.split(r"[、，,]", value)
    return tuple(str(item).strip() for item in items if str(item).strip())


def _chairs(value: Mapping[str, Any]) -> dict[str, str]:
    unknown = set(value) - set(CADENCES)
    if unknown:
        raise ValueError(f"公文配置有误：chairs 中有未知的层级 {sorted(unknown)}")
    return {cadence: str(chair).strip() for cadence, chair in value.items()}


def _leader(entry: Any) -> Leader:
    if not isinstance(entry, Mapping) or not entry.get("name") or not entry.get("title"):
        raise ValueError(f"公文配置有误：领导须有 name 与 title：{entry!r}")
    return Leader(str(entry["name"]).strip(), str(entry["title"]).strip())
