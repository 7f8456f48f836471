"""Parquet exports of the published database, for DuckDB, Spark or pandas users.

`export_parquet(db, out)` writes one ``<table>.parquet`` per data table and one for the
``report_summary`` view, streaming rows in batches (memory stays flat at any size) with
column types from the schema: INTEGER -> int64, REAL -> double, TEXT -> string. Full-text
search tables are left out (FTS5 internals, and ``search_state``, which only says how far
the index has got).

Needs pyarrow: ``pip install -e '.[export]'`` (``make export`` installs it).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

BATCH = 50_000
VIEWS = ("report_summary",)
SKIP = ("search_state",)


def _tables(conn: sqlite3.Connection) -> list[str]:
    fts = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")}
    out = []
    for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY rowid"):
        if name in fts or name in SKIP or any(name.startswith(f + "_") for f in fts):
            continue
        out.append(name)
    views = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    return out + [v for v in VIEWS if v in views]


def _arrow_type(pa, declared: str, observed: set[str]):
    d = (declared or "").upper()
    if "INT" in d:
        return pa.int64()
    if any(k in d for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return pa.float64()
    if "BLOB" in d:
        return pa.binary()
    if d:
        return pa.string()
    # an expression column of a view: from the values it holds
    observed = observed - {"null"}
    if observed == {"integer"}:
        return pa.int64()
    if observed and observed <= {"integer", "real"}:
        return pa.float64()
    if observed == {"blob"}:
        return pa.binary()
    return pa.string()


def _schema(pa, conn: sqlite3.Connection, table: str):
    cols = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
    fields = []
    for _, name, declared, notnull, _, pk in cols:
        observed: set[str] = set()
        if not declared:
            observed = {t for (t,) in conn.execute(f"SELECT DISTINCT typeof([{name}]) FROM [{table}]")}
        fields.append(pa.field(name, _arrow_type(pa, declared, observed), nullable=not (notnull or pk)))
    return pa.schema(fields)


def _column(pa, values: list, typ):
    if pa.types.is_floating(typ):
        values = [float(v) if v is not None else None for v in values]
    elif pa.types.is_string(typ):
        values = [v if v is None or isinstance(v, str) else str(v) for v in values]
    return pa.array(values, type=typ)


def export_table(conn: sqlite3.Connection, table: str, path: Path) -> int:
    """Write one table or view to a Parquet file. Returns the number of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(pa, conn, table)
    tmp = path.with_suffix(".parquet.part")
    rows = 0
    order = " ORDER BY rowid" if table not in VIEWS else ""
    cursor = conn.execute(f"SELECT {', '.join(f'[{n}]' for n in schema.names)} FROM [{table}]{order}")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        while True:
            batch = cursor.fetchmany(BATCH)
            if not batch:
                break
            columns = list(zip(*batch))
            arrays = [_column(pa, list(col), f.type) for col, f in zip(columns, schema)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            rows += len(batch)
        if rows == 0:
            writer.write_table(schema.empty_table())
    tmp.replace(path)
    return rows


def export_parquet(db_path, out_dir) -> dict[str, tuple[Path, int]]:
    """Every data table and the report_summary view of the database at `db_path` as
    `out_dir/<name>.parquet`. Returns {name: (path, rows)}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    try:
        result = {}
        for table in _tables(conn):
            path = out / f"{table}.parquet"
            result[table] = (path, export_table(conn, table, path))
        return result
    finally:
        conn.close()
