"""One demo campaign per test session, served on 127.0.0.1 by a threaded werkzeug
server (the embedded app: three services and the console), with an account per role."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from services.composition import create_app, migrate, runtime_for
from services.console.accounts import Accounts
from services.demo.runner import DemoOptions, load_demo
from shared.config import Settings
from shared.messaging import start_worker
from shared.runtime import Runtime

PASSWORD = "县项目办-2025-secret"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
ROLES = ("office", "auditor", "admin", "viewer", "approver")


@dataclass
class Site:
    runtime: Runtime
    app: object
    base: str

    def client(self):  # type: ignore[no-untyped-def]
        return self.app.test_client()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("console")
    settings = Settings.from_env(
        database_url=f"sqlite:///{data / 'gongjian.db'}", redis_url="", data_dir=data
    )
    migrate(settings)
    runtime = runtime_for(settings)
    worker = start_worker(runtime.broker)
    app = create_app(runtime)
    # Cheap hashes keep a test session quick (production keeps argon2-cffi's defaults).
    accounts = Accounts(runtime.engine, FAST_HASHER)
    app.extensions["console.accounts"] = accounts
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    load_demo(runtime, base, DemoOptions(year=2025), lambda _: None)
    for role in ROLES:
        accounts.create(f"{role}1", role, PASSWORD, f"{role}测试")
    yield Site(runtime, app, base)
    server.shutdown()
    worker.stop()
    runtime.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/signin").text)
    return client.post(
        "/signin", data={"username": username, "password": password, "csrf_token": token}
    )


def empty_site(tmp_path: Path, accounts: dict[str, str]):  # type: ignore[no-untyped-def]
    """An empty embedded app (SQLite in ``tmp_path``, no demo) with an account per
    username → role: (app, runtime); close the runtime when done."""
    settings = Settings.from_env(
        database_url=f"sqlite:///{tmp_path / 'g.db'}", redis_url="", data_dir=tmp_path
    )
    migrate(settings)
    runtime = runtime_for(settings)
    app = create_app(runtime)
    book = Accounts(runtime.engine, FAST_HASHER)
    app.extensions["console.accounts"] = book
    for username, role in accounts.items():
        book.create(username, role, PASSWORD, username)
    return app, runtime


@pytest.fixture
def signed_in(site):  # type: ignore[no-untyped-def]
    """A test client signed in with the given role."""

    def make(role: str):  # type: ignore[no-untyped-def]
        client = site.client()
        assert sign_in(client, f"{role}1").status_code == 302
        return client

    return make


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHINESE_PAK = Path("/usr/lib/chromium/locales/zh-CN.pak")
"""Chromium's Chinese (Debian's ``chromium-l10n``): without it the browser's own parts
(a date input's 年/月/日, its calendar) fall back to English (mm/dd/yyyy)."""
CHINESE_ENVIRONMENT = {"LANGUAGE": "zh_CN:zh", "LANG": "zh_CN.UTF-8"}
"""On Linux Chromium takes its interface language from the environment (``--lang`` is
not enough): chromedriver passes this to the browser it starts."""
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1366,768",
    "--lang=zh-CN",
)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One headless Debian Chromium for the session, driven by Selenium through Debian's
    chromedriver. Missing: a skip, or a failure where services are required (CI)."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER, CHINESE_PAK) if not p.exists()]
    if missing:
        message = (
            f"browser: {', '.join(missing)} not installed"
            " (apt-get install chromium chromium-driver chromium-l10n)"
        )
        if os.environ.get("GONGJIAN_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(str(CHROMEDRIVER), env={**os.environ, **CHINESE_ENVIRONMENT})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


class PageWait(WebDriverWait):
    """A wait across a page load: a condition that reads an element of the page being
    replaced counts as not yet met. Chromium reports such an element as stale, or, when
    the new document arrives between finding the node and reading it, as a node that
    "does not belong to the document"; both mean "ask again"."""

    def __init__(self, driver, seconds: float = 20, poll_frequency: float = 0.5):  # type: ignore[no-untyped-def]
        super().__init__(driver, seconds, poll_frequency=poll_frequency)

    def until(self, method, message: str = ""):  # type: ignore[no-untyped-def]
        def settled(driver):  # type: ignore[no-untyped-def]
            try:
                return method(driver)
            except StaleElementReferenceException:
                return False
            except WebDriverException as error:
                if "does not belong to the document" in (error.msg or ""):
                    return False
                raise

        return super().until(settled, message)


def many_counties_app(settings, accounts: dict[str, tuple[str, str]]):  # type: ignore[no-untyped-def]
    """(runtime, console app) of a city's deployment (`tests.e2e.test_tenancy.HIERARCHY`)
    with ``accounts`` (name → (role, tenant)) and a project in each of counties
    ``default``, ``b`` and ``d``, registered by each county's office."""
    import json
    from dataclasses import replace

    from services.composition import create_app, runtime_for
    from services.console.accounts import Accounts
    from shared.tenancy import DEFAULT_COUNTY
    from tests.e2e.test_tenancy import HIERARCHY, _register

    runtime = runtime_for(replace(settings, tenants=json.dumps(HIERARCHY)))
    app = create_app(runtime)
    known = Accounts(runtime.engine, FAST_HASHER)
    app.extensions["console.accounts"] = known
    for name, (role, tenant) in accounts.items():
        known.create(name, role, PASSWORD, name, tenant=tenant)
    api = app.test_client()
    for project_id, county in (("pa", DEFAULT_COUNTY), ("pb", "b"), ("pd", "d")):
        token = runtime.tokens.create(f"office-{county}", "office", tenant=county)
        headers = {"Authorization": f"Bearer {token}"}
        assert _register(api, headers, project_id).status_code == 201
    return runtime, app


def signed_in_client(app, username: str):  # type: ignore[no-untyped-def]
    """A test client of ``app`` signed in as ``username``."""
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client
