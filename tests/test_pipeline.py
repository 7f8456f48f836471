"""End to end: the bundled corpus, idempotent and traceable loading, bad input."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import PARSER_VERSION, load
from ingest.cli import cli
from ingest.pipeline import ingest_paths
from ingest.schema import REPORT_CHILDREN

from conftest import GOLD, RAW
from gold import score, score_flags

TABLES = ["documents", "regions", "departments", "reports"] + REPORT_CHILDREN


def dump(path: Path) -> dict:
    """Every row of every data table, ordered by id (the content, not the file bytes)."""
    conn = sqlite3.connect(path)
    out = {}
    for t in TABLES:
        out[t] = conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
    conn.close()
    return out


def test_bundled_corpus_meets_the_gold_facts(corpus_db):
    ok, total, misses = score(corpus_db, GOLD)
    assert total >= 200
    assert ok / total >= 0.97, misses


def test_quality_flag_facts_all_pass(corpus_db):
    ok, total, misses = score_flags(corpus_db, GOLD)
    assert ok == total, misses


def test_every_report_leads_to_its_document(corpus_db):
    conn = sqlite3.connect(corpus_db)
    rows = conn.execute("""select d.sha256, d.file_name, d.layout, d.parser_version, d.status, d.format,
                                  d.encoding, length(d.text)
                           from reports r join documents d on d.id = r.document_id""").fetchall()
    assert len(rows) == 5
    for sha, name, layout, version, status, fmt, enc, n in rows:
        assert len(sha) == 64 and name.endswith(".txt") and layout and version == PARSER_VERSION
        assert status == "parsed" and fmt == "txt" and enc == "utf-8" and n > 1000
    layouts = {r[2] for r in rows}
    assert len(layouts) == 4        # four kinds of layout among the five seeds


def test_every_schema_table_is_filled(corpus_db):
    conn = sqlite3.connect(corpus_db)
    for t in TABLES:
        assert conn.execute(f"select count(*) from {t}").fetchone()[0] > 0, t
    summary = conn.execute("select count(*), count(province), count(expenditure_total) from report_summary").fetchone()
    assert summary == (5, 5, 5)
    assert conn.execute("select count(*) from regions where level='county' and code is not null").fetchone()[0] == 5


def test_ingesting_twice_changes_nothing(tmp_path):
    db = tmp_path / "a.db"
    first = ingest_paths([RAW], db, progress=False)
    before = dump(db)
    second = ingest_paths([RAW], db, progress=False)
    assert first.parsed == 5 and second.unchanged == 5 and second.parsed == 0
    assert dump(db) == before


def test_the_same_corpus_gives_the_same_ids_in_a_fresh_database(tmp_path, corpus_db):
    db = tmp_path / "b.db"
    ingest_paths([RAW], db, progress=False)
    a, b = dump(db), dump(corpus_db)
    for t in TABLES:
        strip = (lambda rows: [r[:10] + r[11:] for r in rows]) if t == "documents" else (lambda rows: rows)
        assert strip(a[t]) == strip(b[t]), t      # documents.ingested_at (column 10) differs


def test_a_changed_file_replaces_its_old_rows(tmp_path):
    folder = tmp_path / "raw"
    shutil.copytree(RAW, folder)
    db = tmp_path / "c.db"
    ingest_paths([folder], db, progress=False)
    target = sorted(folder.glob("000_*.txt"))[0]
    conn = sqlite3.connect(db)
    old_doc = conn.execute("select id, sha256 from documents where file_name = ?", (target.name,)).fetchone()
    counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in ["reports", "indicators"]}
    conn.close()
    text = target.read_text(encoding="utf-8").replace("98.5", "97.5")
    target.write_text(text, encoding="utf-8")
    summary = ingest_paths([folder], db, progress=False)
    assert summary.parsed == 1 and summary.unchanged == 4
    conn = sqlite3.connect(db)
    docs = conn.execute("select id, sha256 from documents where file_name = ?", (target.name,)).fetchall()
    assert len(docs) == 1 and docs[0][1] != old_doc[1]
    assert conn.execute("select count(*) from reports where document_id = ?", (old_doc[0],)).fetchone()[0] == 0
    assert conn.execute("select self_score from reports where document_id = ?", (docs[0][0],)).fetchone()[0] == 97.5
    for t, n in counts.items():
        assert conn.execute(f"select count(*) from {t}").fetchone()[0] == n


def test_a_crash_while_loading_leaves_no_half_report(tmp_path, monkeypatch):
    db = tmp_path / "d.db"
    real = load._insert_report

    def explode(db_, doc_id, ordinal, rep, region):
        real(db_, doc_id, ordinal, rep, region)
        raise RuntimeError("power cut")

    monkeypatch.setattr(load, "_insert_report", explode)
    with pytest.raises(RuntimeError):
        ingest_paths([RAW], db, progress=False)
    conn = sqlite3.connect(db)
    for t in TABLES:
        assert conn.execute(f"select count(*) from {t}").fetchone()[0] == 0, t


BAD = {
    "empty.txt": b"",
    "blank.txt": b"   \n\n",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "gb18030.txt": None,       # written from the corpus below
    "truncated.txt": None,
    "notes.txt": "会议通知\n请各单位于周五前报送材料。\n".encode("utf-8"),
    "decision.txt": "某某局2023年度部门决算说明\n一、部门职责\n收入合计100万元。\n".encode("utf-8"),
}


@pytest.fixture
def bad_folder(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    seed = sorted(RAW.glob("000_*.txt"))[0].read_text(encoding="utf-8")
    for name, data in BAD.items():
        if name == "gb18030.txt":
            data = seed.encode("gb18030")
        elif name == "truncated.txt":
            data = seed[:1500].encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def test_bad_input_is_recorded_with_a_clear_message(tmp_path, bad_folder):
    db = tmp_path / "e.db"
    summary = ingest_paths([bad_folder], db, progress=False)
    conn = sqlite3.connect(db)
    rows = {name: (status, error, enc) for name, status, error, enc in
            conn.execute("select file_name, status, error, encoding from documents")}
    assert set(rows) == set(BAD)
    assert rows["empty.txt"][0] == "failed" and "空文件" in rows["empty.txt"][1]
    assert rows["blank.txt"][0] == "failed"
    assert rows["binary.txt"][0] == "failed" and "二进制" in rows["binary.txt"][1]
    assert rows["notes.txt"][0] == "failed" and "不是绩效自评报告" in rows["notes.txt"][1]
    assert rows["decision.txt"][0] == "failed"
    assert rows["gb18030.txt"][0] == "parsed" and rows["gb18030.txt"][2] == "gb18030"
    assert rows["truncated.txt"][0] in ("partial", "parsed")
    # the GB18030 copy yields the same report as the UTF-8 original
    assert conn.execute("select count(*) from reports r join documents d on d.id = r.document_id "
                        "where d.file_name = 'gb18030.txt' and r.self_score = 98.5").fetchone()[0] == 1
    assert summary.failed == 5 and summary.total == 7
    # a failed document never leaves half a report
    assert conn.execute("select count(*) from reports r join documents d on d.id = r.document_id "
                        "where d.status = 'failed'").fetchone()[0] == 0


def test_cli_summary_and_strict_exit(tmp_path, bad_folder):
    runner = CliRunner()
    db = tmp_path / "f.db"
    res = runner.invoke(cli, ["ingest", str(bad_folder), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "failed" in res.output and "7 files" in res.output
    res = runner.invoke(cli, ["ingest", str(bad_folder), "--db", str(tmp_path / "g.db"), "--strict"])
    assert res.exit_code == 1
    res = runner.invoke(cli, ["ingest", str(RAW), "--db", str(tmp_path / "h.db"), "--strict"])
    assert res.exit_code == 0 and "5 parsed" in res.output


def test_progress_bar_is_quiet_when_not_a_terminal_and_shows_counts_when_asked(tmp_path, capsys):
    import io
    out = io.StringIO()
    ingest_paths([RAW], tmp_path / "i.db", out=out)
    assert out.getvalue() == ""
    out = io.StringIO()
    ingest_paths([RAW], tmp_path / "j.db", out=out, progress=True)
    assert "5/5" in out.getvalue() and "files" in out.getvalue()


def test_reports_carry_their_flag_codes_for_faceting(corpus_db):
    conn = sqlite3.connect(corpus_db)
    rows = conn.execute("select flag_count, flag_codes from reports order by id").fetchall()
    for count, codes in rows:
        import json
        codes = json.loads(codes)
        assert codes == sorted(set(codes))
        assert count >= len(codes)
    assert any(json.loads(c) for _, c in rows)


def test_a_database_of_another_schema_version_is_refused_clearly(tmp_path):
    from ingest.schema import SCHEMA_VERSION
    db = tmp_path / "old.db"
    ingest_paths([RAW], db, progress=False)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    res = CliRunner().invoke(cli, ["ingest", str(RAW), "--db", str(db)])
    assert res.exit_code != 0 and "schema version" in res.output


def test_a_crash_in_a_batch_keeps_whole_documents_and_the_next_run_finishes(tmp_path, monkeypatch):
    """Documents load in batches (one transaction, a savepoint each): a crash loses the
    open batch, never part of a document, and a second run ends where a clean run ends."""
    from ingest import pipeline

    monkeypatch.setattr(pipeline._BatchWriter, "EVERY", 2)
    real = load._insert_report
    calls = []

    def explode(db_, doc_id, ordinal, rep, region):
        calls.append(1)
        real(db_, doc_id, ordinal, rep, region)
        if len(calls) == 3:
            raise RuntimeError("power cut")

    db = tmp_path / "d.db"
    monkeypatch.setattr(load, "_insert_report", explode)
    with pytest.raises(RuntimeError):
        ingest_paths([RAW], db, progress=False, workers=1)
    monkeypatch.setattr(load, "_insert_report", real)
    conn = sqlite3.connect(db)
    # the first batch (two documents) was committed whole, the second not at all
    assert conn.execute("select count(*) from documents").fetchone()[0] == 2
    assert conn.execute("select count(*) from reports").fetchone()[0] == 2
    summary = ingest_paths([RAW], db, progress=False, workers=1)
    assert summary.unchanged == 2
    clean = tmp_path / "clean.db"
    ingest_paths([RAW], clean, progress=False, workers=1)
    other = sqlite3.connect(clean)
    for t in TABLES:
        cols = [c[1] for c in conn.execute(f"PRAGMA table_info([{t}])") if c[1] != "ingested_at"]
        sql = f"select {', '.join(cols)} from {t} order by id"
        assert conn.execute(sql).fetchall() == other.execute(sql).fetchall(), t


def test_workers_default_to_one_per_cpu(monkeypatch):
    from ingest import workers_or_default

    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert workers_or_default(None) == 3 and workers_or_default(2) == 2
    monkeypatch.setattr("os.cpu_count", lambda: None)       # unknown: one
    assert workers_or_default(None) == 1
