"""What people read: the one label catalogue (``labels.zh.yaml``) and the formats of
numbers and dates (万元, 亿元, ``2026年3月2日（星期一）``, the campaign's time zone).

``label(kind, code)`` gives the Chinese label of a code; the JSON API keeps the code and
adds ``<field>_label`` beside it. Plain Python (PyYAML, Babel): domain code may use it.
"""

from .formats import (
    DEFAULT_ZONE,
    date_text,
    decimal1,
    instant_text,
    instant_text_of,
    month_range,
    month_text,
    percent,
    period_text,
    points_text,
    short_date,
    wan,
    wan_number,
    yi,
)
from .labels import UnknownLabelKind, catalogue, has_label, label, labels, yes_no

__all__ = [
    # labels
    "label",
    "labels",
    "has_label",
    "yes_no",
    "catalogue",
    "UnknownLabelKind",
    # formats
    "wan",
    "wan_number",
    "yi",
    "decimal1",
    "percent",
    "points_text",
    "date_text",
    "short_date",
    "month_text",
    "month_range",
    "period_text",
    "instant_text",
    "instant_text_of",
    "DEFAULT_ZONE",
]
