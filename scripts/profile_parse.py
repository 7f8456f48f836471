#!/usr/bin/env python3
"""CPU time of the pure parse (`ingest.pipeline.parse_bytes`) per document over a folder.

    python3 scripts/profile_parse.py FOLDER_OR_FILE... [--limit N] [--repeat R]
    python3 scripts/profile_parse.py FOLDER --profile [--sort tottime] [--top 40] [--out parse.prof]

All files are read into memory first, and one untimed warm-up parse loads what the first
call loads (the gazetteer, OpenCC, compiled patterns), so the numbers are the steady cost
of a document. Time is process CPU time (`time.process_time`), not wall time, so other
work on the machine disturbs it little. It prints the mean and median ms per document,
the slowest files, and with --profile a cProfile table (sorted by tottime and cumtime
unless --sort is given). With --repeat the whole set is parsed R times, each pass in
a forked copy of the warmed-up process (so no pass finds the values an earlier pass
left in the lru caches), and each document counts with its fastest parse, which
steadies the figure on a busy machine.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.pipeline import collect, parse_bytes  # noqa: E402


def load_files(paths: list[str], limit: int | None) -> list[tuple[str, bytes]]:
    files = collect([Path(p) for p in paths])
    if limit:
        files = files[:limit]
    return [(name, path.read_bytes()) for path, name in files]


def timed_pass(files: list[tuple[str, bytes]]) -> list[float]:
    """CPU seconds of each parse, in file order."""
    clock = time.process_time
    out = []
    for name, data in files:
        t = clock()
        parse_bytes(data, name)
        out.append(clock() - t)
    return out


def fresh_pass(files: list[tuple[str, bytes]]) -> list[float]:
    """A timed pass in a forked copy of this process, so that every pass starts with
    the caches as the warm-up left them (a second pass in one process would find
    the first pass's values in the lru caches: not what an ingest sees)."""
    if not hasattr(os, "fork"):
        return timed_pass(files)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:   # the child: time, report, leave
        os.close(read)
        try:
            with os.fdopen(write, "w") as out:
                json.dump(timed_pass(files), out)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as inp:
        times = json.load(inp)
    os.waitpid(pid, 0)
    return times


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="+")
    p.add_argument("--limit", type=int, help="only the first N files")
    p.add_argument("--repeat", type=int, default=1, help="passes over the files; each document's fastest parse counts")
    p.add_argument("--profile", action="store_true", help="print a cProfile table of one pass")
    p.add_argument("--sort", action="append", help="pstats sort key (default: tottime and cumtime)")
    p.add_argument("--top", type=int, default=35, help="rows of each profile table")
    p.add_argument("--out", help="write the raw profile here (for snakeviz, pstats)")
    p.add_argument("--slowest", type=int, default=5, help="slowest files to list")
    args = p.parse_args(argv)

    files = load_files(args.paths, args.limit)
    if not files:
        print("no files", file=sys.stderr)
        return 1
    t = time.process_time()
    parse_bytes(files[0][1], files[0][0])         # warm-up: gazetteer, OpenCC, patterns
    warm = time.process_time() - t

    gc.collect()
    passes = [fresh_pass(files) for _ in range(max(1, args.repeat))]
    # each document's fastest parse: what it costs when nothing else disturbs the
    # machine (other work on shared cores slows single passes unevenly)
    best = [min(ts) for ts in zip(*passes)]
    n = len(best)
    total = sum(best)
    print(f"{n} documents, {sum(len(d) for _, d in files) / n / 1024:.1f} KiB each on average")
    print(f"first call (warm-up) {warm * 1000:.1f} ms")
    print(f"parse_bytes: {total * 1000 / n:.2f} ms/doc mean, "
          f"{statistics.median(best) * 1000:.2f} ms median, "
          f"{n / total if total else float('inf'):.0f} docs/s per core (CPU time)")
    if args.slowest:
        slow = sorted(zip(best, (name for name, _ in files)), reverse=True)[:args.slowest]
        print("slowest: " + ", ".join(f"{name} {s * 1000:.1f} ms" for s, name in slow))

    if args.profile or args.out:
        prof = cProfile.Profile()
        prof.enable()
        for name, data in files:
            parse_bytes(data, name)
        prof.disable()
        if args.out:
            prof.dump_stats(args.out)
        if args.profile:
            stats = pstats.Stats(prof)
            stats.strip_dirs()
            for key in args.sort or ["tottime", "cumulative"]:
                print(f"\n---- sorted by {key} ----")
                stats.sort_stats(key).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
