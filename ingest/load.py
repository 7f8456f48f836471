"""Load parsed reports into SQLite with sqlite-utils. The only module that writes.

Each document loads whole or not at all (its own transaction, or a savepoint inside a
batch: `begin_batch` / `commit_batch`), keyed by the SHA-256 of the file's bytes:
- the same bytes again change nothing (same rows, same ids);
- a new version of a file (same file name, new bytes) replaces the old document's
  rows atomically;
- a document that failed still gets its `documents` row with status `failed` and a
  clear message, and never half a report.

Throughput: rows go in through prepared INSERT statements (plain `executemany`, no
per-row introspection); region and department ids are cached per connection (the
cache of a transaction that rolls back is dropped with it); `bulk_mode` runs a long
load in WAL mode with synchronous=NORMAL and leaves the file in the ordinary
rollback-journal mode afterwards; the ingest commits once per batch of documents.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from . import schema
from .model import ParseResult, Report, compact_pickle
from .normalise.regions import Region


@compact_pickle
@dataclass
class DocumentRecord:
    sha256: str
    file_name: str
    format: str
    encoding: str | None
    text: str
    size_bytes: int
    source_url: str | None = None
    publisher: str | None = None
    published_date: str | None = None


def open_db(path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    schema.create(conn)
    return db


@contextmanager
def bulk_mode(db: sqlite_utils.Database, cache_mb: int = 128):
    """Settings for loading many documents: WAL with synchronous=NORMAL (a commit does
    not wait for the disk; every document is still one atomic transaction), a larger
    page cache and temporary tables in memory. On the way out the WAL is checkpointed
    and the file goes back to the rollback journal, so the published database is an
    ordinary single file (Datasette opens it with -i / immutable)."""
    conn = db.conn
    old_sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = {-1024 * cache_mb}")
    conn.execute("PRAGMA temp_store = MEMORY")
    try:
        yield db
    finally:
        if not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute(f"PRAGMA synchronous = {old_sync}")
        conn.execute(f"PRAGMA cache_size = {old_cache}")


def known(db: sqlite_utils.Database, sha256: str, parser_version: str) -> bool:
    """True when these exact bytes were already loaded by this parser version."""
    row = db.execute(
        "SELECT 1 FROM documents WHERE sha256 = ? AND parser_version = ?",
        [sha256, parser_version]).fetchone()
    return row is not None


def loaded_documents(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(file_name, sha256, parser_version) of every loaded document: one query for a
    whole run (what is known, what a new file would replace)."""
    return db.execute("SELECT file_name, sha256, parser_version FROM documents").fetchall()


def _delete_document(db: sqlite_utils.Database, doc_id: int) -> None:
    report_ids = [r[0] for r in db.execute(
        "SELECT id FROM reports WHERE document_id = ?", [doc_id]).fetchall()]
    # Derived tables (search index, …) that point at reports go too; they are rebuilt.
    derived = [t for t in _tables_referencing(db, "reports") if t[0] not in schema.REPORT_CHILDREN]
    for rid in report_ids:
        for table in schema.REPORT_CHILDREN:
            db.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
        for table, column in derived:
            db.execute(f"DELETE FROM [{table}] WHERE [{column}] = ?", [rid])
    db.execute("DELETE FROM reports WHERE document_id = ?", [doc_id])
    db.execute("DELETE FROM documents WHERE id = ?", [doc_id])


def _tables_referencing(db: sqlite_utils.Database, parent: str) -> list[tuple[str, str]]:
    out = []
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for fk in db.execute(f"PRAGMA foreign_key_list([{name}])").fetchall():
            if fk[2] == parent and name != parent:
                out.append((name, fk[3]))
    return out


# ---------------------------------------------------------------- prepared inserts

def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")


_DOCUMENT_COLS = ("sha256", "file_name", "source_url", "format", "encoding", "layout",
                  "parser_version", "status", "error", "ingested_at", "text", "kind",
                  "publisher", "published_date", "size_bytes")
_SQL = {
    "documents": _insert_sql("documents", _DOCUMENT_COLS),
    "documents_id": _insert_sql("documents", _DOCUMENT_COLS + ("id",)),
    "regions": _insert_sql("regions", ("code", "name", "province", "prefecture", "county",
                                       "level", "longitude", "latitude")),
    "departments": _insert_sql("departments", ("name", "region_id", "kind")),
    "reports": _insert_sql("reports", (
        "document_id", "department_id", "fiscal_year", "title", "report_date",
        "staff_authorized", "staff_actual", "self_score", "grade", "grade_level",
        "contact_name", "contact_phone", "self_score_text", "ordinal")),
    "finance_items": _insert_sql("finance_items", (
        "report_id", "unit", "statement", "item", "label", "amount", "amount_text", "source_line")),
    "indicators": _insert_sql("indicators", (
        "report_id", "project_id", "ordinal", "level1", "level2", "level1_raw", "level2_raw",
        "name", "operator", "target_text", "target_value", "target_unit", "actual_text",
        "actual_value", "actual_unit", "weight", "score", "deviation", "name_raw",
        "weight_text", "score_text", "source_line")),
    "projects": _insert_sql("projects", (
        "report_id", "ordinal", "name", "department", "implementer", "budget_initial",
        "budget_adjusted", "budget_executed", "execution_rate", "budget_weight",
        "budget_score", "total_score", "grade", "goal_expected", "goal_actual",
        "execution_rate_text", "source_line")),
    "rubric_items": _insert_sql("rubric_items", (
        "report_id", "ordinal", "level1", "level2", "name", "criterion", "weight", "score",
        "note", "source_line")),
    "goals": _insert_sql("goals", ("report_id", "ordinal", "expected", "actual", "source_line")),
    "tasks": _insert_sql("tasks", (
        "report_id", "ordinal", "name", "level", "content", "budget", "budget_text",
        "budget_fiscal", "budget_other", "spent", "spent_text", "execution_rate",
        "execution_rate_text", "note", "source_line")),
    "findings": _insert_sql("findings", ("report_id", "kind", "ordinal", "text", "source_line")),
    "people": _insert_sql("people", (
        "report_id", "role", "name", "title", "unit", "phone", "source_line")),
    "sections": _insert_sql("sections", ("report_id", "ordinal", "heading", "body", "source_line")),
    "petition_stats": _insert_sql("petition_stats", (
        "report_id", "metric", "unit", "value", "change_pct", "text", "source_line")),
    "quality_flags": _insert_sql("quality_flags", ("report_id", "code", "severity", "message")),
}


class _IdCache:
    """Region and department ids already in the database, per connection. Ids created
    by the document being loaded are staged; when its load succeeds they move to the
    open batch (if any), and are only kept for good when the transaction commits."""

    def __init__(self):
        self.committed: dict[tuple, int] = {}
        self.pending: dict[tuple, int] = {}     # loaded documents of the open batch
        self.staged: dict[tuple, int] = {}      # the document being loaded

    def get(self, key: tuple) -> int | None:
        for d in (self.staged, self.pending, self.committed):
            hit = d.get(key)
            if hit is not None:
                return hit
        return None

    def release(self) -> None:
        self.pending.update(self.staged)
        self.staged.clear()

    def commit(self) -> None:
        self.release()
        self.committed.update(self.pending)
        self.pending.clear()

    def rollback(self) -> None:
        self.staged.clear()

    def rollback_batch(self) -> None:
        self.staged.clear()
        self.pending.clear()


def _ids(db) -> _IdCache:
    cache = getattr(db, "_jixiao_ids", None)
    if cache is None:
        cache = _IdCache()
        db._jixiao_ids = cache
    return cache


def _region_id(db: sqlite_utils.Database, region: Region | None) -> int | None:
    if region is None:
        return None
    conn, cache = db.conn, _ids(db)
    ids = []
    for r in region.chain():
        key = ("region", r.name, r.province, r.prefecture, r.county)
        hit = cache.get(key)
        if hit is not None:
            ids.append(hit)
            continue
        row = conn.execute(
            "SELECT id FROM regions WHERE name = ? AND province IS ? AND prefecture IS ? AND county IS ?",
            key[1:]).fetchone()
        if row:
            cache.committed[key] = row[0]
            ids.append(row[0])
            continue
        rid = conn.execute(_SQL["regions"], (
            r.code, r.name, r.province, r.prefecture, r.county, r.level,
            r.longitude, r.latitude)).lastrowid
        cache.staged[key] = rid
        ids.append(rid)
    return ids[-1] if ids else None


def _department_id(db, name: str | None, region_id: int | None, kind: str | None) -> int | None:
    if not name:
        return None
    conn, cache = db.conn, _ids(db)
    key = ("department", name, region_id)
    hit = cache.get(key)
    if hit is not None:
        return hit
    row = conn.execute("SELECT id FROM departments WHERE name = ? AND region_id IS ?",
                       [name, region_id]).fetchone()
    if row:
        cache.committed[key] = row[0]
        return row[0]
    did = conn.execute(_SQL["departments"], (name, region_id, kind)).lastrowid
    cache.staged[key] = did
    return did


def _insert_report(db, doc_id: int, ordinal: int, rep: Report, region: Region | None) -> int:
    conn = db.conn
    region_id = _region_id(db, region)
    dept_id = _department_id(db, rep.department, region_id, rep.department_kind)
    rid = conn.execute(_SQL["reports"], (
        doc_id, dept_id, rep.fiscal_year, rep.title, rep.report_date,
        rep.staff_authorized, rep.staff_actual, rep.self_score, rep.grade, rep.grade_level,
        rep.contact_name, rep.contact_phone, rep.self_score_text, ordinal)).lastrowid

    conn.executemany(_SQL["finance_items"], [(
        rid, f.unit, f.statement, f.item, f.label, f.amount, f.amount_text, f.line)
        for f in rep.finance])

    def indicator_rows(inds, project_id):
        return [(rid, project_id, i, ind.level1, ind.level2, ind.level1_raw, ind.level2_raw,
                 ind.name, ind.operator, ind.target_text, ind.target_value, ind.target_unit,
                 ind.actual_text, ind.actual_value, ind.actual_unit, ind.weight, ind.score,
                 ind.deviation, ind.name_raw, ind.weight_text, ind.score_text, ind.line)
                for i, ind in enumerate(inds, 1)]

    conn.executemany(_SQL["indicators"], indicator_rows(rep.indicators, None))
    for n, p in enumerate(rep.projects, 1):
        pid = conn.execute(_SQL["projects"], (
            rid, n, p.name, p.department, p.implementer, p.budget_initial,
            p.budget_adjusted, p.budget_executed, p.execution_rate, p.budget_weight,
            p.budget_score, p.total_score, p.grade, p.goal_expected, p.goal_actual,
            p.execution_rate_text, p.line)).lastrowid
        conn.executemany(_SQL["indicators"], indicator_rows(p.indicators, pid))

    conn.executemany(_SQL["rubric_items"], [(
        rid, i, r.level1, r.level2, r.name, r.criterion, r.weight, r.score, r.note, r.line)
        for i, r in enumerate(rep.rubric, 1)])
    conn.executemany(_SQL["goals"], [(rid, i, g.expected, g.actual, g.line)
                                     for i, g in enumerate(rep.goals, 1)])
    if rep.tasks:
        conn.executemany(_SQL["tasks"], [(
            rid, i, t.name, t.level, t.content, t.budget, t.budget_text, t.budget_fiscal,
            t.budget_other, t.spent, t.spent_text, t.execution_rate, t.execution_rate_text,
            t.note, t.line) for i, t in enumerate(rep.tasks, 1)])
    counters: dict[str, int] = {}
    rows = []
    for f in rep.findings:
        counters[f.kind] = counters.get(f.kind, 0) + 1
        rows.append((rid, f.kind, counters[f.kind], f.text, f.line))
    conn.executemany(_SQL["findings"], rows)
    conn.executemany(_SQL["people"], [(rid, p.role, p.name, p.title, p.unit, p.phone, p.line)
                                      for p in rep.people])
    conn.executemany(_SQL["sections"], [(rid, i, s.heading, s.body, s.line)
                                        for i, s in enumerate(rep.sections, 1)])
    conn.executemany(_SQL["petition_stats"], [(
        rid, s.metric, s.unit, s.value, s.change_pct, s.text, s.line) for s in rep.petition_stats])
    conn.executemany(_SQL["quality_flags"], [(rid, f.code, f.severity, f.message)
                                             for f in rep.flags])
    return rid


def load_document(db: sqlite_utils.Database, rec: DocumentRecord, result: ParseResult,
                  regions: list[Region | None], parser_version: str,
                  now: str | None = None) -> int:
    """Store one document and everything parsed from it, in one transaction.

    `regions` runs parallel to `result.reports`. Returns the documents.id.
    """
    now = now or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    conn = db.conn
    cache = _ids(db)
    nested = conn.in_transaction       # inside a batch: a savepoint of its own
    conn.execute("SAVEPOINT load_document" if nested else "BEGIN IMMEDIATE")
    try:
        same = conn.execute("SELECT id FROM documents WHERE sha256 = ?", [rec.sha256]).fetchone()
        old = conn.execute("SELECT id FROM documents WHERE file_name = ?", [rec.file_name]).fetchall()
        keep_id = same[0] if same else None
        for (old_id,) in old:
            if old_id != keep_id:
                _delete_document(db, old_id)
        if keep_id is not None:
            _delete_document(db, keep_id)
        values = (rec.sha256, rec.file_name, rec.source_url, rec.format, rec.encoding,
                  result.layout, parser_version, result.status,
                  "; ".join(result.errors) or None, now, rec.text, result.kind, rec.publisher,
                  rec.published_date, rec.size_bytes)
        if keep_id is not None:   # a re-parse of the same bytes keeps its id
            conn.execute(_SQL["documents_id"], values + (keep_id,))
            doc_id = keep_id
        else:
            doc_id = conn.execute(_SQL["documents"], values).lastrowid
        for n, (rep, region) in enumerate(zip(result.reports, regions), 1):
            _insert_report(db, doc_id, n, rep, region)
        conn.execute("RELEASE load_document" if nested else "COMMIT")
    except BaseException:
        if nested:
            conn.execute("ROLLBACK TO load_document")
            conn.execute("RELEASE load_document")
        else:
            conn.execute("ROLLBACK")
        cache.rollback()
        raise
    if nested:
        cache.release()
    else:
        cache.commit()
    return doc_id


def begin_batch(db: sqlite_utils.Database) -> None:
    """Open one transaction for several `load_document` calls (each then runs in a
    savepoint of its own, so a document still loads whole or not at all). Committing
    every few hundred documents instead of after each one spares the disk and the WAL
    most of their writes. End it with `commit_batch` or `rollback_batch`."""
    db.conn.execute("BEGIN IMMEDIATE")


def commit_batch(db: sqlite_utils.Database) -> None:
    db.conn.execute("COMMIT")
    _ids(db).commit()


def rollback_batch(db: sqlite_utils.Database) -> None:
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")
    _ids(db).rollback_batch()


def record_failure(db: sqlite_utils.Database, rec: DocumentRecord, layout: str,
                   message: str, parser_version: str) -> int:
    """A document that could not be parsed at all: keep its row, lose nothing else."""
    return load_document(db, rec, ParseResult(layout=layout, status="failed", errors=[message],
                                              kind="unknown"), [], parser_version)
