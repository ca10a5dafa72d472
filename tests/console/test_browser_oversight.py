"""督查 in a real browser: the office records an inspection round through the form, sees
its findings with their actions' states, closes a problem and numbers the 通报; then puts
a problem to the leading group."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from services.console.gateway import services as console_services

from .conftest import PageWait
from .test_browser import Console

pytestmark = pytest.mark.browser


@pytest.fixture
def console(browser, site):  # type: ignore[no-untyped-def]
    browser.set_window_size(1366, 900)
    return Console(browser, site.base)


def _fill(console: Console, form: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = console.driver.find_element(By.CSS_SELECTOR, f"{form} [name={name}]")
        if field.get_attribute("type") == "date":
            console.driver.execute_script("arguments[0].value = arguments[1]", field, value)
        elif field.tag_name == "select":
            field.find_element(By.CSS_SELECTOR, f"option[value={value}]").click()
        else:
            field.send_keys(value)


def test_the_office_records_a_round_and_escalates_a_problem_in_the_browser(console, site):
    console.sign_in("office")
    console.open("/oversight")
    _fill(
        console,
        "#inspection-form",
        {
            "kind": "special_supervision",
            "title": "浏览器专项督查",
            "started_on": "2025-06-16",
            "ended_on": "2025-06-18",
            "leader": "周组长",
            "members": "县委督查室吴某、县财政局郑某",
            "units": "县工信局、城关镇",
            "commendations": "县工信局｜企业服务专员制度落实",
            "problems": "城关镇｜项目用地清表缓慢｜城关镇｜2025-07-15",
        },
    )
    console.submit("#inspection-form")
    PageWait(console.driver, 20).until(lambda d: d.current_url.endswith("#inspections"))
    (found,) = [
        r
        for r in console_services(site.runtime).scheduling.inspections(campaign=2025)
        if r["title"] == "浏览器专项督查"
    ]
    round_css = f"#round-{found['round_id']}"
    console.wait_for(round_css)
    text = console.text(round_css)
    assert "专项督查" in text and "企业服务专员制度落实" in text and "未办结问题 1 项" in text
    assert "未编号" in text
    console.shot("oversight")
    problem = console.driver.find_element(By.CSS_SELECTOR, f"#finding-{found['round_id']}-2")
    problem.find_element(By.NAME, "note").send_keys("清表完成")
    problem.find_element(By.CSS_SELECTOR, "button").click()
    PageWait(console.driver, 20).until(
        lambda d: "未办结问题 0 项" in d.find_element(By.CSS_SELECTOR, round_css).text
    )
    assert "已办结" in console.text(f"#finding-{found['round_id']}-2")
    console.driver.find_element(By.CSS_SELECTOR, f"{round_css} form button").click()
    PageWait(console.driver, 20).until(
        lambda d: "号" in d.find_element(By.CSS_SELECTOR, f"{round_css} strong").text
    )
    _fill(
        console,
        "#escalation-form",
        {
            "unit": "城关镇",
            "matter": "浏览器提请：拆迁补偿标准需县级统一",
            "raised_by": "城关镇",
            "raised_on": "2025-06-20",
        },
    )
    console.submit("#escalation-form")
    PageWait(console.driver, 20).until(lambda d: d.current_url.endswith("#escalations"))
    assert "浏览器提请：拆迁补偿标准需县级统一" in console.text("#escalations")
    assert "待领导小组研究" in console.text("#escalations")
    console.shot("oversight-escalations")
    assert console.errors() == []
