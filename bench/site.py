"""Site benchmark: page latency under concurrent clients at national size.

    python -m bench site [--reports N] [--seed S] [--clients 8] [--seconds 30] [--workers W]
                         [--setting NAME VALUE ...] [--db PATH]

N defaults to JIXIAO_BENCH_REPORTS, else 100000. The database comes from the ingest
benchmark (built first when missing: ``bench-cache/db-N-sS/jixiao.db``), or is the file
given with ``--db`` (never built or changed then; its inspect file is written next to it).

1. ``datasette inspect`` writes the inspect file once (table counts for the immutable
   database, so unfiltered table pages never count rows).
2. ``jixiao serve`` as ``make serve`` runs it (ingest/serve.py: the immutable database,
   the repository's metadata, plugins, templates and static files, the site's settings,
   one Datasette process per CPU unless ``--workers`` says otherwise) on 127.0.0.1 and
   a free port.
3. For each page kind — home ``/``, a department ``/departments/<id>``, a report
   ``/reports/<id>``, site search ``/search?q=…`` and a stock Datasette table page
   (``/jixiao/indicators?report_id=<id>``, a filtered table view) — 8 clients, one
   connection each, request it in a closed loop for 30 seconds; ids and queries are
   drawn from a fixed-seed sample so caches see many different pages. The load
   generator is Debian's ``wrk`` (``make bench-deps``; written in C, so it leaves the
   CPUs to the server) with a Lua script that picks the URLs and reports the latency
   percentiles; without wrk, an asyncio + httpx client in this process (which takes
   CPU from the server on a small machine: the report says which one ran). Any status
   other than 2xx/3xx, or a socket error or timeout, is an error.
4. Printed and written to BENCHMARKS.md: requests, requests/s, p50, p95, p99 and max
   latency, and errors per page. Target: p95 <= 100 ms on every page, zero errors.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.ingest import (ROOT, ensure_db, machine, machine_line, reports_wanted,
                          write_section)
from ingest import workers_or_default
from ingest.serve import running

TARGET_P95_MS = 100.0
SAMPLE = 200
QUERIES = ("信访", "预算执行率", "满意度", "三公经费", "公务接待费", "政府采购", "资金使用",
           "老旧小区改造", "学生资助", "高标准农田", "执法检查", "≥95%", "2020年", "绩效目标",
           "存在的主要问题", "改进措施", "农村公路", "低保", "疫苗接种率", "河道整治")


def datasette_bin() -> str:
    exe = Path(sys.executable).with_name("datasette")
    return str(exe) if exe.exists() else "datasette"


def inspect(db: Path) -> Path:
    path = db.with_name("inspect.json")
    if not path.exists() or path.stat().st_mtime < db.stat().st_mtime:
        subprocess.run([datasette_bin(), "inspect", str(db), "--inspect-file", str(path)],
                       check=True, cwd=ROOT)
    return path


def sample_urls(db: Path, seed: int) -> dict[str, list[str]]:
    """Pages to request: a fixed-seed sample of ids and queries per page kind."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    max_dept = conn.execute("SELECT max(id) FROM departments").fetchone()[0]
    max_report = conn.execute("SELECT max(id) FROM reports").fetchone()[0]
    depts = [rng.randint(1, max_dept) for _ in range(SAMPLE)]
    reports = [rng.randint(1, max_report) for _ in range(SAMPLE)]
    conn.close()
    name = db.stem
    return {
        "home /": ["/"],
        "department /departments/<id>": [f"/departments/{d}" for d in depts],
        "report /reports/<id>": [f"/reports/{r}" for r in reports],
        "search /search?q=…": [f"/search?q={urllib.parse.quote(q)}" for q in QUERIES],
        "table /jixiao/indicators?report_id=<id>": [f"/{name}/indicators?report_id={r}" for r in reports],
    }


WRK_SCRIPT = r"""
local urls = {}
for line in io.lines(os.getenv("JX_URLS")) do urls[#urls + 1] = line end
-- each wrk thread has its own Lua state: its own seed, so the threads request
-- different sequences of URLs
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
init = function(args)
  math.randomseed(tonumber(os.getenv("JX_SEED")) * 1000 + (id or 0))
end
request = function()
  return wrk.format("GET", urls[math.random(#urls)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JX_RESULT %d %d %.3f %.3f %.3f %.3f %.3f %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    latency.mean / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk_hammer(base: str, urls: list[str], clients: int, seconds: float, seed: int) -> dict:
    """`clients` connections of wrk (2 threads) on `urls` for `seconds`; latency in ms."""
    with tempfile.TemporaryDirectory(prefix="jx-wrk-") as tmp:
        script, listing = Path(tmp) / "urls.lua", Path(tmp) / "urls.txt"
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(urls) + "\n")
        out = subprocess.run(
            ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds:.0f}s",
             "--timeout", "30s", "-s", str(script), base],
            env={**os.environ, "JX_URLS": str(listing), "JX_SEED": str(seed)},
            capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"wrk failed ({out.returncode}): {out.stderr.strip()}")
        out = out.stdout
    line = next(x for x in out.splitlines() if x.startswith("JX_RESULT "))
    f = line.split()[1:]
    requests, micros = int(f[0]), int(f[1])
    p50, p95, p99, top, mean = (float(x) for x in f[2:7])
    connect, read, write, status, timeout = (int(x) for x in f[7:12])
    errors = connect + read + write + status + timeout
    samples = [f"{n} {k}" for k, n in (("connect", connect), ("read", read), ("write", write),
                                       ("non-2xx/3xx status", status), ("timeout", timeout)) if n]
    return {"requests": requests, "rps": requests / (micros / 1e6), "p50": p50, "p95": p95,
            "p99": p99, "max": top, "mean": mean, "errors": errors, "error_samples": samples}


async def hammer(base: str, urls: list[str], clients: int, seconds: float, seed: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    async def client_loop(k: int):
        rng = random.Random(seed * 1000 + k)
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            while time.monotonic() < deadline:
                url = rng.choice(urls)
                t = time.perf_counter()
                try:
                    r = await client.get(url)
                    await r.aread()
                    ok = r.status_code == 200
                    if not ok:
                        errors.append(f"{r.status_code} {url}")
                except httpx.HTTPError as e:
                    errors.append(f"{type(e).__name__} {url}")
                latencies.append((time.perf_counter() - t) * 1000)

    started = time.monotonic()
    await asyncio.gather(*(client_loop(k) for k in range(clients)))
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]

    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": pct(50),
            "p95": pct(95), "p99": pct(99), "max": latencies[-1] if latencies else float("nan"),
            "mean": statistics.fmean(latencies) if latencies else float("nan"),
            "errors": len(errors), "error_samples": errors[:5]}


def run(db: Path, clients: int, seconds: float, seed: int, workers: int,
        use_wrk: bool, settings: dict | None = None, only: list[str] | None = None) -> dict:
    inspect_file = inspect(db)
    # a database the ingest benchmark has just written may still be going to disk; the
    # writeback would be timed with the pages
    os.sync()
    drive = wrk_hammer if use_wrk else (lambda *args: asyncio.run(hammer(*args)))
    with running(db, inspect_file, workers=workers, settings=settings, timeout=180) as site:
        pages = sample_urls(db, seed)
        results = {}
        for page, urls in pages.items():
            if only and page.split()[0] not in only:
                continue
            print(f"site: {page} — {clients} clients for {seconds:.0f} s …", flush=True)
            drive(site.url, urls[:3], 2, min(3.0, seconds), seed)      # warm up
            results[page] = drive(site.url, urls, clients, seconds, seed)
        return results


def report(n: int, db: Path, clients: int, seconds: float, results: dict, m: dict,
           workers: int, use_wrk: bool, settings: dict | None = None) -> str:
    lines = [
        f"## Site: {n:,} reports, {clients} concurrent clients, {seconds:.0f} s per page",
        "",
        f"Machine: {machine_line(m)}. Database {db.stat().st_size / (1 << 30):,.2f} GiB"
        + (f" (`{db}`)" if not db.resolve().is_relative_to(ROOT.resolve()) else "") + ", "
        f"served immutable by `jixiao serve` ({workers} Datasette "
        f"process{'es' if workers > 1 else ''}, as `make serve` on this machine"
        + "".join(f", `--setting {k} {v}`" for k, v in (settings or {}).items()) + ") on "
        "127.0.0.1; load from "
        + ("`wrk` (2 threads)" if use_wrk else "an asyncio + httpx client (wrk not installed)")
        + " on the same machine.",
        "",
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | p95 ≤ 100 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for page, r in results.items():
        ok = r["p95"] <= TARGET_P95_MS and r["errors"] == 0
        lines.append(f"| {page} | {r['requests']:,} | {r['rps']:,.1f} | {r['p50']:,.1f} | "
                     f"{r['p95']:,.1f} | {r['p99']:,.1f} | {r['max']:,.0f} | {r['errors']} | "
                     f"{'✅' if ok else '❌'} |")
    errs = [(p, r["error_samples"]) for p, r in results.items() if r["error_samples"]]
    if errs:
        lines += ["", "Errors, e.g.: " + "; ".join(f"{p}: {', '.join(s)}" for p, s in errs)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench site", description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--setting", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="a Datasette setting for the server, as in `jixiao serve --setting`")
    ap.add_argument("--workers", type=int, default=None,
                    help="server processes (default: the number of CPUs, as make serve)")
    ap.add_argument("--db", type=Path, default=None,
                    help="serve this database instead of the benchmark's own (not rebuilt)")
    ap.add_argument("--pages", default="",
                    help="only these pages, comma-separated (home,department,report,search,"
                         "table); the figures are printed, BENCHMARKS.md is left as it is")
    args, _ = ap.parse_known_args(argv)
    if args.db is not None:
        db = args.db.resolve()
        if not db.exists():
            raise SystemExit(f"no database at {db}")
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        n = args.reports or conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        conn.close()
    else:
        n = reports_wanted(args.reports)
        db = ensure_db(n, args.seed)
    m = machine()
    workers = workers_or_default(args.workers)
    use_wrk = shutil.which("wrk") is not None
    only = [p.strip() for p in args.pages.split(",") if p.strip()]
    results = run(db, args.clients, args.seconds, args.seed, workers, use_wrk,
                  dict(args.setting), only)
    text = report(n, db, args.clients, args.seconds, results, m, workers, use_wrk,
                  dict(args.setting))
    print(text, flush=True)
    if not only:
        write_section(f"site-{n}", text)
    ok = all(r["p95"] <= TARGET_P95_MS and r["errors"] == 0 for r in results.values())
    (db.parent / "site.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
