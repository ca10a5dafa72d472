"""The worker role's main process: dramatiq's command line, logging JSON like every other
process (dramatiq's own set-up writes text lines). ``python -m services.worker_main
services.worker [dramatiq options]``; the entrypoint's ``worker`` role runs it."""

from __future__ import annotations

import sys

from dramatiq.cli import main as dramatiq_main
from dramatiq.cli import make_argument_parser

from shared.config import Settings
from shared.logging import configure_logging


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    # Before dramatiq forks: its processes inherit this until services.worker sets up
    # their own (to the pipe dramatiq gives each process).
    configure_logging(settings.log_level, settings.log_format)
    given = sys.argv[1:] if argv is None else argv
    args = make_argument_parser().parse_args([*given, "--skip-logging"])
    return int(dramatiq_main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
