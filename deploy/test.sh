#!/usr/bin/env bash
# `make deploy-test`: build the image offline, run the compose stack in containers on this
# machine's PostgreSQL and Redis, smoke-test it, tear everything down; prints PASS or FAIL
# and how long it took. Takes a few minutes; not part of `make test`.
#
# It follows /work/shared/CONTAINERS.md: no image registry (the base image is made with
# debootstrap and cached), host networking only (every container talks over 127.0.0.1),
# and its own Docker engine when none is reachable (stopped again at the end).
#
# What it creates, and removes at the end: a PostgreSQL database gj_deploy_<id>, Redis
# keys under the namespace gj-deploy-<id> (in DB 4 by default), the compose project's
# containers, the test image tag, a temporary directory.
#
# Settings (environment):
#   GONGJIAN_TEST_POSTGRES_URL   server URL to create the test database on
#                                (default postgresql://postgres@127.0.0.1:5432/postgres)
#   GONGJIAN_DEPLOY_REDIS_URL    Redis URL and DB (default redis://127.0.0.1:6379/4)
#   GONGJIAN_DEPLOY_BASE_IMAGE   base image (default local/bookworm-python:1, made here)
#   GONGJIAN_DEPLOY_PORTS        four ports for registry, scheduling, scoring, console
#                                (default "18401 18402 18403 18404")
#   GONGJIAN_DEPLOY_CACHE        where the base image tarball is cached
#                                (default ~/.cache/gongjian-deploy)
#   GONGJIAN_DEPLOY_KEEP=1       leave the stack running after the test (for debugging)
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
STARTED=$(date +%s)
ID="$(date +%H%M%S)$$"
WORK="$(mktemp -d /tmp/gongjian-deploy-test.XXXXXX)"
PROJECT="gjdeploy${ID}"
IMAGE="gongjian:deploy-test-${ID}"
BASE_IMAGE="${GONGJIAN_DEPLOY_BASE_IMAGE:-local/bookworm-python:1}"
PG_SERVER="${GONGJIAN_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
REDIS_URL="${GONGJIAN_DEPLOY_REDIS_URL:-redis://127.0.0.1:6379/4}"
REDIS_NAMESPACE="gj-deploy-${ID}"
TEST_DB="gj_deploy_${ID}"
read -r REGISTRY_PORT SCHEDULING_PORT SCORING_PORT CONSOLE_PORT \
    <<<"${GONGJIAN_DEPLOY_PORTS:-18401 18402 18403 18404}"
CONSOLE_PORT="${CONSOLE_PORT:-$((SCORING_PORT + 1))}"
CACHE="${GONGJIAN_DEPLOY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gongjian-deploy}"
PY="${ROOT}/.venv/bin/python"
[ -x "$PY" ] || PY=python3

OWN_DOCKERD=""
DB_CREATED=""
STACK_UP=""
RESULT="FAIL"

say() { printf '[deploy-test %4ss] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
die() { say "error: $*"; exit 1; }

compose() {
    if command -v docker-compose >/dev/null 2>&1; then
        docker-compose -p "$PROJECT" "$@"
    else
        docker compose -p "$PROJECT" "$@"
    fi
}

teardown() {
    if [ -n "$STACK_UP" ]; then
        compose -f "$WORK/compose.yaml" down --volumes --remove-orphans --timeout 30 >/dev/null 2>&1
    fi
    docker image rm "$IMAGE" >/dev/null 2>&1
    if [ -n "$DB_CREATED" ]; then
        "$PY" - "$PG_SERVER" "$TEST_DB" 2>/dev/null <<'EOF' || say "could not drop the test database $TEST_DB"
import sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
server = make_url(sys.argv[1]).set(drivername="postgresql+psycopg")
with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
EOF
        "$PY" - "$REDIS_URL" "$REDIS_NAMESPACE" 2>/dev/null <<'EOF' || say "could not delete the Redis keys $REDIS_NAMESPACE:*"
import sys, redis
client = redis.Redis.from_url(sys.argv[1])
keys = list(client.scan_iter(match=sys.argv[2] + ":*", count=1000))
if keys:
    client.delete(*keys)
EOF
    fi
    if [ -n "$OWN_DOCKERD" ]; then
        kill "$(cat "$WORK/docker/dk.pid")" 2>/dev/null
        for _ in $(seq 1 30); do [ -e "$WORK/docker/dk.pid" ] || break; sleep 1; done
        # The engine's data root holds root-owned image layers; unmount leftovers first.
        grep -o "$WORK/docker[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount 2>/dev/null
    fi
    rm -rf "$WORK"
}

cleanup() {
    local status=$?
    if [ -n "$STACK_UP" ] && [ "$RESULT" != "PASS" ]; then
        say "logs of the stack (last lines):"
        compose -f "$WORK/compose.yaml" logs --no-color --tail=40 2>&1 | sed 's/^/    /'
    fi
    if [ "${GONGJIAN_DEPLOY_KEEP:-}" = "1" ]; then
        say "GONGJIAN_DEPLOY_KEEP=1: everything stays (compose -p $PROJECT -f $WORK/compose.yaml,"
        say "  DOCKER_HOST=${DOCKER_HOST:-default}, database $TEST_DB): remove it by hand"
    else
        teardown
    fi
    local elapsed=$(($(date +%s) - STARTED))
    if [ "$RESULT" = "PASS" ] && [ "$status" -eq 0 ]; then
        echo "deploy-test: PASS (${elapsed} s)"
    else
        echo "deploy-test: FAIL (${elapsed} s)"
        exit 1
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. a Docker engine ------------------------------------------------------------------
ensure_docker() {
    if docker info >/dev/null 2>&1; then
        say "using the Docker engine at ${DOCKER_HOST:-the default socket}"
        return
    fi
    command -v dockerd >/dev/null || die "no Docker engine: apt-get install -y docker.io docker-compose debootstrap"
    local d="$WORK/docker"
    mkdir -p "$d"
    say "starting a Docker engine of our own (no bridge, no iptables) in $d"
    dockerd --host "unix://$d/dk.sock" --data-root "$d/data" --exec-root "$d/exec" \
        --pidfile "$d/dk.pid" --bridge=none --iptables=false >"$d/dockerd.log" 2>&1 &
    OWN_DOCKERD=1
    export DOCKER_HOST="unix://$d/dk.sock"
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return; sleep 0.5; done
    tail -20 "$d/dockerd.log"
    die "the Docker engine did not start"
}

# --- 2. the base image (no registry here: debootstrap, cached as a tarball) -------------
debian_mirror() {
    local uri
    uri=$(grep -h -m1 -E '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}')
    [ -n "$uri" ] || uri=$(grep -h -m1 -E '^deb .*/debian/? ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}')
    echo "${uri:-http://deb.debian.org/debian}"
}

ensure_base_image() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        say "base image $BASE_IMAGE present"
        return
    fi
    [ "$BASE_IMAGE" = "local/bookworm-python:1" ] || die "base image $BASE_IMAGE is not present and cannot be pulled here"
    local tarball="$CACHE/bookworm-python.tar"
    if [ ! -s "$tarball" ]; then
        command -v debootstrap >/dev/null || die "debootstrap is needed to make the base image"
        say "making the base image with debootstrap from $(debian_mirror) (about a minute)"
        mkdir -p "$CACHE"
        debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
            bookworm "$WORK/rootfs" "$(debian_mirror)" >"$WORK/debootstrap.log" 2>&1 \
            || { tail -20 "$WORK/debootstrap.log"; die "debootstrap failed"; }
        tar -C "$WORK/rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
        rm -rf "$WORK/rootfs"
    fi
    docker import "$tarball" "$BASE_IMAGE" >/dev/null || die "docker import failed"
    say "base image $BASE_IMAGE imported from $tarball"
}

# --- 3. the wheelhouse and the image (built with no network at all) ----------------------
build_wheelhouse() {
    say "building the wheelhouse (pip wheel -w wheelhouse .)"
    "$PY" -m pip wheel --quiet --disable-pip-version-check -w wheelhouse . 2>&1 \
        | grep -v '^WARNING: Location' || true
    # Wheels resolved by the host's Python may miss a dependency that the image's Python
    # needs (a marker such as python_full_version < "3.11.3"): ask the image's own pip,
    # offline, and add what it misses.
    local attempt missing
    for attempt in 1 2 3 4 5 6; do
        missing=$(docker run --rm --network none -v "$ROOT/wheelhouse:/wheelhouse:ro" "$BASE_IMAGE" \
            sh -c 'python3 -m venv /tmp/v && /tmp/v/bin/pip install --quiet --dry-run --no-index \
                   --find-links /wheelhouse gongjian' 2>&1 \
            | sed -n 's/.*No matching distribution found for \(.*\)$/\1/p' | head -1)
        [ -z "$missing" ] && return
        say "the image's Python also needs: $missing"
        "$PY" -m pip wheel --quiet --disable-pip-version-check -w wheelhouse "${missing%%;*}" 2>&1 \
            | grep -v '^WARNING: Location' || true
    done
    die "the wheelhouse stays incomplete for $BASE_IMAGE"
}

build_image() {
    say "building $IMAGE from deploy/Dockerfile on $BASE_IMAGE (--network none)"
    docker build --quiet --network none -f deploy/Dockerfile --build-arg "BASE_IMAGE=$BASE_IMAGE" \
        -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; die "docker build failed"; }
    docker run --rm --network none "$IMAGE" id -u | grep -qvx 0 || die "the image runs as root"
}

# --- 4. a database and a Redis namespace of the test's own ------------------------------
create_database() {
    "$PY" - "$PG_SERVER" "$TEST_DB" <<'EOF' || die "cannot create the test database on $PG_SERVER"
import sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
server = make_url(sys.argv[1]).set(drivername="postgresql+psycopg")
with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
    conn.execute(text(f'CREATE DATABASE "{sys.argv[2]}"'))
EOF
    DB_CREATED=1
    say "test database $TEST_DB, Redis namespace $REDIS_NAMESPACE on $REDIS_URL"
}

check_ports_free() {
    local port
    for port in "$REGISTRY_PORT" "$SCHEDULING_PORT" "$SCORING_PORT" "$CONSOLE_PORT"; do
        if "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
            die "port $port is in use; set GONGJIAN_DEPLOY_PORTS"
        fi
    done
}

# --- 5. the stack: compose.yaml + compose.test.yaml -------------------------------------
start_stack() {
    export GONGJIAN_IMAGE="$IMAGE" POSTGRES_PASSWORD="unused-by-the-test" POSTGRES_APP_PASSWORD="unused-by-the-test"
    export GONGJIAN_ENV_FILE="$WORK/test.env"
    export GONGJIAN_TEST_DATABASE_URL="${PG_SERVER%/*}/$TEST_DB"
    export GONGJIAN_TEST_REDIS_URL="$REDIS_URL" GONGJIAN_TEST_REDIS_NAMESPACE="$REDIS_NAMESPACE"
    export GONGJIAN_TEST_REGISTRY_PORT="$REGISTRY_PORT" GONGJIAN_TEST_SCHEDULING_PORT="$SCHEDULING_PORT"
    export GONGJIAN_TEST_SCORING_PORT="$SCORING_PORT" GONGJIAN_TEST_CONSOLE_PORT="$CONSOLE_PORT"
    # One checkpoint signing key for every container, as deploy/.env.example asks: without
    # it each container would sign with a key of its own that the others do not trust.
    GONGJIAN_CHECKPOINT_KEY=$("$PY" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
    export GONGJIAN_CHECKPOINT_KEY
    printf 'GONGJIAN_LOG_LEVEL=INFO\nGONGJIAN_TIMEZONE=Asia/Shanghai\n' >"$GONGJIAN_ENV_FILE"
    local without=()
    if ! docker run --rm --network none "$IMAGE" gongjian scheduler --help >/dev/null 2>&1; then
        say "SKIP: scheduler role (\`gongjian scheduler\` is not in this build)"
        without=(--without scheduler)
    fi
    compose -f deploy/compose.yaml -f deploy/compose.test.yaml config >"$WORK/merged.yaml" \
        || die "compose.yaml + compose.test.yaml do not merge"
    "$PY" deploy/compose_for_test.py "${without[@]}" <"$WORK/merged.yaml" >"$WORK/compose.yaml" \
        || die "cannot adapt the compose file for this machine"
    say "compose up: the migrate job, then the services and the worker"
    STACK_UP=1
    compose -f "$WORK/compose.yaml" up -d >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; die "compose up failed"; }
    local migrate
    migrate=$(docker ps -a --filter "label=com.docker.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=migrate" --format '{{.Names}}' | head -1)
    [ "$(docker inspect -f '{{.State.ExitCode}}' "$migrate")" = "0" ] || die "the migrate job failed"
    docker logs "$migrate" 2>&1 | grep -q "数据库已迁移到最新版本" || die "the migrate job said nothing of the head"
    say "PASS: migrate job exited 0 ($(docker logs "$migrate" 2>&1 | grep -m1 '数据库已迁移到最新版本'))"
    # An upgrade runs the job again: it must find nothing to do and exit 0.
    compose -f "$WORK/compose.yaml" run --rm --no-deps migrate >"$WORK/migrate-again.log" 2>&1 \
        || { cat "$WORK/migrate-again.log"; die "running the migrate job a second time failed"; }
    say "PASS: migrate job runs again harmlessly"
    wait_ready registry "$REGISTRY_PORT"
    wait_ready scheduling "$SCHEDULING_PORT"
    wait_ready scoring "$SCORING_PORT"
    wait_ready console "$CONSOLE_PORT"
}

wait_ready() {
    local name=$1 port=$2
    for _ in $(seq 1 120); do
        if "$PY" -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=2).status != 200)" 2>/dev/null; then
            say "$name ready on 127.0.0.1:$port"
            return
        fi
        sleep 0.5
    done
    die "$name did not become ready on port $port: $("$PY" -c "import urllib.request as u
try: u.urlopen('http://127.0.0.1:$port/readyz', timeout=5)
except Exception as e: print(getattr(e, 'read', lambda: str(e).encode())().decode())" 2>&1 | head -c 400)"
}

container_of() {
    docker ps --filter "label=com.docker.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -1
}

# --- 6. the smoke test -------------------------------------------------------------------
smoke() {
    local args=(
        --registry-url "http://127.0.0.1:$REGISTRY_PORT"
        --scheduling-url "http://127.0.0.1:$SCHEDULING_PORT"
        --scoring-url "http://127.0.0.1:$SCORING_PORT"
    )
    local role container
    for role in registry scheduling scoring worker scheduler; do
        container=$(container_of "$role")
        [ -n "$container" ] && args+=("--$role-container" "$container")
    done
    say "smoke test"
    "$PY" deploy/smoke.py "${args[@]}"
}

check_ports_free
ensure_docker
ensure_base_image
build_wheelhouse
build_image
create_database
start_stack
if smoke; then RESULT="PASS"; fi
