#!/bin/sh
# The image's entry point: one role per container.
#
#   registry | scheduling | scoring   an HTTP service under gunicorn (deploy/gunicorn.conf.py)
#   console                           the web console for people, under gunicorn too
#   worker                            dramatiq workers for every service's actors
#   scheduler                         `gongjian scheduler`: the dispatch timer
#   migrate                           `gongjian db upgrade`, then exit (a one-shot job)
#   healthcheck                       the image's HEALTHCHECK: asks the running role
#   anything else                     run as a command (`gongjian verify`, `sh`, ...)
#
# The role comes from the first argument, or GONGJIAN_ROLE when there is none.
set -eu

role="${1:-${GONGJIAN_ROLE:-}}"
[ $# -gt 0 ] && shift

state_dir="${GONGJIAN_STATE_DIR:-/tmp/gongjian}"

remember_role() {
    # HEALTHCHECK runs as a separate process that sees the image's environment only.
    mkdir -p "$state_dir"
    printf '%s\n' "$1" > "$state_dir/role"
}

case "$role" in
registry | scheduling | scoring | console)
    remember_role "$role"
    export GONGJIAN_SERVICE="$role"
    # Request metrics are summed over gunicorn's processes through these files; a
    # restart must not add the previous run's counts.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$state_dir/metrics}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    exec gunicorn --config "${GONGJIAN_GUNICORN_CONFIG:-/etc/gongjian/gunicorn.conf.py}" \
        "$@" 'services.wsgi:create_app()'
    ;;
worker)
    remember_role worker
    # The shutdown timeout stays below the orchestrator's grace period (60 s in
    # compose.yaml and the Kubernetes manifests): messages still running are requeued.
    # dramatiq's main process heeds no signal until its workers have booted or the fork
    # timeout has passed; a worker may wait minutes for Redis, so keep that short.
    # services.worker_main: dramatiq's command line with JSON logs in every process.
    exec python -m services.worker_main services.worker \
        --processes "${GONGJIAN_WORKER_PROCESSES:-1}" \
        --threads "${GONGJIAN_WORKER_THREADS:-4}" \
        --worker-shutdown-timeout "${GONGJIAN_WORKER_SHUTDOWN_TIMEOUT_MS:-45000}" \
        --worker-fork-timeout 5000 \
        "$@"
    ;;
scheduler)
    remember_role scheduler
    exec gongjian scheduler "$@"
    ;;
migrate)
    remember_role migrate
    exec gongjian db upgrade "$@"
    ;;
healthcheck)
    running="$(cat "$state_dir/role" 2>/dev/null || true)"
    case "$running" in
    registry | scheduling | scoring | console)
        exec python -c '
import os, sys, urllib.request
port = os.environ.get("GONGJIAN_PORT") or "8000"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=4) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except Exception as exc:
    print(f"not ready: {exc}", file=sys.stderr)
    sys.exit(1)
'
        ;;
    worker) exec gongjian worker-health ;;
    *) exit 0 ;; # scheduler, migrate: the process itself is the check
    esac
    ;;
"")
    echo "gongjian-entrypoint: name a role: registry, scheduling, scoring, console, worker, scheduler, migrate" >&2
    exit 64
    ;;
*)
    exec "$role" "$@"
    ;;
esac
