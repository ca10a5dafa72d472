"""导入台账: upload → every problem in a table, nothing stored → a clean file confirmed
→ its projects registered. A fresh database per test (the session's demo site is shared)."""

from __future__ import annotations

import io
import re

import pytest

from services.composition import create_app, runtime_for
from services.console.accounts import Accounts
from tests.console.conftest import FAST_HASHER, PASSWORD, csrf_of, sign_in
from tests.registry.integration.test_spreadsheet_import import LEDGER_HEADERS, ledger_row, xlsx


@pytest.fixture
def office(settings):
    runtime = runtime_for(settings)
    app = create_app(runtime)
    accounts = Accounts(runtime.engine, FAST_HASHER)
    app.extensions["console.accounts"] = accounts
    accounts.create("office1", "office", PASSWORD, "攻坚办")
    client = app.test_client()
    assert sign_in(client, "office1").status_code == 302
    yield client, runtime
    runtime.close()


def preview(client, data: bytes):
    token = csrf_of(client.get("/imports").text)
    body = {
        "csrf_token": token,
        "kind": "ledger",
        "year": "2026",
        "file": (io.BytesIO(data), "台账.xlsx"),
    }
    return client.post("/imports/preview", data=body, content_type="multipart/form-data")


def test_a_ledger_with_problems_is_shown_row_by_row_and_nothing_is_offered(office):
    client, runtime = office
    data = xlsx(LEDGER_HEADERS, [ledger_row("XM1"), ledger_row("XM2", 类别="重点类")])
    html = preview(client, data).text
    assert "有 1 处问题" in html and "<td>3</td><td>G</td><td>类别</td>" in html
    assert 'id="confirm"' not in html
    assert runtime.store.head().position == 0


def test_a_clean_ledger_is_previewed_then_confirmed_and_its_projects_registered(office):
    client, runtime = office
    html = preview(client, xlsx(LEDGER_HEADERS, [ledger_row("XM1"), ledger_row("XM2")])).text
    assert "文件无误：将记录新事件 6 个" in html
    form = {
        name: value
        for name, value in re.findall(
            r'<input type="hidden" name="(\w+)" value="([^"]*)"', html.split('id="confirm"')[1]
        )
    }
    assert runtime.store.head().position == 0  # the preview stored nothing
    done = client.post("/imports/confirm", data=form)
    assert done.status_code == 200 and "台账已导入：新事件 6 个" in done.text
    assert runtime.store.head().position == 6
    again = client.post("/imports/confirm", data=form)
    assert "新事件 0 个，已导入过 6 个" in again.text


def test_the_office_finds_the_page_in_its_menu_and_downloads_the_template(office):
    client, _ = office
    assert "导入台账" in client.get("/").text
    template = client.get("/imports/ledger/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
