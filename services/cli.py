"""``gongjian``: the one command-line tool. Errors are one line on stderr, exit 1."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

import click

from shared.auth import ROLES as TOKEN_ROLES
from shared.commandline import Codes, refusal, speak_chinese
from shared.config import Settings
from shared.eventstore import format_instant
from shared.eventstore.export_check import verify_export
from shared.eventstore.signed import CheckpointError, SignedCheckpoint, SigningKey, public_key_line
from shared.heartbeat import MAX_AGE_SECONDS, heartbeat_age, heartbeat_path
from shared.logging import configure_logging
from shared.runtime import Runtime

from .console.cli import user as user_cli
from .registry.entrypoints import cli as registry_cli
from .scheduling.entrypoints import cli as scheduling_cli
from .scheduling.entrypoints.cli import run_scheduler
from .scoring.entrypoints import cli as scoring_cli


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


class CliContext:
    """What a subcommand gets as ``ctx.obj``: settings and a runtime, built on first use.

    Service commands take it with ``@click.pass_obj``; they never import the composition
    root, so the services stay independent of each other."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = _settings()
        return self._settings

    def runtime(self) -> Runtime:
        if self._runtime is None:
            from .composition import runtime_for

            self._runtime = runtime_for(self.settings)
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


class _Gongjian(click.Group):
    """Turns infrastructure failures into the one-line error every command promises, and
    says click's refusals in Chinese (`shared.commandline.refusal`)."""

    def main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **extra)
        try:
            done = super().main(*args, standalone_mode=False, **extra)
        except click.ClickException as exc:
            click.echo(refusal(exc), err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        sys.exit(done if isinstance(done, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            message = str(exc.orig).strip().splitlines()[0]
            if "no such table" in message or "does not exist" in message:
                message += "（数据库尚未迁移：请运行 `gongjian db upgrade`）"
            raise click.ClickException(f"数据库出错：{message}") from exc


@click.group(cls=_Gongjian)
@click.pass_context
def main(ctx: click.Context) -> None:
    """攻坚（Gongjian）：重点项目攻坚年的项目登记、调度与年终考核。"""
    ctx.obj = CliContext()
    ctx.call_on_close(ctx.obj.close)


@main.group()
def db() -> None:
    """数据库结构。"""


@db.command("upgrade")
def db_upgrade() -> None:
    """把数据库迁移到各分支的最新版本（重复运行无妨）。"""
    from shared.migrations import UnsuitableDatabase

    from .composition import migrate

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        migrate(settings)
    except UnsuitableDatabase as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"数据库已迁移到最新版本（head）：{_redact(settings.database_url)}")


@db.command("partitions")
@click.option(
    "--ahead",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100),
    help="在链头之后预先建好的分区数。",
)
@click.pass_obj
def db_partitions(obj: CliContext, ahead: int) -> None:
    """列出事件表的分区（PostgreSQL），并预建链头之后的分区（事件存储自己会预建一个；
    本命令用于维护窗口或批量导入）。"""
    from shared.eventstore import partitions as parts

    store = obj.runtime().store
    head = store.head().position
    with store.engine.connect() as conn:
        if not parts.partitions(conn):
            click.echo("事件表未分区（SQLite 或未迁移的 PostgreSQL）：无需维护。")
            return
    parts.extend(store.engine, head + ahead * parts.PARTITION_SIZE)
    with store.engine.connect() as conn:
        found = parts.partitions(conn)
    for p in found:
        click.echo(f"{p.name}\t{p.lower_bound:,}—{p.upper_bound - 1:,}")
    click.echo(
        f"共 {len(found)} 个分区；当前位置 {head:,}，已预留至 {found[-1].upper_bound - 1:,}。"
    )


@main.command()
@click.option("--host", default=None, help="默认取 GONGJIAN_HOST（127.0.0.1）。")
@click.option("--port", default=None, type=int, help="默认取 GONGJIAN_PORT（8000）。")
@click.option("--no-migrate", is_flag=True, help="启动前不迁移数据库。")
@click.option("--demo", is_flag=True, help="事件存储中还没有项目时，载入演示攻坚年。")
@click.pass_obj
def serve(
    obj: CliContext, host: str | None, port: int | None, no_migrate: bool, demo: bool
) -> None:
    """在一个进程中运行全部三个服务（嵌入式默认部署）。"""
    from werkzeug.serving import make_server

    from shared.heap import settle
    from shared.messaging import start_worker

    from .composition import create_app, migrate, worker_timer

    settings = obj.settings
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # requests are logged by the app
    if not no_migrate:
        migrate(settings)
    runtime = obj.runtime()
    worker = None
    if not settings.uses_redis:  # embedded: this process is the worker too
        runtime.broker.add_middleware(worker_timer(runtime))
        worker = start_worker(runtime.broker)
    host, port = host or settings.host, port or settings.port
    server = make_server(host, port, create_app(runtime), threaded=True)
    base = f"http://{host}:{port}"
    click.echo(f"攻坚系统已启动：{base}（接口说明 OpenAPI：{base}/openapi.json）")
    broker = "Redis" if settings.uses_redis else "进程内"
    click.echo(f"  事件库：{_redact(settings.database_url)}  消息代理：{broker}")
    if demo:  # before the scheduler's first plan: the plans see the demo's projects
        _demo_on_first_start(runtime, base)
    stop = threading.Event()

    def start_scheduler() -> None:
        if not settings.uses_redis:  # embedded: this process is the scheduler too
            threading.Thread(
                target=run_scheduler, args=(runtime, stop), name="scheduler", daemon=True
            ).start()

    start_scheduler()  # after the demo (above): no plan is made of an empty store
    settle(settings.gc_young)  # what the process has built kept out of the collector's sight
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        if worker is not None:
            worker.stop()


def _demo_on_first_start(runtime: Runtime, base: str) -> None:
    from .demo.push import DemoError
    from .demo.runner import DemoOptions, demo_admin_token, has_projects, load_demo

    options = DemoOptions()
    if has_projects(runtime):
        click.echo("  库中已有数据：直接使用（演示数据只载入空库）")
    else:
        click.echo(
            f"  正在按模拟时钟载入演示活动（{options.projects}个项目，{options.year}年，"
            "各事件按送达办公室的日期记录）…"
        )
        try:
            loaded = load_demo(runtime, None, options, lambda line: click.echo(f"    {line}"))
        except DemoError as exc:
            click.echo(f"  未载入演示数据：{exc}")
            return
        click.echo(f"  演示数据已载入：接收事件{loaded.accepted}个，拒收{len(loaded.rejected)}个")
    token_file = runtime.settings.data_dir / "demo-admin.token"
    demo_admin_token(runtime, token_file)
    click.echo(_examples(base, token_file, options.year))


def _examples(base: str, token_file: Path, year: int) -> str:
    auth = '-H "Authorization: Bearer $TOKEN"'
    return f"""
试用（演示用管理员令牌保存在 {token_file}）：
  TOKEN=$(cat {token_file})
  curl -s {auth} '{base}/v1/board'
  curl -s {auth} -X POST -H 'Content-Type: application/json' -d '{{"cadence": "monthly", "period": "{year}-12"}}' {base}/v1/plans
  curl -s {auth} '{base}/v1/plans/monthly/{year}-12/agenda.md'
  curl -s {auth} -X POST -H 'Content-Type: application/json' -d '{{"year": {year}}}' {base}/v1/assessments
  curl -s {auth} '{base}/v1/projects/XM{year}001?as_of={year}-04-30&known_at={year}-05-10'
  curl -s {auth} '{base}/v1/projects/XM{year}001?as_of={year}-04-30'
  curl -s {auth} '{base}/v1/projects/XM{year}001/diff?from={year}-06-30&to={year}-12-31'
  curl -s {auth} {base}/v1/chain
  .venv/bin/gongjian verify
"""


@main.command()
@click.option(
    "--projects",
    default=29,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="生成的重点项目个数。",
)
@click.option(
    "--year",
    default=None,
    type=click.IntRange(2000, 2100),
    help="攻坚年度（默认：攻坚年所在时区的今年）。",
)
@click.option(
    "--seed", default=2024, show_default=True, type=int, help="种子相同，生成的攻坚年相同。"
)
@click.option(
    "--url",
    default=None,
    help="通过 HTTP 推送到的运行中服务器（按其时钟记录为现在）；默认：在本进程中按模拟时钟"
    "演示全年，每个事件在送达办公室的那天记录。",
)
@click.pass_obj
def demo(obj: CliContext, projects: int, year: int | None, seed: int, url: str | None) -> None:
    """生成一个攻坚年并载入：按模拟时钟（来源 demo-simulated），或用 --url 经服务器的
    HTTP 接口（签名推送）载入。"""
    from .demo.push import DemoError
    from .demo.runner import DemoOptions, load_demo

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    options = DemoOptions(projects, year or DemoOptions().year, seed)
    try:
        loaded = load_demo(obj.runtime(), url, options, click.echo)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"登记项目{loaded.projects}个，接收事件{loaded.accepted}个，"
        f"重复{loaded.duplicates}个，拒收{len(loaded.rejected)}个"
    )
    if url is not None:
        click.echo(
            f"第一批事件知情时点 {loaded.first_wave_known_at.isoformat()}（可作 known_at 使用）"
        )
    else:
        click.echo(f"模拟时钟停在 {loaded.first_wave_known_at.isoformat()}（最后送达的事件）")
    for rejection in loaded.rejected[:5]:
        click.echo(f"  拒收：{rejection}")


@main.command()
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="离线核验导出的 NDJSON 日志，而不是数据库。",
)
@click.option(
    "--checkpoint",
    "held",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="您保存的签名检查点（JSON）：日志必须仍然经过它。",
)
@click.option(
    "--public-keys",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="受信任的公钥，每行一个 `ed25519 <base64>`（在已配置的公钥之外）。",
)
@click.pass_obj
def verify(obj: CliContext, path: Path | None, held: Path | None, public_keys: Path | None) -> None:
    """核验哈希链和签名检查点；有任何不符时以 1 退出，并指出第一个出错的位置。"""
    from shared.checkpointing import keyring
    from shared.eventstore.audit import verify_log

    try:
        ring = keyring(obj.settings, public_keys)
        checkpoints = [_read_checkpoint(held)] if held is not None else []
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    if path is not None:
        result = verify_export(path, ring, held=checkpoints)
    else:
        result = verify_log(obj.runtime().store, ring, held=checkpoints)
    click.echo(result.describe())
    if not result.ok:
        sys.exit(1)


def _read_checkpoint(path: Path) -> SignedCheckpoint:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}：不是签名检查点 JSON") from exc
    if isinstance(data, dict) and "checkpoint" in data:
        data = data["checkpoint"]
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}：不是签名检查点")
    return SignedCheckpoint.from_dict(data)


@main.group(invoke_without_command=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="同时把签名检查点（JSON）写入此文件，供审计人员保存。",
)
@click.pass_context
def checkpoint(ctx: click.Context, out: Path | None) -> None:
    """用 Ed25519 私钥签署日志链头｛位置、链头哈希、事件数、时间｝。"""
    if ctx.invoked_subcommand is not None:
        return
    from shared.checkpointing import sign_head, signing_key

    obj: CliContext = ctx.obj
    try:
        key = signing_key(obj.settings, create=True)
        if key is None:
            raise CheckpointError(
                "没有签名私钥：请设置 GONGJIAN_CHECKPOINT_KEY 或 GONGJIAN_CHECKPOINT_KEY_FILE"
            )
        signed = sign_head(obj.runtime().store, key)
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    if out is not None:
        out.write_text(json.dumps(signed.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(
        f"已签名检查点：位置 {signed.position}，事件 {signed.count} 个，哈希 {signed.head_hash}，"
        f"密钥 {signed.key_id}"
    )


@checkpoint.command("public-key")
@click.pass_obj
def checkpoint_public_key(obj: CliContext) -> None:
    """打印签名私钥对应的公钥行，供审计人员和公钥文件使用。"""
    from shared.checkpointing import signing_key

    key = signing_key(obj.settings)
    if key is None:
        raise click.ClickException("没有签名私钥")
    click.echo(public_key_line(key.public))


@checkpoint.command("new-key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def checkpoint_new_key(path: Path) -> None:
    """把新的私钥写入此文件（用于轮换；见 docs/operations.md）。"""
    if path.exists():
        raise click.ClickException(f"{path} 已存在，不覆盖")
    key = SigningKey.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key.pem())
    click.echo(public_key_line(key.public))


@main.command("worker-health")
@click.option(
    "--max-age",
    default=MAX_AGE_SECONDS,
    show_default=True,
    type=float,
    help="距最近一次心跳超过多少秒，即认为后台任务进程已停止。",
)
def worker_health(max_age: float) -> None:
    """本容器的后台任务进程最近有心跳时以 0 退出（存活检查），否则以 1 退出。"""
    age = heartbeat_age()
    if age is None:
        click.echo(f"无心跳文件 {heartbeat_path()}：后台任务进程尚未启动", err=True)
        sys.exit(1)
    if age > max_age:
        click.echo(f"最近一次心跳在{age:.0f}秒前（上限{max_age:g}秒）", err=True)
        sys.exit(1)
    click.echo(f"后台任务进程正常：最近一次心跳在{age:.1f}秒前")


@main.group()
def token() -> None:
    """API 访问令牌（Bearer）。"""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=Codes("role", TOKEN_ROLES),
)
@click.option("--name", required=True, help="持有人；记为每次写入的操作者。")
@click.option(
    "--unit",
    default=None,
    help="用于 --role unit：代表的承办单位（默认：持有人名称）。",
)
@click.option(
    "--tenant",
    default=None,
    help="代表的县、市或省（GONGJIAN_TENANTS）；默认：默认县。",
)
@click.pass_obj
def token_create(
    obj: CliContext, role: str, name: str, unit: str | None, tenant: str | None
) -> None:
    """创建令牌并只打印一次（只保存其哈希）。"""
    if unit and role != "unit":
        raise click.ClickException("--unit 只用于 --role unit")
    source = f"unit:{unit or name}" if role == "unit" else None
    runtime = obj.runtime()
    try:
        code = runtime.settings.tenancy.tenant(tenant).code
        click.echo(runtime.tokens.create(name, role, source, tenant=code))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@token.command("list")
@click.pass_obj
def token_list(obj: CliContext) -> None:
    """每个令牌的持有人、角色和日期，每行一个 JSON 对象（从不显示令牌本身）。"""
    for row in obj.runtime().tokens.list():
        click.echo(json.dumps(row, ensure_ascii=False, default=str))


@token.command("revoke")
@click.option("--name", required=True, help="令牌持有人，与列表中一致。")
@click.pass_obj
def token_revoke(obj: CliContext, name: str) -> None:
    """吊销令牌：从下一个请求起失效；记为 TokenRevoked 事件。"""
    from shared.auth.administration import revoke_token
    from shared.commandline import operator

    runtime = obj.runtime()
    if not revoke_token(runtime.store, runtime.tokens, name, operator()):
        raise click.ClickException(f"没有名为 {name} 的有效令牌")
    click.echo(f"令牌 {name} 已吊销")


@main.command("replica-status")
@click.pass_obj
def replica_status(obj: CliContext) -> None:
    """只读副本是否应答、落后多少；查询会改由主库答复时（未配置副本、无法连接或落后太多）
    以 1 退出。"""
    replica = obj.runtime().replica
    if replica is None:
        click.echo("未配置只读副本（GONGJIAN_REPLICA_URL）：查询均由主库答复", err=True)
        sys.exit(1)
    route = replica.route()
    status = route.status
    if status is None:
        click.echo("只读副本无法连接：查询改由主库答复", err=True)
        sys.exit(1)
    replayed = format_instant(status.replayed_at) if status.replayed_at else "（启动后尚无）"
    click.echo(
        f"只读副本：已回放至全局位置 {status.position}，主库提交时间 {replayed}，"
        f"落后 {status.lag_seconds:.3f} 秒（上限 {replica.max_lag_seconds:g} 秒）"
    )
    if route.served_by != "replica":
        click.echo("落后超过上限：查询改由主库答复", err=True)
        sys.exit(1)


main.add_command(user_cli)

for _service_cli in (registry_cli, scheduling_cli, scoring_cli):
    for _command in _service_cli.commands():
        main.add_command(_command)
speak_chinese(main)  # after every command is added: click's own words in Chinese


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
