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
