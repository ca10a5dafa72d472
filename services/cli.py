"""``gongjian``: the one command-line tool. Errors are one line on stderr, exit 1."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from pathlib import Path

import click

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
    """Turns infrastructure failures into the one-line error every command promises."""

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
    """Gongjian (攻坚): key-project campaign registry, dispatch and year-end scoring."""
    ctx.obj = CliContext()
    ctx.call_on_close(ctx.obj.close)


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the head of every branch (safe to run twice)."""
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
    help="Partitions to keep made ahead of the head.",
)
@click.pass_obj
def db_partitions(obj: CliContext, ahead: int) -> None:
    """List the events table's partitions (PostgreSQL) and make those ahead of the head
    (the store makes one ahead itself; for a maintenance window or a bulk load)."""
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
@click.option("--host", default=None, help="Defaults to GONGJIAN_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Defaults to GONGJIAN_PORT (8000).")
@click.option("--no-migrate", is_flag=True, help="Do not migrate before serving.")
@click.option(
    "--demo", is_flag=True, help="Load the demo campaign if the store has no projects yet."
)
@click.pass_obj
def serve(
    obj: CliContext, host: str | None, port: int | None, no_migrate: bool, demo: bool
) -> None:
    """Serve all three services in one process (the embedded default)."""
    from werkzeug.serving import make_server

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
@click.option("--projects", default=29, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--year",
    default=None,
    type=click.IntRange(2000, 2100),
    help="The campaign year (default: this year in the campaign's zone).",
)
@click.option("--seed", default=2024, show_default=True, type=int, help="Same seed, same campaign.")
@click.option(
    "--url",
    default=None,
    help="A running server to push to over HTTP (recorded on its clock, now); default: play "
    "the year in this process on a simulated clock, each event on the day it reaches the office.",
)
@click.pass_obj
def demo(obj: CliContext, projects: int, year: int | None, seed: int, url: str | None) -> None:
    """Generate a campaign year and load it: on a simulated clock (source demo-simulated),
    or through a server's HTTP API (signed ingest) with --url."""
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
    help="Verify an exported NDJSON log offline instead of the database.",
)
@click.option(
    "--checkpoint",
    "held",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signed checkpoint you kept (JSON): the log must still pass through it.",
)
@click.option(
    "--public-keys",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted public keys, one `ed25519 <base64>` a line (besides the configured ones).",
)
@click.pass_obj
def verify(obj: CliContext, path: Path | None, held: Path | None, public_keys: Path | None) -> None:
    """Verify the hash chain and the signed checkpoints; exits 1 and names the first bad
    position if anything fails."""
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
        raise CheckpointError(f"{path}: 不是签名检查点 JSON (not JSON: {exc})") from exc
    if isinstance(data, dict) and "checkpoint" in data:
        data = data["checkpoint"]
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: 不是签名检查点 (not a signed checkpoint)")
    return SignedCheckpoint.from_dict(data)


@main.group(invoke_without_command=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the signed checkpoint (JSON) to this file, for an auditor to keep.",
)
@click.pass_context
def checkpoint(ctx: click.Context, out: Path | None) -> None:
    """Sign the head of the log {position, head hash, count, time} with the Ed25519 key."""
    if ctx.invoked_subcommand is not None:
        return
    from shared.checkpointing import sign_head, signing_key

    obj: CliContext = ctx.obj
    try:
        key = signing_key(obj.settings, create=True)
        if key is None:
            raise CheckpointError(
                "没有签名私钥：设置 GONGJIAN_CHECKPOINT_KEY 或 GONGJIAN_CHECKPOINT_KEY_FILE"
                " (no signing key configured)"
            )
        signed = sign_head(obj.runtime().store, key)
    except CheckpointError as exc:
        raise click.ClickException(str(exc)) from exc
    if out is not None:
        out.write_text(json.dumps(signed.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(
        f"已签名检查点：位置 {signed.position}，事件 {signed.count} 个，哈希 {signed.head_hash}，"
        f"密钥 {signed.key_id}（signed checkpoint）"
    )


@checkpoint.command("public-key")
@click.pass_obj
def checkpoint_public_key(obj: CliContext) -> None:
    """Print the signing key's public line, for auditors and the public-keys file."""
    from shared.checkpointing import signing_key

    key = signing_key(obj.settings)
    if key is None:
        raise click.ClickException("没有签名私钥 (no signing key configured)")
    click.echo(public_key_line(key.public))


@checkpoint.command("new-key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def checkpoint_new_key(path: Path) -> None:
    """Write a new private key to PATH (for rotation; see docs/operations.md)."""
    if path.exists():
        raise click.ClickException(f"{path} 已存在，不覆盖 (exists; not overwritten)")
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
    help="Seconds since the last heartbeat after which the worker counts as dead.",
)
def worker_health(max_age: float) -> None:
    """Exit 0 when this container's worker beat recently (its liveness check), else 1."""
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
    """API bearer tokens."""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "office", "integration", "auditor", "viewer", "unit"]),
)
@click.option("--name", required=True, help="Who holds it; recorded as the actor of every write.")
@click.option(
    "--unit",
    default=None,
    help="For --role unit: the responsible unit it acts for (default: the name).",
)
@click.option(
    "--tenant",
    default=None,
    help="The county, city or province it acts for (GONGJIAN_TENANTS); default: the default county.",
)
@click.pass_obj
def token_create(
    obj: CliContext, role: str, name: str, unit: str | None, tenant: str | None
) -> None:
    """Create a token and print it once (only its hash is kept)."""
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
    """Every token's holder, role and dates, one JSON object a line (never the token)."""
    for row in obj.runtime().tokens.list():
        click.echo(json.dumps(row, ensure_ascii=False, default=str))


@token.command("revoke")
@click.option("--name", required=True, help="The token's holder, as listed.")
@click.pass_obj
def token_revoke(obj: CliContext, name: str) -> None:
    """Revoke a token: it fails from the next request on; recorded as TokenRevoked."""
    from shared.auth.administration import revoke_token
    from shared.commandline import operator

    runtime = obj.runtime()
    if not revoke_token(runtime.store, runtime.tokens, name, operator()):
        raise click.ClickException(f"没有名为 {name} 的有效令牌")
    click.echo(f"令牌 {name} 已吊销")


@main.command("replica-status")
@click.pass_obj
def replica_status(obj: CliContext) -> None:
    """Whether the read replica answers and how far it is; exit 1 when reads would go to
    the primary (no replica configured, unreachable, or lagging too far)."""
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


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
