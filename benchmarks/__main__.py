"""Run every benchmark module, or those named on the command line."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
from pathlib import Path

import benchmarks


def main(argv: list[str]) -> None:
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(Path(benchmarks.__file__).parent)])
        if m.name.startswith("bench_")
    )
    wanted = [a for a in argv if not a.startswith("-")] or names
    unknown = set(wanted) - set(names)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}")
    print(
        f"# machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"
    )
    for name in wanted:
        print(f"\n## {name}")
        importlib.import_module(f"benchmarks.bench_{name}").main(
            [a for a in argv if a.startswith("-")]
        )


if __name__ == "__main__":
    main(sys.argv[1:])
