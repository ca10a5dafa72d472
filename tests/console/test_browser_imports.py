"""导入台账 in a real browser: upload a ledger with problems → the table of problems;
upload a clean one → preview → 确认导入 → its project is registered."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.registry.integration.test_spreadsheet_import import LEDGER_HEADERS, ledger_row, xlsx

from .test_browser import Console

pytestmark = pytest.mark.browser
NEW = "DR2025901"


@pytest.fixture
def console(browser, site):  # type: ignore[no-untyped-def]
    browser.set_window_size(1366, 768)
    return Console(browser, site.base)


def upload(console: Console, path: str) -> None:
    console.open("/imports")
    console.driver.find_element(By.NAME, "year").clear()
    console.driver.find_element(By.NAME, "year").send_keys("2025")
    console.driver.find_element(By.NAME, "file").send_keys(path)
    console.submit("#upload")
    console.wait_for("#preview")


def test_the_office_uploads_sees_every_problem_then_confirms_a_clean_ledger(
    console, site, tmp_path
):
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    bad.write_bytes(xlsx(LEDGER_HEADERS, [ledger_row(NEW, 行业="房地产", 乡镇=None)]))
    good.write_bytes(xlsx(LEDGER_HEADERS, [ledger_row(NEW, 类别="前期谋划项目取得实质性进展")]))
    console.sign_in("office")

    upload(console, str(bad))
    rows = console.text("#problems")
    assert "F 乡镇 必填" in rows and "H 行业" in rows
    assert not console.driver.find_elements(By.CSS_SELECTOR, "#confirm")
    console.shot("imports-problems")

    upload(console, str(good))
    assert "文件无误：将记录新事件 3 个" in console.text("#preview")
    console.shot("imports-preview")
    console.submit("#confirm")
    console.wait_for("#imported")
    assert "新事件 3 个" in console.text("#imported")
    assert site.runtime.store.stream_version(f"project-{NEW}") == 3
    assert console.errors() == []
