"""Ingest benchmark: a national-size synthetic corpus, ingested and measured.

    python -m bench ingest [--reports N] [--seed S] [--workers W] [--fresh]

N defaults to the JIXIAO_BENCH_REPORTS environment variable, else 100000
(`JIXIAO_BENCH_REPORTS=2000 make bench` is a quick run).

1. Corpus (cached in ``bench-cache/synth-N-sS-vV/``, V the generator version): ``jixiao
   synth`` documents of every layout (see ingest/synth.py); generated once, timed.
2. Ingest into a fresh ``bench-cache/db-N-sS/jixiao.db`` in a child process (the real
   ``ingest_paths`` with W parsing workers, default the CPU count), while this process
   samples the memory of the child and its workers every second (/proc: the sum of their
   proportional set sizes, so pages a forked worker shares with its parent count once,
   and the largest resident set of a single process).
3. Printed and written to BENCHMARKS.md: documents per second end to end, the time of
   each step (parse+load, copied_text, flag summary, browse indexes, search index), peak
   memory of the process tree (sum of PSS) and of its largest process (RSS), database
   size, row counts, and the parsed/partial/failed split. Targets at 100,000 reports on 2
   cores: >= 300 documents/second, peak memory < 1 GiB.

The database is kept for the site benchmark (``python -m bench site``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ingest import workers_or_default

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench-cache"
BENCHMARKS = ROOT / "BENCHMARKS.md"
DEFAULT_REPORTS = 100_000
TARGET_RATE = 300.0
TARGET_MEMORY = 1 << 30

TABLES = ("documents", "reports", "departments", "regions", "finance_items", "indicators",
          "projects", "rubric_items", "goals", "tasks", "findings", "people", "sections",
          "petition_stats", "quality_flags")


def reports_wanted(value: int | None = None) -> int:
    if value:
        return value
    env = os.environ.get("JIXIAO_BENCH_REPORTS", "").replace("_", "").replace(",", "")
    return int(env) if env else DEFAULT_REPORTS


def corpus_dir(n: int, seed: int) -> Path:
    from ingest.synth import GENERATOR_VERSION
    return CACHE / f"synth-{n}-s{seed}-v{GENERATOR_VERSION}"


def db_path(n: int, seed: int) -> Path:
    return CACHE / f"db-{n}-s{seed}" / "jixiao.db"


def ensure_corpus(n: int, seed: int, fresh: bool = False) -> tuple[Path, float | None]:
    """The cached corpus (built when missing). Returns (folder, seconds spent building)."""
    from ingest.synth import write_corpus

    out = corpus_dir(n, seed)
    done = out / ".complete"
    if done.exists() and not fresh:
        return out, None
    if out.exists():
        shutil.rmtree(out)
    print(f"corpus: writing {n:,} synthetic reports to {out.relative_to(ROOT)} …", flush=True)
    started = time.monotonic()
    write_corpus(out, n, seed=seed)
    seconds = time.monotonic() - started
    done.write_text(json.dumps({"reports": n, "seed": seed, "seconds": seconds}))
    print(f"corpus: {n:,} documents in {seconds:.1f} s ({n / seconds:,.0f}/s)", flush=True)
    return out, seconds


# ---------------------------------------------------------------- memory of a process tree

def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return out


def _proc_kib(path: str, field: str) -> int | None:
    """A `field:  N kB` line of a /proc file, in bytes; None when absent or unreadable."""
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss(pid: int) -> int:
    return _proc_kib(f"/proc/{pid}/status", "VmRSS:") or 0


def _pss(pid: int) -> int | None:
    """Proportional set size: shared pages (a forked worker's copy-on-write pages, the
    shared libraries) counted once across the processes that share them."""
    return _proc_kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def tree_rss(pid: int) -> tuple[int, int]:
    """(memory of the process and its descendants — sum of PSS where the kernel reports
    it, else of RSS —, largest single RSS)."""
    total = largest = 0
    stack = [pid]
    seen = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        r = _rss(p)
        pss = _pss(p)
        total += pss if pss is not None else r
        largest = max(largest, r)
        stack.extend(_children(p))
    return total, largest


# Seconds between two samples of the process tree's memory. Reading smaps_rollup walks a
# process's page tables: about 9 ms of CPU per sample of the writer and its two workers
# during a 100,000-report ingest, so sampling every 0.2 s took 2 % of the machine from the
# run it measured. Memory grows slowly (the peak, while the browse indexes are built,
# lasts seconds), and the largest process's peak RSS is exact anyway (getrusage).
SAMPLE_EVERY = 1.0


def run_measured(cmd: list[str], **kw) -> tuple[subprocess.CompletedProcess, dict]:
    """Run a command, sampling its process tree's memory. Returns (process, stats)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    peak_total = peak_one = 0
    import threading

    out: dict[str, str] = {}

    def drain(name, stream):
        out[name] = stream.read()

    threads = [threading.Thread(target=drain, args=("stdout", proc.stdout), daemon=True),
               threading.Thread(target=drain, args=("stderr", proc.stderr), daemon=True)]
    for t in threads:
        t.start()
    samples = 0
    while proc.poll() is None:
        total, one = tree_rss(proc.pid)
        samples += 1
        peak_total, peak_one = max(peak_total, total), max(peak_one, one)
        try:
            proc.wait(SAMPLE_EVERY)     # returns as soon as the child ends
        except subprocess.TimeoutExpired:
            pass
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    try:
        import resource
        ru_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    except Exception:   # pragma: no cover - not Linux
        ru_max = 0
    done = subprocess.CompletedProcess(cmd, proc.returncode, out.get("stdout", ""),
                                       out.get("stderr", ""))
    return done, {"seconds": seconds, "samples": samples, "peak_tree_rss": peak_total,
                  "peak_process_rss": max(peak_one, ru_max)}


# ---------------------------------------------------------------- the ingest itself

_CHILD = """
import json, sys
from ingest.pipeline import ingest_paths
s = ingest_paths([sys.argv[1]], sys.argv[2], progress=False,
                 workers=int(sys.argv[3]) if sys.argv[3] != "0" else None)
print(json.dumps({"parsed": s.parsed, "partial": s.partial, "failed": s.failed,
                  "unchanged": s.unchanged, "reports": s.reports, "seconds": s.seconds,
                  "timings": s.timings, "problems": s.problems[:20]}))
"""


def ingest(corpus: Path, db: Path, workers: int | None) -> dict:
    db.parent.mkdir(parents=True, exist_ok=True)
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    cmd = [sys.executable, "-c", _CHILD, str(corpus), str(db), str(workers or 0)]
    proc, stats = run_measured(cmd, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    conn = sqlite3.connect(db)
    counts = {}
    for t in TABLES:
        try:
            counts[t] = conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
        except sqlite3.Error:
            counts[t] = None
    layouts = dict(conn.execute("SELECT layout, count(*) FROM documents GROUP BY layout"))
    flags = dict(conn.execute("SELECT code, count(*) FROM quality_flags GROUP BY code"))
    flagged = conn.execute("SELECT count(*) FROM reports WHERE flag_count > 0").fetchone()[0]
    conn.close()
    return {**summary, **stats, "db_bytes": db.stat().st_size, "counts": counts,
            "layouts": layouts, "flags": flags, "flagged_reports": flagged,
            "corpus_bytes": sum(p.stat().st_size for p in corpus.rglob("*.txt"))}


def ensure_db(n: int, seed: int, workers: int | None = None) -> Path:
    """The benchmark database for N reports (built by the ingest benchmark when missing)."""
    db = db_path(n, seed)
    marker = db.parent / ".complete"
    if db.exists() and marker.exists():
        return db
    corpus, _ = ensure_corpus(n, seed)
    result = ingest(corpus, db, workers)
    marker.write_text(json.dumps({"reports": n, "seed": seed}))
    (db.parent / "ingest.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return db


# ---------------------------------------------------------------- report

def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) * 1024
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    import datasette
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem / (1 << 30), 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "datasette": getattr(datasette, "__version__", "?"), "platform": platform.platform(),
            "load_before": load}


def mib(x: int) -> str:
    return f"{x / (1 << 20):,.0f} MiB"


def write_section(name: str, text: str) -> None:
    """Replace (or append) the section between <!-- bench:NAME --> markers in BENCHMARKS.md."""
    head = ("# Benchmarks\n\nWritten by `make bench` (`python -m bench`); each section is "
            "replaced by the benchmark that owns it. Figures depend on the machine and on "
            "what else runs on it (the load average before each run is noted).\n")
    doc = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else head
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if start in doc and end in doc:
        doc = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda m: block, doc, flags=re.S)
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.write_text(doc, encoding="utf-8")


def machine_line(m: dict) -> str:
    load = f", load average {m['load_before']:.2f} before the run" if m.get("load_before") is not None else ""
    return (f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
            f"SQLite {m['sqlite']}, Datasette {m['datasette']}; {m['platform']}{load}")


def report(n: int, seed: int, workers: int | None, r: dict, m: dict, gen_seconds: float | None) -> str:
    total = r["parsed"] + r["partial"] + r["failed"] + r["unchanged"]
    rate = total / r["seconds"] if r["seconds"] else 0.0
    wall = r["seconds"]
    t = r.get("timings", {})
    ok_rate = rate >= TARGET_RATE
    ok_mem = r["peak_tree_rss"] < TARGET_MEMORY
    lines = [
        f"## Ingest: {n:,} synthetic reports (seed {seed})",
        "",
        f"Machine: {machine_line(m)}.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| documents | {total:,} ({r['parsed']:,} parsed, {r['partial']:,} partial, "
        f"{r['failed']:,} failed) | all parsed |",
        f"| corpus | {r['corpus_bytes'] / (1 << 20):,.0f} MiB of text, "
        f"{r['corpus_bytes'] / max(total, 1) / 1024:.1f} KiB per document"
        + (f"; generated in {gen_seconds:.0f} s ({n / gen_seconds:,.0f}/s)" if gen_seconds else "")
        + " | |",
        f"| ingest rate, end to end | **{rate:,.0f} documents/s** ({wall:,.0f} s wall, "
        f"{workers_or_default(workers)} parsing workers) | ≥ {TARGET_RATE:.0f}/s "
        f"{'✅' if ok_rate else '❌'} |",
        f"| parse + load (search index included) | {t.get('parse_and_load', 0):,.1f} s "
        f"({total / t['parse_and_load']:,.0f} documents/s) | |" if t.get("parse_and_load") else "| parse + load | — | |",
        f"| of which: search index, batch by batch | {t.get('search_index_while_loading', 0):,.1f} s | |",
        f"| copied_text check | {t.get('copied_text', 0):,.1f} s | |",
        f"| flag summary | {t.get('flag_summary', 0):,.1f} s | |",
        f"| browse indexes (sorts of the million-row tables) | {t.get('browse_indexes', 0):,.1f} s | |",
        f"| search index, rest (or rebuild) | {t.get('search_index', 0):,.1f} s | |",
        f"| statistics tables | {t.get('stats', 0):,.1f} s | |",
        f"| peak memory, process tree (sum of PSS) | **{mib(r['peak_tree_rss'])}** | < 1 GiB "
        f"{'✅' if ok_mem else '❌'} |",
        f"| peak memory, largest process (RSS) | {mib(r['peak_process_rss'])} | |",
        f"| database size | **{r['db_bytes'] / (1 << 30):,.2f} GiB** "
        f"({r['db_bytes'] / max(total, 1) / 1024:,.1f} KiB per document) | reported |",
        "",
        "Rows: " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items() if v is not None) + ".",
        "",
        "Layouts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["layouts"].items())) + ". "
        f"Reports with a quality flag: {r['flagged_reports']:,} "
        f"({r['flagged_reports'] / max(r['reports'], 1) * 100:.1f} %): "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(r["flags"].items())) + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=None,
                    help=f"documents (default $JIXIAO_BENCH_REPORTS or {DEFAULT_REPORTS})")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None, help="parsing processes (default: CPUs)")
    ap.add_argument("--fresh", action="store_true", help="regenerate the cached corpus")
    args, _ = ap.parse_known_args(argv)
    n = reports_wanted(args.reports)
    m = machine()
    corpus, gen_seconds = ensure_corpus(n, args.seed, args.fresh)
    if gen_seconds is None:
        info = corpus / ".complete"
        try:
            gen_seconds = json.loads(info.read_text()).get("seconds")
        except (OSError, ValueError):
            gen_seconds = None
    db = db_path(n, args.seed)
    (db.parent / ".complete").unlink(missing_ok=True)
    print(f"ingest: {n:,} documents into {db.relative_to(ROOT)} …", flush=True)
    r = ingest(corpus, db, args.workers)
    (db.parent / ".complete").write_text(json.dumps({"reports": n, "seed": args.seed}))
    (db.parent / "ingest.json").write_text(json.dumps(r, ensure_ascii=False, indent=1))
    text = report(n, args.seed, args.workers, r, m, gen_seconds)
    print(text, flush=True)
    write_section(f"ingest-{n}", text)
    total = r["parsed"] + r["partial"] + r["failed"]
    ok = total / r["seconds"] >= TARGET_RATE and r["peak_tree_rss"] < TARGET_MEMORY
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
