"""Sign-in for people: session cookie flags, CSRF on every form, the rate limit,
sign-out, a password change that ends other sessions, the role rules."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from click.testing import CliRunner

from services.cli import main
from services.console import cli as console_cli

from .conftest import PASSWORD, csrf_of, sign_in


def test_pages_send_people_to_sign_in_first(site):
    response = site.client().get("/projects")
    assert response.status_code == 302
    assert response.location.startswith("/signin?next=/projects")


def test_signing_in_sets_an_httponly_samesite_session_cookie(site):
    response = sign_in(site.client(), "office1")
    assert response.status_code == 302 and response.location == "/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("gongjian_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only behind TLS (GONGJIAN_COOKIE_SECURE=1)


def test_a_wrong_password_is_refused_in_chinese(site):
    response = sign_in(site.client(), "office1", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text


def test_a_form_without_its_csrf_token_is_refused(site):
    client = site.client()
    response = client.post("/signin", data={"username": "office1", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.text
    assert "gongjian_session=" not in response.headers.get("Set-Cookie", "") or "u" not in (
        client.get_cookie("gongjian_session") or ""
    )


def test_sign_in_is_rate_limited_per_account(site):
    site.app.extensions["console.accounts"].create("throttled", "viewer", PASSWORD)
    client = site.client()
    statuses = [sign_in(client, "throttled", "wrong-password").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    # even the right password waits until the window has passed
    assert sign_in(client, "throttled").status_code == 429


def test_signing_out_ends_the_session(signed_in):
    client = signed_in("viewer")
    assert client.get("/projects").status_code == 200
    token = csrf_of(client.get("/projects").text)
    assert client.post("/signout", data={"csrf_token": token}).status_code == 302
    assert client.get("/projects").status_code == 302


def test_a_password_change_ends_every_other_session(site):
    site.app.extensions["console.accounts"].create("mover", "office", PASSWORD)
    here, elsewhere = site.client(), site.client()
    sign_in(here, "mover")
    sign_in(elsewhere, "mover")
    token = csrf_of(here.get("/account/password").text)
    new = "新的密码-0123456789"
    response = here.post(
        "/account/password",
        data={"old": PASSWORD, "new": new, "confirm": new, "csrf_token": token},
    )
    assert response.status_code == 200 and "密码已修改" in response.text
    assert here.get("/projects").status_code == 200
    assert elsewhere.get("/projects").status_code == 302


def test_a_viewer_sees_no_admin_link_and_is_refused_the_admin_page(signed_in):
    client = signed_in("viewer")
    assert "管理" not in client.get("/").text.split("<main>")[0]
    assert client.get("/admin").status_code == 403


def test_redirects_after_sign_in_stay_on_this_site(site):
    client = site.client()
    token = csrf_of(client.get("/signin").text)
    response = client.post(
        "/signin",
        data={
            "username": "viewer1",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.location == "/"


def test_the_cli_creates_an_account_that_can_sign_in(site, tmp_path):
    env = {
        "GONGJIAN_DATABASE_URL": site.runtime.engine.url.render_as_string(hide_password=False),
        "GONGJIAN_DATA_DIR": str(tmp_path),
    }
    arguments = ["user", "create", "cli-made", "--role", "auditor", "--password-stdin"]
    done = CliRunner().invoke(main, arguments, input=PASSWORD + "\n", env=env)
    assert done.exit_code == 0, done.output
    assert "已创建账号 cli-made：审计人员（auditor）" in done.output
    assert sign_in(site.client(), "cli-made").status_code == 302
    listed = CliRunner().invoke(main, ["user", "list"], env=env)
    assert "cli-made\tauditor\t有效" in listed.output


def test_the_user_cli_answers_in_chinese(site, tmp_path):
    env = {
        "GONGJIAN_DATABASE_URL": site.runtime.engine.url.render_as_string(hide_password=False),
        "GONGJIAN_DATA_DIR": str(tmp_path),
    }
    made = ["user", "create", "to-stop", "--role", "viewer", "--password-stdin"]
    assert CliRunner().invoke(main, made, input=PASSWORD + "\n", env=env).exit_code == 0
    changed = CliRunner().invoke(
        main, ["user", "password", "to-stop", "--password-stdin"], input=PASSWORD + "\n", env=env
    )
    assert "账号 to-stop 的密码已更改" in changed.output, changed.output
    stopped = CliRunner().invoke(main, ["user", "disable", "to-stop"], env=env)
    assert "账号 to-stop 已停用" in stopped.output
    again = CliRunner().invoke(main, ["user", "disable", "to-stop"], env=env)
    assert again.exit_code == 1 and "没有有效账号 to-stop" in again.output
    nobody = CliRunner().invoke(main, ["user", "password", "nobody", "--password-stdin"], env=env)
    assert nobody.exit_code == 1 and "没有账号 nobody" in nobody.output
    listed = CliRunner().invoke(main, ["user", "list"], env=env)
    assert "to-stop\tviewer\t已停用" in listed.output


def test_the_cli_asks_for_a_password_twice_in_chinese_and_keeps_nothing_on_a_mismatch(
    site, tmp_path, monkeypatch
):
    monkeypatch.setattr(console_cli, "at_a_terminal", lambda: True)
    env = {
        "GONGJIAN_DATABASE_URL": site.runtime.engine.url.render_as_string(hide_password=False),
        "GONGJIAN_DATA_DIR": str(tmp_path),
    }
    made = ["user", "create", "mistyped", "--role", "viewer"]
    refused = CliRunner().invoke(main, made, input=f"{PASSWORD}\n{PASSWORD}x\n", env=env)
    assert refused.exit_code == 1
    assert "密码：" in refused.output and "再输入一次密码：" in refused.output
    assert "错误：两次输入的密码不一致，未作更改" in refused.output
    assert "mistyped" not in CliRunner().invoke(main, ["user", "list"], env=env).output
    done = CliRunner().invoke(main, made, input=f"{PASSWORD}\n{PASSWORD}\n", env=env)
    assert done.exit_code == 0 and "已创建账号 mistyped" in done.output


def test_a_password_piped_in_is_read_once_from_standard_input_without_englishs_warning(
    site, tmp_path
):
    """Standard input a pipe and no terminal (cron, ``kubectl exec -i``): getpass would
    print ``Warning: Password input may be echoed.`` and ask twice; the pipe's first line
    is the password, as with ``--password-stdin``."""
    env = {
        **os.environ,
        "GONGJIAN_DATABASE_URL": site.runtime.engine.url.render_as_string(hide_password=False),
        "GONGJIAN_DATA_DIR": str(tmp_path),
        "GONGJIAN_REDIS_URL": "",
    }
    piped = subprocess.run(
        [sys.executable, "-m", "services.cli", "user", "create", "piped", "--role", "viewer"],
        input=f"{PASSWORD}\n",
        capture_output=True,
        text=True,
        env=env,
        start_new_session=True,  # no controlling terminal: getpass cannot open /dev/tty
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert "已创建账号 piped" in piped.stdout
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", piped.stdout + piped.stderr), piped
    assert sign_in(site.client(), "piped").status_code == 302


def test_a_password_given_by_clicks_runner_is_read_from_its_input(site, tmp_path):
    env = {
        "GONGJIAN_DATABASE_URL": site.runtime.engine.url.render_as_string(hide_password=False),
        "GONGJIAN_DATA_DIR": str(tmp_path),
    }
    arguments = ["user", "create", "runner-made", "--role", "viewer"]
    done = CliRunner().invoke(main, arguments, input=f"{PASSWORD}\n", env=env)
    assert done.exit_code == 0, done.output
    assert "密码：" not in done.output and "Warning" not in done.output
    assert sign_in(site.client(), "runner-made").status_code == 302
