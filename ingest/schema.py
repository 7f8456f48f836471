"""The published SQLite schema (SCHEMA.md is the contract; extra columns are ours).

Tables are created with explicit DDL so column order, types, foreign keys and
indexes are stable across runs and versions.
"""
from __future__ import annotations

import re
import sqlite3

TABLES = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    source_url TEXT,
    format TEXT,
    encoding TEXT,
    layout TEXT,
    parser_version TEXT,
    status TEXT NOT NULL,
    error TEXT,
    ingested_at TEXT,
    text TEXT,
    kind TEXT,
    publisher TEXT,
    published_date TEXT,
    size_bytes INTEGER
);
CREATE TABLE IF NOT EXISTS regions (
    id INTEGER PRIMARY KEY,
    code TEXT,
    name TEXT NOT NULL,
    province TEXT,
    prefecture TEXT,
    county TEXT,
    level TEXT,
    longitude REAL,
    latitude REAL,
    UNIQUE (name, province, prefecture, county)
);
CREATE TABLE IF NOT EXISTS departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    region_id INTEGER REFERENCES regions(id),
    kind TEXT,
    UNIQUE (name, region_id)
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    department_id INTEGER REFERENCES departments(id),
    fiscal_year INTEGER,
    title TEXT,
    report_date TEXT,
    staff_authorized INTEGER,
    staff_actual INTEGER,
    self_score REAL,
    grade TEXT,
    grade_level TEXT,
    contact_name TEXT,
    contact_phone TEXT,
    self_score_text TEXT,
    ordinal INTEGER,
    flag_count INTEGER,
    flag_codes TEXT
);
CREATE TABLE IF NOT EXISTS finance_items (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    unit TEXT NOT NULL,
    statement TEXT NOT NULL,
    item TEXT NOT NULL,
    label TEXT,
    amount REAL,
    amount_text TEXT,
    source_line INTEGER,
    UNIQUE (report_id, unit, statement, item)
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    ordinal INTEGER,
    name TEXT,
    department TEXT,
    implementer TEXT,
    budget_initial REAL,
    budget_adjusted REAL,
    budget_executed REAL,
    execution_rate REAL,
    budget_weight REAL,
    budget_score REAL,
    total_score REAL,
    grade TEXT,
    goal_expected TEXT,
    goal_actual TEXT,
    execution_rate_text TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS indicators (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    project_id INTEGER REFERENCES projects(id),
    ordinal INTEGER,
    level1 TEXT,
    level2 TEXT,
    level1_raw TEXT,
    level2_raw TEXT,
    name TEXT,
    operator TEXT,
    target_text TEXT,
    target_value REAL,
    target_unit TEXT,
    actual_text TEXT,
    actual_value REAL,
    actual_unit TEXT,
    weight REAL,
    score REAL,
    deviation TEXT,
    name_raw TEXT,
    weight_text TEXT,
    score_text TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS rubric_items (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    ordinal INTEGER,
    level1 TEXT,
    level2 TEXT,
    name TEXT,
    criterion TEXT,
    weight REAL,
    score REAL,
    note TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS goals (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    ordinal INTEGER,
    expected TEXT,
    actual TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    ordinal INTEGER,
    name TEXT,
    level TEXT,
    content TEXT,
    budget REAL,
    budget_text TEXT,
    budget_fiscal REAL,
    budget_other REAL,
    spent REAL,
    spent_text TEXT,
    execution_rate REAL,
    execution_rate_text TEXT,
    note TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    kind TEXT NOT NULL,
    ordinal INTEGER,
    text TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS people (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    role TEXT NOT NULL,
    name TEXT,
    title TEXT,
    unit TEXT,
    phone TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS sections (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    ordinal INTEGER,
    heading TEXT,
    body TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS petition_stats (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    metric TEXT NOT NULL,
    unit TEXT,
    value REAL,
    change_pct REAL,
    text TEXT,
    source_line INTEGER
);
CREATE TABLE IF NOT EXISTS quality_flags (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT
);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS idx_reports_document ON reports(document_id);
CREATE INDEX IF NOT EXISTS idx_reports_department ON reports(department_id, fiscal_year);
-- newest reports first (home page): ORDER BY fiscal_year DESC, report_date DESC, id DESC LIMIT n
CREATE INDEX IF NOT EXISTS idx_reports_latest ON reports(fiscal_year, report_date);
-- the reports table page's grade facet (GROUP BY over a covering index, not the table)
CREATE INDEX IF NOT EXISTS idx_reports_grade_level ON reports(grade_level);
CREATE INDEX IF NOT EXISTS idx_departments_region ON departments(region_id);
-- finance rows by report: the UNIQUE (report_id, unit, statement, item) index serves them;
-- an older second index that led with report_id is dropped from databases that have it
DROP INDEX IF EXISTS idx_finance_report;
-- reports by year: idx_reports_latest leads with fiscal_year
DROP INDEX IF EXISTS idx_reports_year;
CREATE INDEX IF NOT EXISTS idx_indicators_report ON indicators(report_id);
CREATE INDEX IF NOT EXISTS idx_indicators_project ON indicators(project_id);
CREATE INDEX IF NOT EXISTS idx_projects_report ON projects(report_id);
CREATE INDEX IF NOT EXISTS idx_rubric_report ON rubric_items(report_id);
CREATE INDEX IF NOT EXISTS idx_goals_report ON goals(report_id);
CREATE INDEX IF NOT EXISTS idx_tasks_report ON tasks(report_id);
CREATE INDEX IF NOT EXISTS idx_findings_report ON findings(report_id);
CREATE INDEX IF NOT EXISTS idx_people_report ON people(report_id);
CREATE INDEX IF NOT EXISTS idx_sections_report ON sections(report_id);
CREATE INDEX IF NOT EXISTS idx_petition_report ON petition_stats(report_id);
CREATE INDEX IF NOT EXISTS idx_flags_report ON quality_flags(report_id);
CREATE INDEX IF NOT EXISTS idx_flags_code ON quality_flags(code);
CREATE INDEX IF NOT EXISTS idx_documents_status ON documents(status);
CREATE INDEX IF NOT EXISTS idx_documents_file_name ON documents(file_name);
-- the documents table page's default order (newest first); its rows carry the full text,
-- so a scan to sort them reads the whole corpus
CREATE INDEX IF NOT EXISTS idx_documents_ingested ON documents(ingested_at);
"""

# Indexes for sorts over the million-row tables. An index that leads with a column of a
# few values (statement, kind) or that sorts by itself (amount) misleads SQLite's planner
# on Datasette's table pages: at 100,000 reports, `finance_items?statement=expenditure`
# (shown in report order) sorted the 700,000 matching rows through an index on
# (statement, item, amount) and took 2.7 s instead of 0.2 s, and with an index on amount,
# `?statement=three_public&item=total&_sort_desc=amount` walked all larger amounts first
# (3 s instead of 0.7 s). So only these:
# - indicators(score): the lowest- or highest-scoring indicators, alone (40 ms instead of
#   0.4 s) or of one level (?level1=产出指标: 0.25 s instead of 0.6 s);
# - finance_items by (statement.item, amount), an expression no table filter names: the
#   canned query `largest_amounts` ranks one item in about 10 ms.
# Their keys arrive in no order: inserting the 100,000-report corpus's finance and
# indicator rows took 10.9 s with them kept up against 3.4 s without (SQLite alone, 128
# MiB page cache), and building them afterwards 4.7 s. So a first load builds them once
# its rows are in (`create_browse_indexes`), and later runs keep them up to date.
BROWSE_INDEXES = """
CREATE INDEX IF NOT EXISTS idx_indicators_score ON indicators(score);
CREATE INDEX IF NOT EXISTS idx_finance_ranked ON finance_items(statement || '.' || item, amount);
"""
_BROWSE_INDEX_NAMES = re.findall(r"INDEX IF NOT EXISTS (\w+)", BROWSE_INDEXES)


def create_browse_indexes(conn: sqlite3.Connection) -> None:
    """Build the browse indexes that are missing, in a transaction of their own (so it
    must not be called inside one). The sorts that build them spill to a temporary file,
    not to memory as the rest of a bulk load's temporary data does (load.bulk_mode), and
    SQLite changes that setting only between transactions: at 100,000 reports the
    building process stayed 32 MiB smaller and took 5.9 s instead of 7.0 s, and the
    spill grows with the corpus."""
    (store,) = conn.execute("PRAGMA temp_store").fetchone()
    conn.execute("PRAGMA temp_store = FILE")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in BROWSE_INDEXES.strip().splitlines():
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"PRAGMA temp_store = {int(store)}")


def missing_browse_indexes(conn: sqlite3.Connection) -> bool:
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    return not set(_BROWSE_INDEX_NAMES) <= have


VIEWS = """
DROP VIEW IF EXISTS report_summary;
CREATE VIEW report_summary AS
SELECT
    r.id AS report_id,
    r.fiscal_year,
    d.id AS department_id,
    d.name AS department,
    d.kind AS department_kind,
    g.province,
    g.prefecture,
    g.county,
    g.code AS region_code,
    r.self_score,
    r.grade,
    r.grade_level,
    r.staff_authorized,
    r.staff_actual,
    (SELECT amount FROM finance_items f WHERE f.report_id = r.id AND f.unit = 'all'
        AND f.statement = 'expenditure' AND f.item = 'total') AS expenditure_total,
    (SELECT amount FROM finance_items f WHERE f.report_id = r.id AND f.unit = 'all'
        AND f.statement = 'three_public' AND f.item = 'total') AS three_public_total,
    (SELECT count(*) FROM indicators i WHERE i.report_id = r.id) AS indicator_count,
    (SELECT count(*) FROM quality_flags q WHERE q.report_id = r.id) AS flag_count,
    r.document_id,
    -- a subquery, not a join: Datasette counts the view on every page of it, and a join
    -- would read each report's document row (its full text) to count it
    (SELECT doc.file_name FROM documents doc WHERE doc.id = r.document_id) AS file_name
FROM reports r
LEFT JOIN departments d ON d.id = r.department_id
LEFT JOIN regions g ON g.id = d.region_id;
"""

# Child tables of a report, in the order rows must be deleted when a document is replaced.
REPORT_CHILDREN = [
    "quality_flags", "petition_stats", "sections", "people", "findings", "goals", "tasks",
    "rubric_items", "indicators", "projects", "finance_items",
]


# Per-report flag summary (a JSON array of codes) so the reports table can facet on it.
REFRESH_FLAG_SUMMARY = """
UPDATE reports SET
    flag_count = (SELECT count(*) FROM quality_flags q WHERE q.report_id = reports.id),
    flag_codes = (SELECT json_group_array(code) FROM
                  (SELECT DISTINCT code FROM quality_flags q WHERE q.report_id = reports.id ORDER BY code))
"""


# Bump when tables or columns change; a database built with another version is rebuilt,
# not silently half-migrated.
SCHEMA_VERSION = 2


class SchemaMismatch(RuntimeError):
    pass


def create(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    has_tables = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'documents'").fetchone()[0]
    if has_tables and version != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"数据库结构版本 {version} 与当前版本 {SCHEMA_VERSION} 不同，请删除后重新导入 / "
            f"database schema version {version} differs from {SCHEMA_VERSION}: delete it and ingest again")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.executescript(TABLES)
    conn.executescript(INDEXES)
    conn.executescript(VIEWS)
