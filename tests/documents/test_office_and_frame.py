"""The office's configuration, leaders by rank, titles on lines, structure numbering."""

from __future__ import annotations

import pytest

from shared.documents import LeaderRanks, OfficeConfig, chinese_number
from shared.documents.layout import title_lines


def test_the_office_is_read_from_the_yaml_file_then_the_environment(tmp_path):
    path = tmp_path / "office.yaml"
    path.write_text(
        "issuing_office: 桐木县攻坚办\n"
        "number_prefix: 桐攻坚办\n"
        "chairs: {weekly: 李红梅（常务副县长）, quarterly: 陈明（县委书记）}\n"
        "leaders:\n  - {name: 老周, title: 县长}\n",
        encoding="utf-8",
    )
    office = OfficeConfig.load(
        {
            "GONGJIAN_DOCUMENTS_CONFIG": str(path),
            "GONGJIAN_DOCUMENTS_NUMBER_PREFIX": "桐办",
            "GONGJIAN_DOCUMENTS_CHAIR_MONTHLY": "王建国（县长）",
            "GONGJIAN_DOCUMENTS_ADDRESSEES": "各镇人民政府、县直各单位",
        }
    )
    assert (office.issuing_office, office.number_prefix) == ("桐木县攻坚办", "桐办")
    assert office.chair_for("weekly", "x") == "李红梅（常务副县长）"
    assert office.chair_for("monthly", "x") == "王建国（县长）"
    assert office.addressees == ("各镇人民政府", "县直各单位")
    assert office.leaders[0].title == "县长"


def test_an_unconfigured_level_keeps_the_chair_the_plan_recorded():
    office = OfficeConfig.from_mapping({"chairs": {"weekly": "甲"}})
    assert office.chair_for("weekly", "领导小组组长") == "甲"
    assert OfficeConfig().chair_for("weekly", "领导小组组长") == "常务副县长"


@pytest.mark.parametrize(
    "raw", [{"office": "x"}, {"chairs": {"daily": "x"}}, {"leaders": [{"name": "只有名字"}]}]
)
def test_a_bad_configuration_names_what_is_wrong(raw):
    with pytest.raises(ValueError, match="公文配置有误"):
        OfficeConfig.from_mapping(raw)


def test_leaders_are_ordered_by_rank_not_by_character_order():
    names = [
        "张志强(副县长)",
        "刘德华（副县长）",
        "王建国(县长)",
        "李红梅(常务副县长)",
        "陈明(县委书记)",
        "某某",
    ]
    assert sorted(names)[0] == "刘德华（副县长）"  # what character order would say
    assert LeaderRanks(OfficeConfig()).ordered(names) == [
        "陈明(县委书记)",
        "王建国(县长)",
        "李红梅(常务副县长)",
        "张志强(副县长)",
        "刘德华（副县长）",
        "某某",
    ]


def test_a_title_in_the_name_counts_when_it_is_not_in_brackets():
    ranks = LeaderRanks(OfficeConfig())
    assert ranks.ordered(["张副县长", "王县长", "李常务副县长"]) == [
        "王县长",
        "李常务副县长",
        "张副县长",
    ]


def test_a_long_title_breaks_into_balanced_lines_never_inside_a_number():
    lines = title_lines("关于召开2026年第10周重点项目调度会议的通知")
    assert "".join(lines) == "关于召开2026年第10周重点项目调度会议的通知" and len(lines) == 2
    assert not any(
        a[-1].isdigit() and b[0].isdigit() for a, b in zip(lines, lines[1:], strict=False)
    )
    assert title_lines("短标题") == ["短标题"]


def test_structure_numbers_are_chinese():
    assert [chinese_number(n) for n in (1, 10, 12, 20, 21)] == [
        "一",
        "十",
        "十二",
        "二十",
        "二十一",
    ]
