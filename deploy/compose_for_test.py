"""Turn the merged compose configuration into the one `make deploy-test` runs.

Reads ``docker-compose config`` output (compose.yaml + compose.test.yaml) on stdin and
writes YAML on stdout with what an override file cannot express removed:

- the ``postgres`` and ``redis`` services (the machine's own serve the test) and every
  ``depends_on`` entry that points at them; the migrate dependency stays, so compose
  itself still starts the services only after the migrate job has exited with 0;
- ``ports`` of services on the host's network (Docker refuses the two together);
- named volumes nothing uses any more;
- with ``--without NAME``, services that cannot run in this build (the scheduler before
  its command exists), and dependencies on them.

Usage: docker-compose -f compose.yaml -f compose.test.yaml config | python compose_for_test.py
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import yaml

REPLACED_BY_THE_HOST = ("postgres", "redis")


def for_test(config: dict[str, Any], without: tuple[str, ...] = ()) -> dict[str, Any]:
    dropped = set(REPLACED_BY_THE_HOST) | set(without)
    services = {
        name: dict(service)
        for name, service in config.get("services", {}).items()
        if name not in dropped
    }
    for service in services.values():
        if service.get("network_mode") != "host":
            raise SystemExit(f"every service must use the host's network here: {service}")
        service.pop("ports", None)
        depends = service.get("depends_on")
        if isinstance(depends, dict):
            depends = {k: v for k, v in depends.items() if k not in dropped}
        elif isinstance(depends, list):
            depends = [k for k in depends if k not in dropped]
        if depends:
            service["depends_on"] = depends
        else:
            service.pop("depends_on", None)
    used = {
        volume.get("source") if isinstance(volume, dict) else str(volume).split(":", 1)[0]
        for service in services.values()
        for volume in service.get("volumes", [])
    }
    result = {key: value for key, value in config.items() if key not in ("services", "volumes")}
    result["services"] = services
    volumes = {k: v for k, v in (config.get("volumes") or {}).items() if k in used}
    if volumes:
        result["volumes"] = volumes
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--without", action="append", default=[], help="a service to leave out")
    args = parser.parse_args()
    config = yaml.safe_load(sys.stdin)
    yaml.safe_dump(for_test(config, tuple(args.without)), sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
