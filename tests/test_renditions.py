"""Renditions of the bundled seeds (DOCX, XLSX, HTML, PDF) must score like the text."""
from __future__ import annotations

from conftest import GOLD

from gold import score, score_by_document


def test_gold_scorer_on_corpus(corpus_db):
    ok, total, misses = score(corpus_db, GOLD)
    assert total > 100
    assert ok == total, misses[:5]
    per_doc = score_by_document(corpus_db, GOLD, same_document=True)
    assert sum(v[1] for v in per_doc.values()) == total
    assert all(v[0] == v[1] for v in per_doc.values())
