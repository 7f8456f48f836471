"""Checks across reports, run by the pipeline after a load (these need the database).

`copied_text_flags(conn)`: a long narrative paragraph identical to one in a report of
ANOTHER department is flagged `copied_text` (warning) on both reports, with a link to
the other one. Paragraphs are compared without whitespace or Markdown markers, and with
each report's own department name masked (a copier swaps the name, keeps the text). Text that many departments share is the template of the form (or of a
finance bureau's instructions), not copying, and is ignored.
"""
from __future__ import annotations

import hashlib
import math
import re
import sqlite3
from collections import defaultdict
from functools import lru_cache

from .checks import SEVERITY

COPIED_TEXT = "copied_text"
MIN_CHARS = 60
# A paragraph found in the reports of at least this many departments (or this share of
# all departments, whichever is larger) is template boilerplate, not a copy.
BOILERPLATE_MIN_DEPARTMENTS = 3
BOILERPLATE_SHARE = 0.02
MASK = "〈本单位〉"       # what a report's own department name becomes before comparing

_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_MD_LEAD = re.compile(r"^(?:#{1,6}|>|[-*+]|\d+[.)]|\|)\s+")
_MD_MARK = re.compile(r"\*\*|__|`|\|")


def _conn(db) -> sqlite3.Connection:
    return getattr(db, "conn", db)


def normalise_paragraph(text: str) -> str:
    """A paragraph for comparison: Markdown markers and all whitespace removed."""
    s = _MD_LEAD.sub("", (text or "").strip())
    s = _MD_MARK.sub("", s)
    return _WS.sub("", s)


def own_names(department: str | None) -> list[str]:
    """The ways a report names its own department (醴陵市信访局, 信访局), longest first.
    A copier swaps these and keeps the rest, so they are masked before comparing."""
    if not department:
        return []
    from .checks import _split_body

    full = _WS.sub("", department)
    body = _split_body(full)
    names = {full}
    if body.places and len(body.org) >= 2:
        names.add(body.places[-1] + body.org)
        if len(body.org) >= 3:
            names.add(body.org)
    return sorted(names, key=len, reverse=True)


def paragraphs(body: str, mask: tuple[str, ...] | list[str] = (), min_chars: int = 1
               ) -> list[tuple[str, str]]:
    """(normalised, as printed) for each paragraph (line) of a Markdown body whose
    normalised text has at least `min_chars` characters; the names in `mask` (the
    report's own department) are replaced by one placeholder, MASK.

    A line that cannot reach `min_chars` is not normalised at all: normalising only
    removes characters and masking replaces a name of n characters by MASK, so a line
    grows at most len(MASK) / n times. (Most lines of a report are blank or short: at
    the copied-text minimum this spares the regular expressions four lines in five.)"""
    floor = _floor(tuple(mask), min_chars)
    out = []
    for line in (body or "").split("\n"):
        if len(line) < floor:
            continue
        norm = normalise_paragraph(line)
        for name in mask:
            norm = norm.replace(name, MASK)
        if len(norm) >= min_chars:
            out.append((norm, line.strip()))
    return out


@lru_cache(maxsize=65536)
def _floor(mask: tuple[str, ...], min_chars: int) -> float:
    """The raw length below which a line stays under min_chars even when masking
    lengthens it most (a name made of MASK's own characters could match again inside a
    MASK: then no floor)."""
    if any(set(m) & set(MASK) for m in mask):
        return 0
    shortest = min((len(m) for m in mask), default=len(MASK))
    return min_chars * min(1.0, shortest / len(MASK))


def boilerplate_threshold(n_departments: int) -> int:
    return max(BOILERPLATE_MIN_DEPARTMENTS, math.ceil(BOILERPLATE_SHARE * n_departments))


def department_names(db) -> set[str]:
    """Every department name in the database (for checks.check_report)."""
    conn = _conn(db)
    return {r[0] for r in conn.execute("SELECT name FROM departments WHERE name IS NOT NULL")}


def _quote(text: str, n: int = 40) -> str:
    s = re.sub(r"\s+", "", text)
    return s if len(s) <= n else s[:n] + "…"


def _digest(norm: str) -> int:
    """A 64-bit fingerprint of a normalised paragraph (a signed SQLite integer)."""
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest(),
                          "big", signed=True)


def copied_text_flags(db, min_chars: int = MIN_CHARS, threshold: int | None = None,
                      map=map) -> int:
    """Recompute every `copied_text` flag. Returns how many flags were inserted.

    Idempotent: previous copied_text flags are deleted first; reports and paragraphs
    are visited in id order, so the same database always gets the same rows.
    Reports without a department are skipped (one cannot tell whose text it is).

    Scales to a national corpus with flat memory: a first pass streams the sections and
    keeps only a 64-bit fingerprint per long paragraph, in a temporary table; SQLite
    groups them; only the reports that share a paragraph are read again, and their
    paragraphs compared as text (so a fingerprint collision cannot make a flag).
    `map` fingerprints batches of sections (the builtin by default; the ingest passes
    an ordered map over a process pool).
    """
    conn = _conn(db)
    own_tx = not conn.in_transaction
    if own_tx:
        conn.execute("BEGIN")
    try:
        flags = _copied_text(conn, min_chars, threshold, map)
        conn.execute("DELETE FROM quality_flags WHERE code = ?", [COPIED_TEXT])
        conn.executemany(
            "INSERT INTO quality_flags (report_id, code, severity, message) VALUES (?, ?, ?, ?)",
            flags)
        if own_tx:
            conn.execute("COMMIT")
    except BaseException:
        if own_tx:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("DROP TABLE IF EXISTS temp._copied_paras")
        conn.execute("DROP TABLE IF EXISTS temp._copied_candidates")
    return len(flags)


_SECTIONS = """SELECT s.report_id, s.body, r.department_id, r.fiscal_year, d.name
               FROM sections s
               JOIN reports r ON r.id = s.report_id
               JOIN departments d ON d.id = r.department_id
               WHERE s.body IS NOT NULL {where}
               ORDER BY s.report_id, s.ordinal, s.id"""


@lru_cache(maxsize=65536)
def _mask_names(name: str) -> tuple[str, ...]:
    return tuple(own_names(name))


def _fingerprints(job: tuple[list[tuple], int]) -> list[tuple[int, int, int]]:
    """(digest, report id, department id) of every long paragraph of a batch of
    (report id, body, department id, department name) rows. Pure (a pool may run it)."""
    rows, min_chars = job
    out = []
    for report_id, body, dept_id, name in rows:
        for norm, _ in paragraphs(body, _mask_names(name), min_chars):
            out.append((_digest(norm), report_id, dept_id))
    return out


def _copied_text(conn: sqlite3.Connection, min_chars: int, threshold: int | None,
                 map=map) -> list[tuple]:
    conn.execute("DROP TABLE IF EXISTS temp._copied_paras")
    conn.execute("CREATE TEMP TABLE _copied_paras (digest INTEGER NOT NULL, "
                  "report_id INTEGER NOT NULL, department_id INTEGER NOT NULL)")
    departments: set[int] = set()
    cursor = conn.execute(_SECTIONS.format(where=""))

    def jobs():
        while True:
            rows = cursor.fetchmany(2000)
            if not rows:
                return
            departments.update(r[2] for r in rows)
            yield [(r[0], r[1], r[2], r[4]) for r in rows], min_chars

    def fingerprints():
        last, seen = None, set()
        for found in map(_fingerprints, jobs()):
            for d, report_id, dept_id in found:
                if report_id != last:
                    last, seen = report_id, set()
                if d not in seen:
                    seen.add(d)
                    yield (d, report_id, dept_id)

    conn.executemany("INSERT INTO temp._copied_paras VALUES (?, ?, ?)", fingerprints())
    limit = threshold if threshold is not None else boilerplate_threshold(len(departments))
    # fingerprints found in 2 .. limit-1 departments, in order of first appearance
    conn.execute("DROP TABLE IF EXISTS temp._copied_candidates")
    conn.execute(
        """CREATE TEMP TABLE _copied_candidates AS
           SELECT digest, min(rowid) AS first FROM temp._copied_paras GROUP BY digest
           HAVING count(DISTINCT department_id) >= 2 AND count(DISTINCT department_id) < ?""",
        [limit])
    candidates = {d: first for d, first in conn.execute(
        "SELECT digest, first FROM temp._copied_candidates")}
    if not candidates:
        return []

    # the reports that hold a candidate, read again: paragraphs compared as text
    info: dict[int, tuple[int, int | None, str]] = {}
    found: list[tuple[int, int, str, int, str]] = []   # (first, seq, norm, report, printed)
    seq = 0
    rows = conn.execute(_SECTIONS.format(where=(
        "AND s.report_id IN (SELECT report_id FROM temp._copied_paras "
        "WHERE digest IN (SELECT digest FROM temp._copied_candidates))")))
    for report_id, body, dept_id, year, name in rows:
        info[report_id] = (dept_id, year, name)
        for norm, printed in paragraphs(body, _mask_names(name), min_chars):
            first = candidates.get(_digest(norm))
            if first is not None:
                seq += 1
                found.append((first, seq, norm, report_id, printed))
    # normalised paragraph -> report id -> the paragraph as printed (first occurrence),
    # in order of the paragraph's first appearance in the corpus
    where: dict[str, dict[int, str]] = defaultdict(dict)
    for _, _, norm, report_id, printed in sorted(found):
        where[norm].setdefault(report_id, printed)

    # (report, other report) -> shared paragraphs (as printed in the report), in order
    shared: dict[tuple[int, int], list[str]] = defaultdict(list)
    for norm, reports in where.items():
        depts = {info[r][0] for r in reports}
        if len(depts) < 2 or len(depts) >= limit:
            continue
        for a in reports:
            for b in reports:
                if a != b and info[a][0] != info[b][0]:
                    shared[(a, b)].append(reports[a])

    flags = []
    for (a, b) in sorted(shared):
        paras = shared[(a, b)]
        _, year, name = info[b]
        year_text = f"{year} 年度" if year else ""
        flags.append((a, COPIED_TEXT, SEVERITY[COPIED_TEXT], (
            f"有 {len(paras)} 段文字（每段不少于 {min_chars} 字）与{name}{year_text}报告"
            f"（/reports/{b}）完全相同，如：“{_quote(paras[0])}”")))
    return flags
