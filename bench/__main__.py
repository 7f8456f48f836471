"""Dispatcher: `python -m bench` runs every benchmark, `python -m bench NAME [args]` one."""
from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def available() -> list[str]:
    names = []
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "main", None)):
            names.append(info.name)
    return sorted(names)


def main(argv: list[str]) -> int:
    names = available()
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("benchmarks:", ", ".join(names))
        return 0
    if argv and not argv[0].startswith("-"):
        name, rest = argv[0], argv[1:]
        if name not in names:
            print(f"unknown benchmark {name!r}; available: {', '.join(names)}", file=sys.stderr)
            return 2
        return importlib.import_module(f"bench.{name}").main(rest)
    status = 0
    for name in names:
        print(f"== bench {name} ==", flush=True)
        status = importlib.import_module(f"bench.{name}").main(argv) or status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
