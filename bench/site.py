"""Site benchmark: page latency under concurrent clients at national size.

    python -m bench site [--reports N] [--seed S] [--clients 8] [--seconds 30] [--db PATH]

N defaults to JIXIAO_BENCH_REPORTS, else 100000. The database comes from the ingest
benchmark (built first when missing: ``bench-cache/db-N-sS/jixiao.db``), or is the file
given with ``--db`` (never built or changed then; its inspect file is written next to it).

1. ``datasette inspect`` writes the inspect file once (table counts for the immutable
   database, so unfiltered table pages never count rows).
2. ``datasette serve -i`` with the repository's metadata, plugins, templates and static
   files, on 127.0.0.1 and a free port (as ``make serve``, same settings: SQL time limit
   3 s, no suggested facets).
3. For each page kind — home ``/``, a department ``/departments/<id>``, a report
   ``/reports/<id>``, site search ``/search?q=…`` and a stock Datasette table page
   (``/jixiao/indicators?report_id=<id>``, a filtered table view) — 8 clients (asyncio +
   httpx, one connection each) request it in a closed loop for 30 seconds; ids and
   queries are drawn from a fixed-seed sample so caches see many different pages. Every
   request is timed; any status other than 200, or a transport error, is an error.
4. Printed and written to BENCHMARKS.md: requests, requests/s, p50, p95, p99 and max
   latency, and errors per page. Target: p95 <= 100 ms on every page, zero errors.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.ingest import (ROOT, ensure_db, machine, machine_line, reports_wanted,
                          write_section)

TARGET_P95_MS = 100.0
SAMPLE = 200
QUERIES = ("信访", "预算执行率", "满意度", "三公经费", "公务接待费", "政府采购", "资金使用",
           "老旧小区改造", "学生资助", "高标准农田", "执法检查", "≥95%", "2020年", "绩效目标",
           "存在的主要问题", "改进措施", "农村公路", "低保", "疫苗接种率", "河道整治")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def datasette_bin() -> str:
    exe = Path(sys.executable).with_name("datasette")
    return str(exe) if exe.exists() else "datasette"


def inspect(db: Path) -> Path:
    path = db.with_name("inspect.json")
    if not path.exists() or path.stat().st_mtime < db.stat().st_mtime:
        subprocess.run([datasette_bin(), "inspect", str(db), "--inspect-file", str(path)],
                       check=True, cwd=ROOT)
    return path


def serve(db: Path, inspect_file: Path, port: int) -> subprocess.Popen:
    cmd = [datasette_bin(), "serve", "-i", str(db), "--inspect-file", str(inspect_file),
           "-m", "metadata.yml", "--plugins-dir", "plugins", "--template-dir", "site/templates",
           "--static", "static:site/static", "--setting", "sql_time_limit_ms", "3000",
           "--setting", "suggest_facets", "off", "-h", "127.0.0.1", "-p", str(port)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=30) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("datasette exited:\n" + proc.stderr.read().decode()[-3000:])
            try:
                r = await client.get(base + "/-/versions.json")
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit("datasette did not start")


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
        "search /search?q=…": [f"/search?q={q}" for q in QUERIES],
        "table /jixiao/indicators?report_id=<id>": [f"/{name}/indicators?report_id={r}" for r in reports],
    }


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


async def run(db: Path, clients: int, seconds: float, seed: int) -> dict:
    inspect_file = inspect(db)
    port = free_port()
    proc = serve(db, inspect_file, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, proc)
        pages = sample_urls(db, seed)
        results = {}
        for page, urls in pages.items():
            await hammer(base, urls[:3], 2, min(3.0, seconds), seed)   # warm up
            print(f"site: {page} — {clients} clients for {seconds:.0f} s …", flush=True)
            results[page] = await hammer(base, urls, clients, seconds, seed)
        return results
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(n: int, db: Path, clients: int, seconds: float, results: dict, m: dict) -> str:
    lines = [
        f"## Site: {n:,} reports, {clients} concurrent clients, {seconds:.0f} s per page",
        "",
        f"Machine: {machine_line(m)}. Database {db.stat().st_size / (1 << 30):,.2f} GiB"
        + (f" (`{db}`)" if not db.resolve().is_relative_to(ROOT.resolve()) else "") + ", "
        "served immutable (`datasette serve -i … --inspect-file …`) with the repository's "
        "metadata, plugins and templates on 127.0.0.1; clients on the same machine.",
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
    ap.add_argument("--db", type=Path, default=None,
                    help="serve this database instead of the benchmark's own (not rebuilt)")
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
    results = asyncio.run(run(db, args.clients, args.seconds, args.seed))
    text = report(n, db, args.clients, args.seconds, results, m)
    print(text, flush=True)
    write_section(f"site-{n}", text)
    ok = all(r["p95"] <= TARGET_P95_MS and r["errors"] == 0 for r in results.values())
    (db.parent / "site.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
