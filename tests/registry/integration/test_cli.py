"""`gongjian integration create|rotate|list`."""

from __future__ import annotations

from click.testing import CliRunner

from services.cli import main


def run(url, *args):
    return CliRunner().invoke(main, list(args), env={"GONGJIAN_DATABASE_URL": url})


def test_an_integration_is_created_with_its_types_and_its_secret_printed_once(sqlite_url):
    created = run(
        sqlite_url, "integration", "create", "--name", "eia", "--types", "ApprovalGranted"
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip()
    assert secret.startswith("whsec_")
    listed = run(sqlite_url, "integration", "list")
    assert '"types": ["ApprovalGranted"]' in listed.output
    assert secret not in listed.output


def test_rotation_adds_a_second_secret_then_retires_the_first(sqlite_url):
    run(sqlite_url, "integration", "create", "--name", "eia", "--types", "ApprovalGranted")
    rotated = run(sqlite_url, "integration", "rotate", "--name", "eia")
    assert rotated.exit_code == 0 and rotated.output.startswith("whsec_")
    assert '"active_secrets": 2' in run(sqlite_url, "integration", "list").output
    third = run(sqlite_url, "integration", "rotate", "--name", "eia")
    assert third.exit_code == 1 and "retire" in third.output
    run(sqlite_url, "integration", "rotate", "--name", "eia", "--retire-old")
    assert '"active_secrets": 1' in run(sqlite_url, "integration", "list").output


def test_unknown_types_and_names_are_one_line_errors(sqlite_url):
    bad_type = run(sqlite_url, "integration", "create", "--name", "x", "--types", "Nope")
    assert bad_type.exit_code == 1 and "未知的事件类型：Nope" in bad_type.output
    missing = run(sqlite_url, "integration", "rotate", "--name", "ghost")
    assert missing.exit_code == 1 and "没有名为“ghost”的对接系统" in missing.output
    run(sqlite_url, "integration", "create", "--name", "x", "--types", "ApprovalGranted")
    twice = run(sqlite_url, "integration", "create", "--name", "x", "--types", "ApprovalGranted")
    assert twice.exit_code == 1 and "已有名为" in twice.output
