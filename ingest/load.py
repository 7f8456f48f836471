"""Load parsed reports into SQLite with sqlite-utils. The only module that writes.

One transaction per document, keyed by the SHA-256 of the file's bytes:
- the same bytes again change nothing (same rows, same ids);
- a new version of a file (same file name, new bytes) replaces the old document's
  rows atomically;
- a document that failed still gets its `documents` row with status `failed` and a
  clear message, and never half a report.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from . import schema
from .model import ParseResult, Report
from .normalise.regions import Region


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


def known(db: sqlite_utils.Database, sha256: str, parser_version: str) -> bool:
    """True when these exact bytes were already loaded by this parser version."""
    row = db.execute(
        "SELECT 1 FROM documents WHERE sha256 = ? AND parser_version = ?",
        [sha256, parser_version]).fetchone()
    return row is not None


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


def _region_id(db: sqlite_utils.Database, region: Region | None) -> int | None:
    if region is None:
        return None
    ids = []
    for r in region.chain():
        key = [r.name, r.province, r.prefecture, r.county]
        row = db.execute(
            "SELECT id FROM regions WHERE name = ? AND province IS ? AND prefecture IS ? AND county IS ?",
            key).fetchone()
        if row:
            ids.append(row[0])
            continue
        db["regions"].insert({
            "code": r.code, "name": r.name, "province": r.province,
            "prefecture": r.prefecture, "county": r.county, "level": r.level,
            "longitude": r.longitude, "latitude": r.latitude})
        ids.append(db.execute("SELECT last_insert_rowid()").fetchone()[0])
    return ids[-1] if ids else None


def _department_id(db, name: str | None, region_id: int | None, kind: str | None) -> int | None:
    if not name:
        return None
    row = db.execute("SELECT id FROM departments WHERE name = ? AND region_id IS ?",
                     [name, region_id]).fetchone()
    if row:
        return row[0]
    db["departments"].insert({"name": name, "region_id": region_id, "kind": kind})
    return db.execute("SELECT last_insert_rowid()").fetchone()[0]


def _insert_report(db, doc_id: int, ordinal: int, rep: Report, region: Region | None) -> int:
    region_id = _region_id(db, region)
    dept_id = _department_id(db, rep.department, region_id, rep.department_kind)
    db["reports"].insert({
        "document_id": doc_id, "department_id": dept_id, "fiscal_year": rep.fiscal_year,
        "title": rep.title, "report_date": rep.report_date,
        "staff_authorized": rep.staff_authorized, "staff_actual": rep.staff_actual,
        "self_score": rep.self_score, "grade": rep.grade, "grade_level": rep.grade_level,
        "contact_name": rep.contact_name, "contact_phone": rep.contact_phone,
        "self_score_text": rep.self_score_text, "ordinal": ordinal})
    rid = db.execute("SELECT last_insert_rowid()").fetchone()[0]

    db["finance_items"].insert_all(({
        "report_id": rid, "unit": f.unit, "statement": f.statement, "item": f.item,
        "label": f.label, "amount": f.amount, "amount_text": f.amount_text,
        "source_line": f.line} for f in rep.finance))

    def indicator_rows(inds, project_id):
        for i, ind in enumerate(inds, 1):
            yield {
                "report_id": rid, "project_id": project_id, "ordinal": i,
                "level1": ind.level1, "level2": ind.level2,
                "level1_raw": ind.level1_raw, "level2_raw": ind.level2_raw,
                "name": ind.name, "operator": ind.operator,
                "target_text": ind.target_text, "target_value": ind.target_value,
                "target_unit": ind.target_unit, "actual_text": ind.actual_text,
                "actual_value": ind.actual_value, "actual_unit": ind.actual_unit,
                "weight": ind.weight, "score": ind.score, "deviation": ind.deviation,
                "name_raw": ind.name_raw, "weight_text": ind.weight_text,
                "score_text": ind.score_text, "source_line": ind.line}

    db["indicators"].insert_all(indicator_rows(rep.indicators, None))
    for n, p in enumerate(rep.projects, 1):
        db["projects"].insert({
            "report_id": rid, "ordinal": n, "name": p.name, "department": p.department,
            "implementer": p.implementer, "budget_initial": p.budget_initial,
            "budget_adjusted": p.budget_adjusted, "budget_executed": p.budget_executed,
            "execution_rate": p.execution_rate, "budget_weight": p.budget_weight,
            "budget_score": p.budget_score, "total_score": p.total_score, "grade": p.grade,
            "goal_expected": p.goal_expected, "goal_actual": p.goal_actual,
            "execution_rate_text": p.execution_rate_text, "source_line": p.line})
        pid = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        db["indicators"].insert_all(indicator_rows(p.indicators, pid))

    db["rubric_items"].insert_all(({
        "report_id": rid, "ordinal": i, "level1": r.level1, "level2": r.level2,
        "name": r.name, "criterion": r.criterion, "weight": r.weight, "score": r.score,
        "note": r.note, "source_line": r.line} for i, r in enumerate(rep.rubric, 1)))
    db["goals"].insert_all(({
        "report_id": rid, "ordinal": i, "expected": g.expected, "actual": g.actual,
        "source_line": g.line} for i, g in enumerate(rep.goals, 1)))
    counters: dict[str, int] = {}
    rows = []
    for f in rep.findings:
        counters[f.kind] = counters.get(f.kind, 0) + 1
        rows.append({"report_id": rid, "kind": f.kind, "ordinal": counters[f.kind],
                     "text": f.text, "source_line": f.line})
    db["findings"].insert_all(rows)
    db["people"].insert_all(({
        "report_id": rid, "role": p.role, "name": p.name, "title": p.title,
        "unit": p.unit, "phone": p.phone, "source_line": p.line} for p in rep.people))
    db["sections"].insert_all(({
        "report_id": rid, "ordinal": i, "heading": s.heading, "body": s.body,
        "source_line": s.line} for i, s in enumerate(rep.sections, 1)))
    db["petition_stats"].insert_all(({
        "report_id": rid, "metric": s.metric, "unit": s.unit, "value": s.value,
        "change_pct": s.change_pct, "text": s.text, "source_line": s.line}
        for s in rep.petition_stats))
    db["quality_flags"].insert_all(({
        "report_id": rid, "code": f.code, "severity": f.severity, "message": f.message}
        for f in rep.flags))
    return rid


def load_document(db: sqlite_utils.Database, rec: DocumentRecord, result: ParseResult,
                  regions: list[Region | None], parser_version: str,
                  now: str | None = None) -> int:
    """Store one document and everything parsed from it, in one transaction.

    `regions` runs parallel to `result.reports`. Returns the documents.id.
    """
    now = now or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        same = db.execute("SELECT id FROM documents WHERE sha256 = ?", [rec.sha256]).fetchone()
        old = db.execute("SELECT id FROM documents WHERE file_name = ?", [rec.file_name]).fetchall()
        keep_id = same[0] if same else None
        for (old_id,) in old:
            if old_id != keep_id:
                _delete_document(db, old_id)
        if keep_id is not None:
            _delete_document(db, keep_id)
        doc = {
            "sha256": rec.sha256, "file_name": rec.file_name, "source_url": rec.source_url,
            "format": rec.format, "encoding": rec.encoding, "layout": result.layout,
            "parser_version": parser_version, "status": result.status,
            "error": "; ".join(result.errors) or None, "ingested_at": now,
            "text": rec.text, "kind": result.kind, "publisher": rec.publisher,
            "published_date": rec.published_date, "size_bytes": rec.size_bytes}
        if keep_id is not None:
            doc["id"] = keep_id   # a re-parse of the same bytes keeps its id
        db["documents"].insert(doc)
        doc_id = keep_id or db.execute("SELECT last_insert_rowid()").fetchone()[0]
        for n, (rep, region) in enumerate(zip(result.reports, regions), 1):
            _insert_report(db, doc_id, n, rep, region)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return doc_id


def record_failure(db: sqlite_utils.Database, rec: DocumentRecord, layout: str,
                   message: str, parser_version: str) -> int:
    """A document that could not be parsed at all: keep its row, lose nothing else."""
    return load_document(db, rec, ParseResult(layout=layout, status="failed", errors=[message],
                                              kind="unknown"), [], parser_version)
