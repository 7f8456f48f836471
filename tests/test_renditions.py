"""Renditions of the bundled seeds (DOCX, XLSX, HTML, PDF) must score like the text.

scripts/render_seeds.py writes each seed, read through the real text reader, as a
Word file, a workbook, a government web page (with site chrome) and a PDF (ruled
tables, Noto CJK); each rendition set is ingested into its own database and scored
with tests/gold.py, report by report from its own document.
"""
from __future__ import annotations

import importlib.util
import sqlite3

import pytest
from conftest import GOLD, RAW, ROOT

from gold import score, score_by_document

_spec = importlib.util.spec_from_file_location("render_seeds", ROOT / "scripts" / "render_seeds.py")
render_seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_seeds)


def test_gold_scorer_on_corpus(corpus_db):
    ok, total, misses = score(corpus_db, GOLD)
    assert total > 100
    assert ok == total, misses[:5]
    per_doc = score_by_document(corpus_db, GOLD, same_document=True)
    assert sum(v[1] for v in per_doc.values()) == total
    assert all(v[0] == v[1] for v in per_doc.values())


@pytest.fixture(scope="module")
def renditions(tmp_path_factory):
    out = tmp_path_factory.mktemp("renditions")
    formats = ["docx", "xlsx", "html"]
    if render_seeds.cjk_font() is not None:
        formats.append("pdf")
    return out, render_seeds.render_all(out, formats)


@pytest.fixture(scope="module")
def text_score(corpus_db):
    return score(corpus_db, GOLD, same_document=True)[:2]


def _ingest(folder, db):
    from ingest.pipeline import ingest_paths
    summary = ingest_paths([folder], db, progress=False)
    assert summary.failed == 0, summary.problems
    return db


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "html", "pdf"])
def test_rendition_scores_like_text(fmt, renditions, text_score, tmp_path):
    out, written = renditions
    if fmt not in written:
        pytest.skip("no CJK font for PDF renditions (Debian fonts-noto-cjk; `make test` installs it)")
    assert len(written[fmt]) == len(list(RAW.glob("*.txt")))
    db = _ingest(out / fmt, tmp_path / f"{fmt}.db")
    ok, total, misses = score(db, GOLD, same_document=True)
    assert (ok, total) == text_score, misses[:10]
    conn = sqlite3.connect(db)
    formats = {r[0] for r in conn.execute("SELECT format FROM documents")}
    encodings = {r[0] for r in conn.execute("SELECT encoding FROM documents")}
    assert formats == {fmt}
    assert encodings == ({"utf-8"} if fmt == "html" else {None})


def test_html_rendition_keeps_publisher_and_drops_chrome(renditions):
    out, _ = renditions
    from ingest.read import read_bytes
    page = next((out / "html").glob("*.html"))
    doc = read_bytes(page.read_bytes(), page.name)
    assert doc.meta["publisher"] == render_seeds.PUBLISHER
    assert doc.meta["published_date"] == render_seeds.PUBLISHED
    text = doc.text
    for chrome in ("索引号", "首页", "网站地图", "版权所有", "打印本页", "分享到", "相关链接", "统计代码", "浏览次数"):
        assert chrome not in text, chrome


def _summary(result):
    """What a parse makes of a document, in a form to compare across formats."""
    out = [result.status, result.kind]
    for rep in result.reports:
        out.append((rep.department, rep.fiscal_year, rep.self_score, rep.grade, rep.staff_authorized,
                    rep.staff_actual, rep.contact_name,
                    sorted((f.statement, f.item, f.unit, f.amount) for f in rep.finance),
                    [(i.level1, i.level2, i.name, i.target_value, i.actual_value, i.weight, i.score)
                     for i in rep.indicators],
                    [(p.name, p.budget_executed, p.total_score, len(p.indicators)) for p in rep.projects],
                    [(r.name, r.weight, r.score) for r in rep.rubric],
                    len(rep.goals), len(rep.people)))
    return out


def test_synthetic_reports_read_the_same_in_every_format(tmp_path):
    """Reports of every layout from the synthetic corpus (ingest/synth.py), rendered in
    every format, parse to the same report as their text."""
    from ingest.pipeline import parse_bytes
    from ingest.synth import generate

    formats = ["docx", "xlsx", "html"]
    font = None
    if render_seeds.cjk_font() is not None:
        formats.append("pdf")
    docs = list(generate(10, seed=7))
    if "pdf" in formats:
        chars = "".join(render_seeds._doc_chars(render_seeds.read_bytes(data, name)) for name, data, _ in docs)
        font = render_seeds.truetype_cjk_font(chars, tmp_path / "fonts")
    differences = []
    for name, data, _ in docs:
        base = _summary(parse_bytes(data, name)[1])
        doc = render_seeds.read_bytes(data, name)
        for fmt in formats:
            target = tmp_path / f"{name.replace('/', '_')}.{fmt}"
            extra = {"font_file": font} if fmt == "pdf" else {}
            render_seeds.RENDERERS[fmt](doc, target, **extra)
            got = _summary(parse_bytes(target.read_bytes(), target.name)[1])
            if got != base:
                differences.append((name, fmt, base, got))
    assert not differences, differences[:2]
