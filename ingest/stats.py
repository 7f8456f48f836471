"""Precomputed corpus statistics, so hot pages never count or scan whole tables.

`rebuild(conn)` (re)creates, inside the caller's transaction, three small tables from
the current content (the pipeline runs it after each load, like the search index):

- ``stats``: one row per corpus-wide figure: ``name`` (reports, departments, provinces,
  years, first_year, last_year, documents, indicators, quality_flags, flagged_reports,
  reports_without_expenditure_total), ``value``.
- ``stats_by_year``: one row per fiscal year: reports, departments, reports with an
  expenditure total, the sum / median / max of those totals (万元), reports with a
  quality flag.
- ``stats_by_province``: one row per province: its division code, reports, departments,
  first and last fiscal year.

A home page reads ~30 rows from these instead of aggregating 100,000 reports.
"""
from __future__ import annotations

import sqlite3
import statistics

TABLES = ("stats", "stats_by_year", "stats_by_province")

DDL = """
CREATE TABLE stats (
    name TEXT PRIMARY KEY,
    value REAL
);
CREATE TABLE stats_by_year (
    fiscal_year INTEGER PRIMARY KEY,
    reports INTEGER NOT NULL,
    departments INTEGER NOT NULL,
    expenditure_reports INTEGER NOT NULL,
    expenditure_sum REAL,
    expenditure_median REAL,
    expenditure_max REAL,
    flagged_reports INTEGER NOT NULL
);
CREATE TABLE stats_by_province (
    province TEXT PRIMARY KEY,
    code TEXT,
    reports INTEGER NOT NULL,
    departments INTEGER NOT NULL,
    first_year INTEGER,
    last_year INTEGER
);
"""


def _raw(conn) -> sqlite3.Connection:
    return getattr(conn, "conn", conn)


def needs_rebuild(conn) -> bool:
    conn = _raw(conn)
    have = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return not set(TABLES) <= have


def rebuild(conn) -> dict[str, float]:
    """Recreate the statistics tables. Never commits. Returns the `stats` figures."""
    conn = _raw(conn)
    for t in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS [{t}]")
    for stmt in DDL.strip().split(";"):
        if stmt.strip():
            conn.execute(stmt)

    # one pass over the reports: year, department, province, expenditure total, flags
    years: dict[int, dict] = {}
    provinces: dict[str, dict] = {}
    departments: set[int] = set()
    all_years: set[int] = set()
    reports = flagged = without_total = 0
    rows = conn.execute("""
        SELECT r.fiscal_year, r.department_id, g.province, r.flag_count,
               (SELECT amount FROM finance_items f WHERE f.report_id = r.id AND f.unit = 'all'
                  AND f.statement = 'expenditure' AND f.item = 'total')
        FROM reports r
        LEFT JOIN departments d ON d.id = r.department_id
        LEFT JOIN regions g ON g.id = d.region_id""")
    for year, dept, province, flag_count, total in rows:
        reports += 1
        if dept is not None:
            departments.add(dept)
        if flag_count:
            flagged += 1
        if total is None:
            without_total += 1
        if year is not None:
            all_years.add(year)
            y = years.setdefault(year, {"reports": 0, "departments": set(), "totals": [],
                                        "flagged": 0})
            y["reports"] += 1
            if dept is not None:
                y["departments"].add(dept)
            if total is not None:
                y["totals"].append(total)
            if flag_count:
                y["flagged"] += 1
        if province:
            p = provinces.setdefault(province, {"reports": 0, "departments": set(), "years": set()})
            p["reports"] += 1
            if dept is not None:
                p["departments"].add(dept)
            if year is not None:
                p["years"].add(year)

    def count(sql: str) -> int:
        return conn.execute(sql).fetchone()[0]

    figures = {
        "reports": reports,
        "departments": len(departments),
        "provinces": len(provinces),
        "years": len(all_years),
        "first_year": min(all_years) if all_years else None,
        "last_year": max(all_years) if all_years else None,
        "documents": count("SELECT count(*) FROM documents"),
        "indicators": count("SELECT count(*) FROM indicators"),
        "quality_flags": count("SELECT count(*) FROM quality_flags"),
        "flagged_reports": flagged,
        "reports_without_expenditure_total": without_total,
    }
    conn.executemany("INSERT INTO stats (name, value) VALUES (?, ?)", figures.items())
    conn.executemany(
        "INSERT INTO stats_by_year VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(year, y["reports"], len(y["departments"]), len(y["totals"]),
          round(sum(y["totals"]), 2) if y["totals"] else None,
          round(statistics.median(y["totals"]), 2) if y["totals"] else None,
          max(y["totals"]) if y["totals"] else None, y["flagged"])
         for year, y in sorted(years.items())])
    codes = dict(conn.execute("SELECT name, code FROM regions WHERE level = 'province'"))
    conn.executemany(
        "INSERT INTO stats_by_province VALUES (?, ?, ?, ?, ?, ?)",
        [(name, codes.get(name), p["reports"], len(p["departments"]),
          min(p["years"]) if p["years"] else None, max(p["years"]) if p["years"] else None)
         for name, p in sorted(provinces.items(), key=lambda kv: (-kv[1]["reports"], kv[0]))])
    return figures
