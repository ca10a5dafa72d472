"""Every page renders for the roles that may see it, in Chinese, with the demo campaign."""

from __future__ import annotations

import pytest

from .conftest import csrf_of

PROJECT = "XM2025003"


@pytest.mark.parametrize(
    "path, words",
    [
        ("/", ["2025年目标与完成", "投资完成与序时进度", "按状态"]),
        ("/print/a3", ["挂图作战（A3）"]),
        ("/projects", ["共 29 个项目"]),
        (f"/projects/{PROJECT}", ["责任体系", "倒排工期", "事件记录"]),
        (f"/public/projects/{PROJECT}", ["项目建设公示牌", "<svg"]),
    ],
)
def test_pages_render_for_the_office(signed_in, path, words):
    response = signed_in("office").get(path)
    assert response.status_code == 200
    for word in words:
        assert word in response.text


def test_the_wall_writes_each_colour_as_a_word_too(signed_in):
    html = signed_in("viewer").get("/").text
    assert 'class="badge red">红<' in html and 'class="badge green">绿<' in html


def test_the_wall_groups_by_unit_and_filters_by_status(signed_in):
    html = signed_in("viewer").get("/?group=lead_unit&status=red").text
    assert "县发改局" in html
    assert 'class="badge green">绿</span>\n  <a' not in html


def test_the_public_board_needs_no_sign_in_and_shows_no_internal_fields(site):
    html = site.client().get(f"/public/projects/{PROJECT}").text
    assert "嘴东商贸综合体" in html and "商贸综合有限公司" in html
    for internal in ("张志强", "融资", "通报批评", "事件记录"):
        assert internal not in html


def test_the_admin_page_lists_users_tokens_and_integrations(signed_in):
    client = signed_in("admin")
    html = client.get("/admin").text
    assert "viewer1" in html and "demo-approval-system" in html
    made = client.post(
        "/admin/tokens",
        data={"name": "审批系统令牌", "role": "viewer", "csrf_token": csrf_of(html)},
    )
    assert made.status_code == 200 and 'id="secret">gj_' in made.text


def test_roles_are_refused_pages_above_them(signed_in):
    assert signed_in("office").get("/admin").status_code == 403
    assert signed_in("auditor").get("/admin").status_code == 403
