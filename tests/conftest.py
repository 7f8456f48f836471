"""Shared fixtures: a database built by the real ingest over the bundled corpus."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
GOLD = ROOT / "gold"


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory) -> Path:
    """The bundled corpus ingested once per test session (read-only for tests)."""
    from ingest.pipeline import ingest_paths

    path = tmp_path_factory.mktemp("corpus") / "jixiao.db"
    ingest_paths([RAW], path, progress=False)
    return path


@pytest.fixture
def scratch_db(tmp_path, corpus_db) -> Path:
    """A private copy of the corpus database a test may change."""
    path = tmp_path / "jixiao.db"
    shutil.copy(corpus_db, path)
    return path


@pytest.fixture(scope="session")
def served_db(corpus_db, tmp_path_factory) -> tuple[Path, Path]:
    """(database, inspect file): a copy of the corpus database to serve immutable, with
    the table counts `make serve` writes (`datasette inspect`) beside it."""
    import subprocess
    import sys

    work = tmp_path_factory.mktemp("served")
    db = work / "jixiao.db"
    shutil.copy(corpus_db, db)
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file",
                    str(work / "inspect.json")], check=True, cwd=ROOT, capture_output=True)
    return db, work / "inspect.json"


def index_snapshot(conn) -> tuple:
    """Every FTS index's content (term, row, column, offset), which does not depend on
    how FTS5 laid out its segments, and the index state."""
    data = {}
    from ingest import search_index as si

    for spec in si.SEARCHABLE.values():
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.[v_{spec.fts}] "
                     f"USING fts5vocab(main, [{spec.fts}], 'instance')")
        data[spec.fts] = conn.execute(
            f"SELECT term, doc, col, offset FROM temp.[v_{spec.fts}] "
            "ORDER BY term, doc, col, offset").fetchall()
    state = conn.execute("SELECT * FROM search_state ORDER BY name").fetchall()
    return data, state
