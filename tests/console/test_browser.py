"""The console in a real browser (Debian's Chromium through Selenium) against the live
embedded server with the demo campaign. Each page is saved as a screenshot in
var/screenshots/ for people to look at."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from services.console.gateway import services as console_services
from services.console.text import label, wan

from .conftest import PASSWORD, SCREENSHOTS, PageWait

pytestmark = pytest.mark.browser
PROJECT = "XM2025003"


class Console:
    """The browser on the console: open pages, sign in, read what the page says."""

    def __init__(self, driver, base: str) -> None:  # type: ignore[no-untyped-def]
        self.driver, self.base = driver, base

    def open(self, path: str) -> None:
        self.driver.get_log("browser")  # forget what earlier pages logged
        self.driver.get(self.base + path)
        self.wait_for("h1")

    def wait_for(self, css: str, seconds: float = 30) -> None:
        try:
            PageWait(self.driver, seconds).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
        except TimeoutException:
            page = self.driver.page_source[:2000]
            raise AssertionError(f"no {css} at {self.driver.current_url}: {page}") from None

    def errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def text(self, css: str) -> str:
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    def sign_in(self, role: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/signin")
        self.driver.find_element(By.NAME, "username").send_keys(f"{role}1")
        self.driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "form.form button").click()
        PageWait(self.driver, 20).until(lambda d: "/signin" not in d.current_url)

    def set_date(self, name: str, value: str) -> None:
        field = self.driver.find_element(By.NAME, name)
        self.driver.execute_script("arguments[0].value = arguments[1]", field, value)

    def submit(self, form_css: str) -> None:
        self.driver.find_element(By.CSS_SELECTOR, f"{form_css} button[type=submit]").click()


@pytest.fixture
def console(browser, site):  # type: ignore[no-untyped-def]
    """The session's browser, signed out: other files' browser tests share it."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.set_window_size(1366, 768)
    return Console(browser, site.base)


def test_signing_in_through_the_form_shows_the_board(console):
    console.open("/")
    assert "/signin" in console.driver.current_url
    console.shot("signin")
    console.sign_in("office")
    assert console.text("h1") == "总览·挂图作战"
    assert "按目前掌握的情况，截至" in console.text("#banner")
    assert console.errors() == []


PAGES = [
    ("office", "/", "overview"),
    ("office", "/print/a3", "overview-a3"),
    ("office", "/projects", "projects"),
    ("office", f"/projects/{PROJECT}", "project"),
    ("office", f"/projects/{PROJECT}?as_of=2025-12-31&compare=2025-06-30", "project-compare"),
    ("office", "/dispatch", "dispatch"),
    ("office", "/pool", "pool"),
    ("office", "/visits?quarter=2025-Q4", "visits"),
    ("office", "/assessments", "assessments"),
    ("auditor", "/audit?project=XM2025003", "audit"),
    ("admin", "/admin", "admin"),
    ("viewer", "/account/password", "password"),
    (None, f"/public/projects/{PROJECT}", "public-board"),
]


@pytest.mark.parametrize("role, path, name", PAGES, ids=[p[2] for p in PAGES])
def test_each_page_renders_without_console_errors(console, role, path, name):
    if role is None:
        console.driver.delete_all_cookies()
    else:
        console.sign_in(role)
    console.open(path)
    assert console.text("h1") not in ("未找到", "无权访问")
    assert console.driver.execute_script("return document.documentElement.lang") == "zh-CN"
    assert console.errors() == []
    console.shot(name)


def test_the_browser_is_chinese_as_an_offices_is_so_dates_read_nian_yue_ri(console):
    """Chromium's own language (its locale, not only the pages' ``lang``): what a date
    input shows (年/月/日, not mm/dd/yyyy; see ``var/screenshots/dispatch-dates.png``)."""
    console.sign_in("office")
    console.open("/dispatch")
    said = console.driver.execute_script(
        "return [navigator.language, Intl.DateTimeFormat().resolvedOptions().locale,"
        " new Date(2026, 2, 10).toLocaleDateString()]"
    )
    assert said == ["zh-CN", "zh-CN", "2026/3/10"]
    held_on = console.driver.find_element(By.CSS_SELECTOR, "input[type=date][name=held_on]")
    console.driver.execute_script("arguments[0].scrollIntoView()", held_on)
    console.shot("dispatch-dates")


def test_the_time_travel_pickers_show_what_the_api_says(console, site):
    token = site.runtime.tokens.create("browser-auditor", "auditor")
    api = site.client()
    console.sign_in("auditor")
    for as_of in ("2025-06-30", "2025-12-31"):
        console.open(f"/projects/{PROJECT}")
        console.set_date("as_of", as_of)
        console.submit("form.clocks")
        PageWait(console.driver, 20).until(lambda d, a=as_of: f"as_of={a}" in d.current_url)
        said = api.get(
            f"/v1/projects/{PROJECT}?as_of={as_of}", headers={"Authorization": f"Bearer {token}"}
        ).json["project"]
        year, month, day = (int(x) for x in as_of.split("-"))
        assert console.text("#banner") == f"按目前掌握的情况，截至{year}年{month}月{day}日"
        assert console.text("#invested") == f"{wan(said['investment_reported'])}万元"
        assert console.text("#phase") == label("phase", said["phase"])
        assert len(console.driver.find_elements(By.CSS_SELECTOR, "#timeline tr")) - 1 == len(
            api.get(
                f"/v1/projects/{PROJECT}/events?as_of={as_of}&limit=1000",
                headers={"Authorization": f"Bearer {token}"},
            ).json["events"]
        )
    console.shot("project-time-travel")


def test_a_known_at_before_the_project_was_recorded_shows_it_unregistered(console, site):
    console.sign_in("viewer")
    console.open(f"/projects/{PROJECT}")
    console.set_date("known_at", "2025-01-01")
    console.submit("form.clocks")
    PageWait(console.driver, 20).until(lambda d: "known_at=2025-01-01" in d.current_url)
    assert "按2025年1月1日掌握的情况" in console.text("#banner")
    assert console.text("#not-registered") == "所选日期该项目尚未登记。"


def test_the_office_closes_an_action_in_the_browser(console, site):
    console.sign_in("office")
    console.open("/dispatch")
    field = console.driver.find_element(By.CSS_SELECTOR, "#plan-now input[name=period]")
    field.clear()
    field.send_keys("2025-12")
    console.submit("#plan-now")
    PageWait(console.driver, 20).until(lambda d: "/dispatch/plans/monthly/2025-12" in d.current_url)
    console.shot("plan")
    console.open("/dispatch")
    row = console.driver.find_element(By.CSS_SELECTOR, "#actions tr[id^=action-]")
    action_id = row.get_attribute("id").removeprefix("action-")
    row.find_element(By.NAME, "note").send_keys("已现场协调解决")
    row.find_element(By.CSS_SELECTOR, "button").click()
    PageWait(console.driver, 20).until(lambda d: not d.find_elements(By.ID, f"action-{action_id}"))
    closed = console_services(site.runtime).scheduling.actions(status="closed", limit=1000)
    assert any(a["action_id"] == action_id and a["close_note"] == "已现场协调解决" for a in closed)
    assert console.errors() == []


def test_an_assessment_started_in_the_browser_is_watched_until_it_finishes(console):
    console.sign_in("office")
    console.open("/assessments")
    console.set_date("as_of", "2025-09-30")
    console.submit("#start-assessment")
    PageWait(console.driver, 20).until(lambda d: "/assessments/jobs/" in d.current_url)
    PageWait(console.driver, 90, poll_frequency=0.3).until(
        lambda d: d.find_element(By.ID, "job-status").text == "已完成"
    )
    assert console.driver.find_element(By.ID, "job-progress").get_attribute("value") == "100"
    console.shot("assessment-job")
    result = console.driver.find_element(By.CSS_SELECTOR, "#job-result a").get_attribute("href")
    console.driver.get(result)
    PageWait(console.driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.ranking"))
    assert "突破性进展或完工投产" in console.driver.page_source
    console.shot("assessment")
    console.driver.find_element(By.CSS_SELECTOR, "table.ranking a").click()
    PageWait(console.driver, 20).until(lambda d: d.find_elements(By.ID, "lines"))
    console.shot("scorecard")
    assert console.errors() == []


def test_the_approver_signs_a_draft_off_in_the_browser(console, site):
    import time
    from datetime import date

    gateway = console_services(site.runtime)
    job = gateway.start_assessment(2025, date(2025, 8, 31), None, "office1")
    for _ in range(360):
        job = gateway.records.job(job["job_id"])
        if job["status"] == "done":
            break
        time.sleep(0.25)
    console.sign_in("approver")
    console.open(f"/assessments/{job['assessment_id']}")
    assert console.text("#assessment-state") == "草稿"
    # The site is the session's: a test before this one (test_pages' approver's) may have
    # published 2025 already, and then this sign-off is a correction, which asks for its
    # reason (a required field: without it the browser sent nothing and this test waited).
    reason = console.driver.find_elements(By.CSS_SELECTOR, "#approve-assessment [name=reason]")
    if reason:
        reason[0].send_keys("依据复核意见更正")
    console.submit("#approve-assessment")
    PageWait(console.driver, 20).until(
        lambda d: d.find_element(By.ID, "assessment-state").text == "已发布"
    )
    assert "审定人 approver1" in console.text("#sign-off")
    assert console.errors() == []


def test_a_viewer_is_refused_the_admin_page(console):
    console.sign_in("viewer")
    assert "管理" not in console.text("header.top nav")
    console.open("/admin")
    assert console.text("h1") == "无权访问"


def test_a_form_without_its_csrf_token_is_refused(console):
    console.sign_in("office")
    console.open("/account/password")
    console.driver.execute_script("document.querySelector('main input[name=csrf_token]').remove()")
    for name in ("old", "new", "confirm"):
        console.driver.find_element(By.NAME, name).send_keys("whatever-0123456789")
    console.submit("main form")
    # The heading is read while the page may still be changing: an element of the page
    # being left is stale, not an answer.
    PageWait(console.driver, 20).until(
        lambda d: d.find_element(By.TAG_NAME, "h1").text == "表单已失效"
    )
    assert console.text("h1") == "表单已失效"


@pytest.mark.parametrize(
    "path, name",
    [
        ("/", "overview"),
        (f"/projects/{PROJECT}", "project"),
        ("/dispatch", "dispatch"),
        ("/pool", "pool"),
    ],
)
def test_pages_fit_a_phone(console, path, name):
    console.sign_in("office")
    console.driver.set_window_size(390, 844)
    console.open(path)
    width = console.driver.execute_script("return window.innerWidth")
    scroll = console.driver.execute_script("return document.documentElement.scrollWidth")
    console.shot(f"phone-{name}")
    assert scroll <= width, f"{path} is {scroll}px wide on a {width}px phone"


def test_the_office_enters_a_project_into_the_pool_in_the_browser(console):
    console.sign_in("office")
    console.open("/pool")
    form = "form[action='/pool/enter']"
    for name, value in (
        ("project_id", "POOL-B1"),
        ("name", "浏览器入库测试项目"),
        ("sector", "制造业"),
        ("town", "城关镇"),
        ("total_investment_wan", "12000"),
    ):
        console.driver.find_element(By.CSS_SELECTOR, f"{form} [name={name}]").send_keys(value)
    console.submit(form)
    console.wait_for("#pool-list")
    row = console.driver.find_element(By.XPATH, "//tr[td[text()='POOL-B1']]").text
    assert "浏览器入库测试项目" in row and "12,000.00" in row and "谋划" in row
    assert "未进入攻坚年" in row
    assert console.errors() == []
    console.shot("pool-entered")
