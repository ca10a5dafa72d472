"""提醒推送 in the console: the administrator sets a leader's channel (URL masked, secret
never shown again), the office checks for alerts now and sees each with its state; in
the browser too, with a screenshot. The embedded demo sends nothing outbound."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from services.console.gateway import services as console_services
from services.scheduling.wiring import SchedulingParts

from .conftest import PASSWORD, SCREENSHOTS, PageWait, csrf_of


def _red_leader(site) -> str:  # type: ignore[no-untyped-def]
    board = console_services(site.runtime).scheduling.board()
    leaders = [row["leader"] for row in board["projects"] if row["status"] == "red"]
    assert leaders, "the demo campaign has a red project"
    return leaders[0]


def test_the_admin_sets_a_channel_and_the_office_sees_the_alerts_held(signed_in, site):
    admin = signed_in("admin")
    page = admin.get("/alerts").text
    assert "提醒通道" in page and "本系统未开启外发" in page
    leader = _red_leader(site)
    made = admin.post(
        "/alerts/channels",
        data={
            "csrf_token": csrf_of(page),
            "channel_id": "page-leader",
            "owner_kind": "leader",
            "owner": leader,
            "format": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=page-token",
            "secret": "SECpage-secret",
        },
    )
    assert made.status_code == 200 and "提醒通道 page-leader 已设置" in made.text
    assert "access_token=***" in made.text and "page-token" not in made.text
    assert "SECpage-secret" not in made.text
    refused = admin.post(
        "/alerts/channels",
        data={"csrf_token": csrf_of(page), "owner_kind": "unit", "owner": "x", "format": "wecom"}
        | {"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
    )
    assert refused.status_code == 422 and "key" in refused.text
    office = signed_in("office")
    office_page = office.get("/alerts").text
    assert "提醒通道" not in office_page  # channels are the administrator's
    checked = office.post("/alerts/scan", data={"csrf_token": csrf_of(office_page)})
    assert "已检查" in checked.text
    assert "项目转为红灯" in checked.text and "未外发（外发未开启）" in checked.text
    assert SchedulingParts.of(site.runtime).alerts.deliver_due() == []
    assert signed_in("viewer").get("/alerts").status_code == 403


@pytest.mark.browser
def test_the_alerts_page_in_the_browser(browser, site):
    leader = _red_leader(site)
    driver = browser
    driver.set_window_size(1366, 900)
    driver.delete_all_cookies()
    driver.get(site.base + "/signin")
    driver.find_element(By.NAME, "username").send_keys("admin1")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.form button").click()
    PageWait(driver, 20).until(lambda d: "/signin" not in d.current_url)
    driver.get(site.base + "/alerts")
    form = driver.find_element(By.ID, "channel-form")
    form.find_element(By.NAME, "channel_id").send_keys("browser-unit")
    form.find_element(By.NAME, "owner").send_keys(leader)
    form.find_element(By.NAME, "url").send_keys(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=browser-key"
    )
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    PageWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.ok"))
    assert "browser-unit" in driver.find_element(By.ID, "channels").text
    assert "browser-key" not in driver.page_source
    driver.find_element(By.XPATH, "//button[text()='立即检查']").click()
    PageWait(driver, 20).until(lambda d: "已检查" in d.find_element(By.CSS_SELECTOR, "p.ok").text)
    assert "项目转为红灯" in driver.find_element(By.ID, "alerts").text
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    driver.save_screenshot(str(SCREENSHOTS / "alerts.png"))
