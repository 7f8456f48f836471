"""Dispatcher: `python -m bench` runs every benchmark, `python -m bench NAME [args]` one.

`--reports N` (or JIXIAO_BENCH_REPORTS=N) sets the size of the synthetic corpus the ingest and
site benchmarks use (default 100000): `python -m bench --reports 2000` is a quick run."""
from __future__ import annotations

import importlib
import os
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


def _reports_option(argv: list[str]) -> list[str]:
    """`--reports N` anywhere sets JIXIAO_BENCH_REPORTS (the corpus size of the ingest and
    site benchmarks) and is taken out of the arguments the other benchmarks see."""
    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--reports" and i + 1 < len(argv):
            os.environ["JIXIAO_BENCH_REPORTS"] = argv[i + 1]
            i += 2
            continue
        if a.startswith("--reports="):
            os.environ["JIXIAO_BENCH_REPORTS"] = a.split("=", 1)[1]
        else:
            out.append(a)
        i += 1
    return out


def main(argv: list[str]) -> int:
    argv = _reports_option(argv)
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
