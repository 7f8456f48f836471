#!/usr/bin/env python3
"""Compare two jixiao databases row by row.

    python3 scripts/compare_dbs.py A.db B.db [--show 5] [--ignore-column TABLE.COLUMN] [--all-columns]

Every table but the full-text shadow tables (``*_fts*``) and ``search_index`` is compared:
the same tables, the same columns, and the same rows in the same order (by ``id`` when a
table has one, else by ``rowid``). The first differences of each table are printed.
Exit status: 0 when the databases agree, 1 when anything differs.

``documents.ingested_at`` (when a document was loaded) is left out unless ``--all-columns``
is given; more columns can be left out with ``--ignore-column TABLE.COLUMN``.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from itertools import zip_longest


BUILD_TIME_COLUMNS = {"documents.ingested_at"}


def tables(conn: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return [n for n in names if "_fts" not in n and n != "search_index"]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def order_by(cols: list[str]) -> str:
    return '"id"' if "id" in cols else "rowid"


def short(value, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width] + "…"


def compare_table(a, b, table: str, ignore: set[str], show: int, out) -> int:
    cols_a, cols_b = columns(a, table), columns(b, table)
    if cols_a != cols_b:
        print(f"{table}: columns differ\n  A: {cols_a}\n  B: {cols_b}", file=out)
        return 1
    cols = [c for c in cols_a if f"{table}.{c}" not in ignore]
    select = f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}" ' \
             f"ORDER BY {order_by(cols_a)}"
    diffs = 0
    rows = zip_longest(a.execute(select), b.execute(select))
    for n, (ra, rb) in enumerate(rows):
        if ra == rb:
            continue
        diffs += 1
        if diffs <= show:
            if ra is None or rb is None:
                print(f"{table} row {n}: only in {'B' if ra is None else 'A'}: {short(ra or rb)}",
                      file=out)
                continue
            changed = [(c, va, vb) for c, va, vb in zip(cols, ra, rb) if va != vb]
            key = ra[cols.index("id")] if "id" in cols else n
            print(f"{table} id={key}:", file=out)
            for c, va, vb in changed:
                print(f"    {c}:\n      A {short(va)}\n      B {short(vb)}", file=out)
    if diffs:
        total_a = a.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        total_b = b.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        print(f"{table}: {diffs} rows differ (A has {total_a} rows, B has {total_b})", file=out)
    return diffs


def compare(path_a: str, path_b: str, ignore: set[str] = frozenset(), show: int = 5,
            out=sys.stdout) -> int:
    a = sqlite3.connect(f"file:{path_a}?mode=ro", uri=True)
    b = sqlite3.connect(f"file:{path_b}?mode=ro", uri=True)
    ta, tb = tables(a), tables(b)
    bad = 0
    for t in sorted(set(ta) ^ set(tb)):
        print(f"{t}: only in {'A' if t in ta else 'B'}", file=out)
        bad += 1
    counted = []
    for t in ta:
        if t in tb:
            d = compare_table(a, b, t, ignore, show, out)
            bad += d
            counted.append((t, d))
    same = sum(1 for _, d in counted if d == 0)
    print(f"{same}/{len(counted)} tables identical"
          + ("" if bad == 0 else f"; {bad} differences in all"), file=out)
    return bad


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--show", type=int, default=5, help="differences printed per table")
    p.add_argument("--ignore-column", action="append", default=[], metavar="TABLE.COLUMN")
    p.add_argument("--all-columns", action="store_true",
                   help="compare documents.ingested_at too")
    args = p.parse_args(argv)
    ignore = set(args.ignore_column) | (set() if args.all_columns else BUILD_TIME_COLUMNS)
    return 1 if compare(args.a, args.b, ignore, args.show) else 0


if __name__ == "__main__":
    sys.exit(main())
