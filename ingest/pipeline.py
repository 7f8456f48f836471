"""read -> layout -> normalise -> check -> load, for files and folders.

`ingest_paths` is the library entry point under the `jixiao ingest` command.
"""
from __future__ import annotations

import gc
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import PARSER_VERSION, load, schema, workers_or_default
from .layouts import parse_document
from .model import ParseResult, Report
from .normalise.regions import Region, head_named_in_full, resolve, resolve_in_text
from .read import NotText, UnsupportedFormat, detect_format, read_bytes

try:  # checks and the search index are separate layers; a missing one must not stop a load
    from . import checks
except ImportError:  # pragma: no cover
    checks = None
try:
    from . import crosscheck
except ImportError:  # pragma: no cover
    crosscheck = None
try:
    from . import search_index
except ImportError:  # pragma: no cover
    search_index = None
from . import stats

SKIP_NAMES = {".DS_Store", "Thumbs.db"}


@dataclass
class Summary:
    parsed: int = 0
    partial: int = 0
    failed: int = 0
    unchanged: int = 0
    reports: int = 0
    seconds: float = 0.0
    problems: list[tuple[str, str, str]] = field(default_factory=list)   # (file, status, error)
    timings: dict[str, float] = field(default_factory=dict)   # seconds per step after loading

    @property
    def total(self) -> int:
        return self.parsed + self.partial + self.failed + self.unchanged

    def line(self) -> str:
        rate = self.total / self.seconds if self.seconds else 0.0
        return (f"{self.total} files: {self.parsed} parsed, {self.partial} partial, "
                f"{self.failed} failed, {self.unchanged} unchanged; {self.reports} reports "
                f"in {self.seconds:.1f}s ({rate:.1f} files/s)")


def collect(paths: list[Path]) -> list[tuple[Path, str]]:
    """(path, stored file name) for every file under the given files and folders,
    in a stable order. The stored name is relative to the folder given."""
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.name not in SKIP_NAMES and not f.name.startswith("."):
                    out.append((f, f.relative_to(p).as_posix()))
        elif p.is_file():
            out.append((p, p.name))
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return out


def parse_bytes(data: bytes, file_name: str) -> tuple[load.DocumentRecord, ParseResult, list[Region | None]]:
    """Everything but the write: pure with respect to the database."""
    sha = hashlib.sha256(data).hexdigest()
    fmt = detect_format(data, file_name) if data else "txt"
    rec = load.DocumentRecord(sha256=sha, file_name=file_name, format=fmt, encoding=None,
                              text="", size_bytes=len(data))
    if not data.strip():
        return rec, ParseResult(layout="none", status="failed", kind="unknown",
                                errors=["空文件：没有任何内容 / empty file"]), []
    try:
        doc = read_bytes(data, file_name, fmt)   # the format detected above
    except (NotText, UnsupportedFormat) as e:
        return rec, ParseResult(layout="none", status="failed", kind="unknown", errors=[str(e)]), []
    except Exception as e:  # a reader bug must not stop the run
        return rec, ParseResult(layout="none", status="failed", kind="unknown",
                                errors=[f"读取失败 / could not read: {type(e).__name__}: {e}"]), []
    rec.format, rec.encoding, rec.text = doc.format, doc.encoding, doc.text
    rec.source_url = doc.source_url
    rec.publisher = doc.meta.get("publisher")
    rec.published_date = doc.meta.get("published_date")
    try:
        result = parse_document(doc)
    except Exception as e:
        return rec, ParseResult(layout="none", status="failed",
                                errors=[f"解析失败 / could not parse: {type(e).__name__}: {e}"]), []
    regions = [region_for(r) for r in result.reports]
    if checks is not None:
        for rep in result.reports:
            try:
                rep.flags = checks.check_report(rep)
            except Exception as e:
                result.errors.append(f"质量检查出错 / check failed: {type(e).__name__}: {e}")
                result.status = "partial"
    return rec, result, regions


def region_for(report: Report) -> Region | None:
    context = report.region_hint or ""
    if report.department:
        r = resolve(report.department, context)
        if r and not head_named_in_full(report.department):
            # a bare short name ('南湖新区民政局') where the text names a place of another
            # province ('岳阳市南湖新区…'): the text's place
            other = resolve_in_text(context)
            if other and other.province != r.province:
                return other
        if r:
            return r
    return resolve_in_text(context)


def ingest_paths(paths, db_path, *, strict: bool = False, progress: bool | None = None,
                 out=sys.stderr, workers: int | None = None) -> Summary:
    """Ingest files and folders into the database at `db_path`.

    Parsing is pure (`parse_bytes`), so it runs in a pool of `workers` processes (default:
    the number of CPUs; 1 parses in this process). This process is the one writer: it
    loads the results in file order, one transaction per document, so ids and content
    do not depend on the number of workers. At most a few batches are in flight, so
    memory stays flat however many files there are.
    """
    files = collect([Path(p) for p in paths])
    db = load.open_db(db_path)
    summary = Summary()
    started = time.monotonic()
    bar = _progress(len(files), progress, out)
    loaded = load.loaded_documents(db)
    seen = {sha for _, sha, version in loaded if version == PARSER_VERSION}  # or earlier in this run
    index = _SearchIndexer(db, loaded)
    writer = _BatchWriter(db, index)
    try:
        with _Workers(workers if len(files) > 1 else 1, seen) as pool, load.bulk_mode(db):
            try:
                for name, sha, parsed, tokens in pool.parsed(files):
                    if parsed is None or sha in seen:
                        summary.unchanged += 1
                    else:
                        rec, result, regions = parsed
                        writer.load(name, rec, result, regions, tokens)
                        seen.add(sha)
                        setattr(summary, result.status, getattr(summary, result.status) + 1)
                        summary.reports += len(result.reports)
                        if result.status != "parsed":
                            summary.problems.append((name, result.status, "; ".join(result.errors)))
                    if bar is not None:
                        bar.update(1)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            changed = summary.total - summary.unchanged
            summary.timings["parse_and_load"] = time.monotonic() - started
            summary.timings["search_index_while_loading"] = index.seconds
            if (changed or stats.needs_rebuild(db.conn) or schema.missing_browse_indexes(db.conn)
                    or (search_index is not None and search_index.needs_rebuild(db.conn))):
                _after_load(db, summary.timings, pool, index)
    finally:
        if bar is not None:
            bar.close()
    summary.seconds = time.monotonic() - started
    return summary


class _BatchWriter:
    """Loads documents in batches of EVERY: one transaction per batch, a savepoint per
    document (see `load.begin_batch`), and the batch's search rows added before it
    commits, so what is committed is always loaded and indexed together. A failure rolls
    back the open batch only; the next run loads those files again."""

    EVERY = 256

    def __init__(self, db, index: "_SearchIndexer"):
        self.db = db
        self.index = index
        self.open = False
        self.n = 0

    def load(self, name, rec, result, regions, tokens) -> None:
        if not self.open:
            load.begin_batch(self.db)
            self.open = True
        self.index.before_load(name, rec.sha256)
        load.load_document(self.db, rec, result, regions, PARSER_VERSION)
        self.index.loaded(tokens)
        self.n += 1
        if self.n >= self.EVERY:
            self.commit()

    def commit(self) -> None:
        if self.open:
            self.index.flush()
            load.commit_batch(self.db)
        self.open = False
        self.n = 0

    def rollback(self) -> None:
        if self.open:
            load.rollback_batch(self.db)
        self.open = False
        self.n = 0


class _SearchIndexer:
    """Keeps the search index up to date while documents load.

    A run that only adds documents indexes each batch before it commits (see
    `_BatchWriter`), with the tokens the parsing workers computed: the writer's inserts
    then overlap the parsing instead of waiting for it to end. A run that replaces a
    document (same file name, or the same bytes read by another parser version) rebuilds
    the whole index at the end instead, since a contentless FTS5 table cannot forget a
    row by id.
    """

    def __init__(self, db, loaded: list[tuple] | None = None):
        """`loaded`: ``load.loaded_documents(db)``, when the caller has read it."""
        self.db = db
        self.enabled = search_index is not None
        self.rebuild = False
        self.tokens: dict = {}
        self.seconds = 0.0
        rows = load.loaded_documents(db) if loaded is None else loaded
        self.names = {r[0] for r in rows}
        self.shas = {r[1] for r in rows}

    def before_load(self, name: str, sha: str) -> None:
        if name in self.names or sha in self.shas:
            if not self.rebuild and self.enabled:
                # load_document will replace that document: from this batch on, the
                # index is marked stale, so a run that stops early is rebuilt next time
                search_index.invalidate(self.db.conn)
            self.rebuild = True
            self.tokens.clear()
        self.names.add(name)
        self.shas.add(sha)

    def loaded(self, tokens: dict | None) -> None:
        if self.enabled and not self.rebuild and tokens:
            self.tokens.update(tokens)

    def flush(self) -> None:
        """Inside the batch's transaction: index what it loaded."""
        if not self.enabled or self.rebuild:
            return
        started = time.monotonic()
        search_index.index_new(self.db.conn, tokens=self.tokens)
        self.tokens.clear()
        self.seconds += time.monotonic() - started

    def finish(self, conn, map) -> None:
        """Inside the caller's transaction: the rest of the rows, or the whole index."""
        if self.rebuild:
            search_index.rebuild(conn, map=map)
        else:
            search_index.index_new(conn, tokens=self.tokens, map=map)
            self.tokens.clear()


# ---------------------------------------------------------------- parallel parsing

BATCH = 8               # files per task sent to a worker
# Tasks in flight per worker. The writer stops taking results while it commits a batch
# of _BatchWriter.EVERY documents (with their search rows), so the window holds at least
# one batch: two workers keep parsing through the commit instead of idling. Measured on
# 20,000 documents with two workers: 4 tasks kept 1.72 of the 2 cores busy (190/s), 16
# kept 1.91 (217/s). The results waiting in the window are a few dozen MiB.
IN_FLIGHT = 16

_KNOWN: frozenset[str] | set[str] = frozenset()

# Parsing a document allocates tens of thousands of short-lived containers and leaves no
# reference cycles (tests/test_scale.py checks), so reference counting frees all of it.
# At the collector's default first threshold (700 allocations) it still scanned the live
# parse state several times per document and promoted it to the older generations,
# whose full scans then grew with the workers' caches: 0.2-0.45 ms of a worker's ~6 ms
# per document, measured. With this threshold a document is mostly freed before any scan.
WORKER_GC_THRESHOLD = (50_000, 10, 10)


def _init_worker(known) -> None:
    global _KNOWN
    _KNOWN = known
    gc.set_threshold(*WORKER_GC_THRESHOLD)


def _parse_file(path: Path, name: str, known, tokens: bool = False
                ) -> tuple[str, str, tuple | None, dict | None]:
    """(stored name, sha256, parse_bytes result or None when the bytes are known, the
    search index parts of its texts when `tokens` asks for them)."""
    data = Path(path).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if sha in known:
        return name, sha, None, None
    parsed = parse_bytes(data, name)
    found = None
    if tokens and search_index is not None:
        found = search_index.text_tokens(search_index.report_texts(parsed[1].reports))
    return name, sha, parsed, found


def _parse_batch(batch: list[tuple[str, str]]) -> list[tuple[str, str, tuple | None, dict | None]]:
    """In a worker: parse, and tokenise for the search index while we are here."""
    return [_parse_file(Path(p), name, _KNOWN, tokens=True) for p, name in batch]


class _Workers:
    """The process pool of one ingest run, shared by parsing and the post-load steps.

    It is started before anything is loaded, so the forked workers are copies of a small
    process (the writer's page cache and id caches grow later and are not duplicated).
    `map` is ordered and bounded: at most IN_FLIGHT tasks per worker are submitted ahead
    of the one being consumed, and the input is read lazily, so memory stays flat. With
    one worker everything runs in this process.
    """

    def __init__(self, workers: int | None, known: set[str]):
        self.n = workers_or_default(None if workers is None else max(1, int(workers)))
        self.known = frozenset(known)
        self.pool = None
        self.frozen = False
        if self.n > 1:
            from concurrent.futures import ProcessPoolExecutor

            from .normalise.regions import gazetteer
            gazetteer()         # loaded once here, inherited by the forked workers
            # what exists now (modules, the gazetteer) lives as long as the run: kept out
            # of the cyclic collector, whose full passes would otherwise walk all of it
            # again and again in every worker (and touch, so copy, the shared pages)
            gc.collect()
            gc.freeze()
            self.frozen = True
            self.pool = ProcessPoolExecutor(self.n, mp_context=_mp_context(),
                                            initializer=_init_worker, initargs=(self.known,))

    def __enter__(self) -> "_Workers":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def map(self, fn, iterable):
        if self.pool is None:
            yield from map(fn, iterable)
            return
        from collections import deque
        pending: deque = deque()
        try:
            for item in iterable:
                pending.append(self.pool.submit(fn, item))
                if len(pending) >= self.n * IN_FLIGHT:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()

    def parsed(self, files: list[tuple[Path, str]]):
        """(name, sha, parsed, tokens) for every file, in file order."""
        if self.pool is None:
            for path, name in files:
                yield _parse_file(path, name, self.known)
            return
        batches = ([(str(p), n) for p, n in files[i:i + BATCH]] for i in range(0, len(files), BATCH))
        for results in self.map(_parse_batch, batches):
            yield from results


def _after_load(db, timings: dict[str, float] | None = None, workers: _Workers | None = None,
                index: _SearchIndexer | None = None) -> None:
    """Checks across reports, corpus statistics and the search index, in one
    transaction; then the browse indexes (schema.BROWSE_INDEXES) in one of their own.
    Paragraph fingerprints and search tokens are computed by the worker pool while this
    process writes."""
    conn = db.conn
    timings = {} if timings is None else timings
    pmap = workers.map if workers is not None else map

    def step(name, fn):
        t = time.monotonic()
        fn()
        timings[name] = time.monotonic() - t

    conn.execute("BEGIN IMMEDIATE")
    try:
        if crosscheck is not None:
            step("copied_text", lambda: crosscheck.copied_text_flags(conn, map=pmap))
        step("flag_summary", lambda: conn.execute(schema.REFRESH_FLAG_SUMMARY))
        step("stats", lambda: stats.rebuild(conn))
        if search_index is not None:
            index = index or _SearchIndexer(db)
            step("search_index", lambda: index.finish(conn, pmap))
        step("commit", lambda: conn.execute("COMMIT"))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    step("browse_indexes", lambda: schema.create_browse_indexes(conn))


def _mp_context():
    import multiprocessing as mp
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)


def _progress(total: int, enabled: bool | None, out):
    if enabled is None:
        enabled = hasattr(out, "isatty") and out.isatty()
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="file", file=out, desc="ingest", dynamic_ncols=True,
                bar_format="{desc}: {bar} {n_fmt}/{total_fmt} files [{elapsed}<{remaining}, {rate_fmt}]")
