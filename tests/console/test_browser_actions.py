"""督办 in a real browser: the office signs for an action, starts it, records the unit's
反馈 and accepts it in 复核, each from the row on the 督办 page; the red light shows."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from services.console.gateway import services as console_services

from .conftest import SCREENSHOTS, PageWait
from .test_action_pages import _action
from .test_browser import Console

pytestmark = pytest.mark.browser


@pytest.fixture
def console(browser, site):  # type: ignore[no-untyped-def]
    browser.set_window_size(1366, 768)
    yield Console(browser, site.base)
    browser.delete_all_cookies()  # the next test's browser starts signed out


def _row(console: Console, action_id: str):  # type: ignore[no-untyped-def]
    return console.driver.find_element(By.ID, f"action-{action_id}")


def _take(console: Console, action_id: str, form: str, stage: str, **fields: str) -> None:
    """Fill the row's step form, send it, wait for the row to show its next stage."""
    row = _row(console, action_id)
    for name, value in fields.items():
        row.find_element(By.CSS_SELECTOR, f"form.{form} [name={name}]").send_keys(value)
    row.find_element(By.CSS_SELECTOR, f"form.{form} button").click()
    PageWait(console.driver, 20).until(
        lambda d: stage in d.find_element(By.ID, f"action-{action_id}").text
    )


def _others_under_way(site) -> None:  # type: ignore[no-untyped-def]
    """Two more units' actions, one 办理中 and one 已反馈待复核, for the page to show."""
    scheduling = console_services(site.runtime).scheduling
    for unit, steps in (("县水利局", ("acknowledge", "start")), ("县住建局", STEPS_TO_REPORT)):
        action_id = _action(site, unit)
        for step in steps:
            body = {"report": "已完成图审，待批复"} if step == "report" else {"person": "张科长"}
            scheduling.action_step(action_id, step, body, actor="office1")


STEPS_TO_REPORT = ("acknowledge", "start", "report")


def test_the_office_takes_an_action_through_its_steps_in_the_browser(console, site):
    action_id = _action(site, "浏览器测试局")
    _others_under_way(site)
    console.sign_in("office")
    console.open("/actions")
    row = _row(console, action_id)
    badge = row.find_element(By.CSS_SELECTOR, ".badge")
    assert badge.text == "逾期（红灯）" and "red" in badge.get_attribute("class")
    assert "已下发待签收" in row.text
    console.driver.save_screenshot(str(SCREENSHOTS / "actions.png"))
    status = console.driver.find_element(By.CSS_SELECTOR, "#actions select[name=status]")
    labels = [o.text for o in status.find_elements(By.TAG_NAME, "option")]
    assert labels == ["未办结", "已办结", "全部"]
    console.driver.execute_script("arguments[0].scrollIntoView()", status)
    console.driver.save_screenshot(str(SCREENSHOTS / "actions-filter.png"))
    _take(console, action_id, "step-acknowledge", "已签收", person="王科长")
    _take(console, action_id, "step-start", "办理中")
    _take(console, action_id, "step-report", "已反馈待复核", report="环评批复已取得")
    console.driver.save_screenshot(str(SCREENSHOTS / "actions-reported.png"))
    _row(console, action_id).find_element(By.CSS_SELECTOR, "form.step-accept button").click()
    PageWait(console.driver, 20).until(lambda d: not d.find_elements(By.ID, f"action-{action_id}"))
    shown = console_services(site.runtime).scheduling.action(action_id)
    assert shown["stage"] == "closed"
    assert [s["step"] for s in shown["steps"]] == [
        "issue",
        "acknowledge",
        "start",
        "report",
        "accept",
        "close",
    ]
    console.open(f"/actions/{action_id}")
    assert "王科长" in console.text("#steps") and "环评批复已取得" in console.text("#steps")
    console.driver.save_screenshot(str(SCREENSHOTS / "action.png"))
    assert console.errors() == []
