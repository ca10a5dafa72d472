"""``gongjian user …``: accounts for people who sign in to the console."""

from __future__ import annotations

import sys

import click

from shared.commandline import Codes
from shared.i18n import label

from .accounts import ROLES, AccountError, Accounts


def _accounts(obj) -> Accounts:  # type: ignore[no-untyped-def]
    return Accounts(obj.runtime().engine)


def _password(from_stdin: bool) -> str:
    """From standard input when asked to (``--password-stdin``) or when it is not a
    terminal (a pipe, a file: its first line); else asked twice at the terminal, not shown
    (click's own confirmation would refuse a mismatch in English). Prompting a pipe, getpass
    would warn in English that the input may be echoed and want the password twice."""
    if from_stdin or not at_a_terminal():
        return sys.stdin.readline().rstrip("\r\n")
    first = click.prompt("密码", hide_input=True, prompt_suffix="：")
    if click.prompt("再输入一次密码", hide_input=True, prompt_suffix="：") != first:
        raise click.ClickException("两次输入的密码不一致，未作更改")
    return str(first)


def at_a_terminal() -> bool:
    """Whether a person types at standard input (False under click's test runner too)."""
    return sys.stdin is not None and sys.stdin.isatty()


@click.group()
def user() -> None:
    """控制台账号（给人用；系统对接用 `gongjian token`）。"""


@user.command("create")
@click.argument("username")
@click.option("--role", required=True, type=Codes("role", ROLES))
@click.option("--display-name", default="", help="页面上显示的名称，例如 张三（发改局）。")
@click.option(
    "--password-stdin", is_flag=True, help="从标准输入读取密码（标准输入不是终端时总是如此）。"
)
@click.option("--tenant", default=None, help="所属的县、市或省（默认：默认县）。")
@click.pass_obj
def create(
    obj, username: str, role: str, display_name: str, password_stdin: bool, tenant: str | None
) -> None:  # type: ignore[no-untyped-def]
    """创建账号；密码在终端上提示输入两次，或从标准输入读取第一行。"""
    try:
        code = obj.runtime().settings.tenancy.tenant(tenant).code
        made = _accounts(obj).create(
            username, role, _password(password_stdin), display_name, tenant=code
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    tenant_name = obj.runtime().settings.tenancy.tenant(made.tenant).name
    click.echo(
        f"已创建账号 {made.username}：{label('role', made.role)}（{made.role}），"
        f"属{tenant_name}（{made.tenant}）"
    )


@user.command("list")
@click.pass_obj
def list_users(obj) -> None:  # type: ignore[no-untyped-def]
    """列出每个账号及其角色、是否已停用。"""
    for account in _accounts(obj).list():
        state = "已停用" if account.disabled_at else "有效"
        click.echo(f"{account.username}\t{account.role}\t{state}\t{account.display_name}")


@user.command("password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="从标准输入读取密码（标准输入不是终端时总是如此）。"
)
@click.pass_obj
def reset_password(obj, username: str, password_stdin: bool) -> None:  # type: ignore[no-untyped-def]
    """设置新密码（结束此人的所有会话）。"""
    accounts = _accounts(obj)
    if accounts.get(username) is None:
        raise click.ClickException(f"没有账号 {username}")
    try:
        accounts.set_password(username, _password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"账号 {username} 的密码已更改，其登录会话均已结束")


@user.command("disable")
@click.argument("username")
@click.pass_obj
def disable(obj, username: str) -> None:  # type: ignore[no-untyped-def]
    """停用账号：拒绝其登录并结束其会话。"""
    if not _accounts(obj).disable(username):
        raise click.ClickException(f"没有有效账号 {username}")
    click.echo(f"账号 {username} 已停用")
