"""Numbers and dates as the office writes them; stored values are never rounded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared import i18n


def test_money_is_shown_in_wan_yuan_with_two_decimals_and_thousands_separators() -> None:
    assert i18n.wan(Decimal("65490900.00")) == "6,549.09万元"
    assert i18n.wan("58941818.25") == "5,894.18万元"
    assert i18n.wan_number(Decimal("123456789012.00")) == "12,345,678.90"
    assert i18n.wan(0) == "0万元"


def test_money_rounds_half_up_only_in_the_text() -> None:
    amount = Decimal("50.00")  # 0.005万元
    assert i18n.wan(amount) == "0.01万元"
    assert amount == Decimal("50.00")


def test_campaign_totals_are_shown_in_yi_yuan() -> None:
    assert i18n.yi(Decimal("4500000000")) == "45.00亿元"
    assert i18n.yi("1234567890.00") == "12.35亿元"


def test_percentages_have_one_decimal() -> None:
    assert i18n.percent(Decimal("83.25")) == "83.3%"
    assert i18n.percent(100) == "100.0%"
    assert i18n.points_text(Decimal("37.50")) == "37.5"
    assert i18n.points_text(Decimal("40.00")) == "40"


def test_dates_are_written_with_the_weekday() -> None:
    assert i18n.date_text(date(2026, 3, 2)) == "2026年3月2日（星期一）"
    assert i18n.month_text("2026-03") == "2026年3月"


def test_month_ranges_use_the_long_dash() -> None:
    assert i18n.month_range(1, 10) == "1—10月"
    assert i18n.month_range(3, 3) == "3月"


def test_instants_are_shown_in_the_campaign_time_zone_never_utc() -> None:
    at = datetime(2026, 12, 2, 22, 4, 34, tzinfo=UTC)
    assert i18n.instant_text(at) == "2026年12月3日（星期四）06:04"
    assert i18n.instant_text_of("2026-12-02T22:04:34Z") == "2026年12月3日（星期四）06:04"
    assert i18n.instant_text(at, "Europe/Berlin") == "2026年12月2日（星期三）23:04"


def test_dispatch_periods_are_named_as_people_name_them() -> None:
    assert i18n.period_text("2026-W10") == "2026年第10周"
    assert i18n.period_text("2026-03") == "2026年3月"
    assert i18n.period_text("2026-Q4") == "2026年第四季度"


@pytest.mark.parametrize("places", [0, 1, 2])
def test_figures_are_written_as_babel_writes_them_in_the_locale(places):
    """`_fixed` formats without Babel on each call (a year-end assessment writes some 10⁵
    figures); what it writes is Babel's ``#,##0.00`` in zh_CN, negatives and zero too."""
    from decimal import ROUND_HALF_UP
    from random import Random

    from babel.numbers import format_decimal

    from shared.i18n.formats import LOCALE, _fixed

    rng = Random(places)
    values = [
        Decimal(rng.randint(-(10**12), 10**12)).scaleb(-rng.randint(0, 6)) for _ in range(2000)
    ]
    for value in [*values, Decimal("0"), Decimal("-0.001"), Decimal("0.005"), Decimal("999.995")]:
        quantized = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        pattern = "#,##0" + ("." + "0" * places if places else "")
        assert _fixed(value, places) == format_decimal(quantized, format=pattern, locale=LOCALE)
