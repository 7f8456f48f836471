"""Scale: the synthetic corpus, parallel ingest and Parquet exports (never timings)."""
from __future__ import annotations

import gc
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import RAW
from ingest import pipeline, synth
from ingest.pipeline import ingest_paths

N = 30          # ten departments: every layout variant appears (synth._CYCLE)
SEED = 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "corpus"
    synth.write_corpus(out, N, seed=SEED, workers=1)
    return out


@pytest.fixture(scope="module")
def serial_db(tmp_path_factory, corpus) -> Path:
    db = tmp_path_factory.mktemp("serial") / "jixiao.db"
    ingest_paths([corpus], db, progress=False, workers=1)
    return db


# Tables that do not grow with the corpus as fast as the reports do: dimension tables
# (regions from the gazetteer, one row per department) and tables with fewer rows than
# reports (at 100,000 reports: 40,000 projects, 22,000 petition figures, 14,000 flags). A
# scan of one of them costs less than the index scans of the large tables' facets. The
# stats_* tables are the corpus statistics, a row per province or year.
SMALL_TABLES = {"regions", "departments", "projects", "petition_stats", "quality_flags"}


def _plan(conn, sql: str) -> str:
    return " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))


def test_stock_table_pages_of_large_tables_read_only_what_they_show(serial_db):
    """Every large table's stock page (and the report_summary view's) sorts its default
    order through an index, and groups its configured facets over a covering index: the
    page as first shown reads or sorts no whole table. Where metadata.yml limits the
    sorts a table offers (sortable_columns: documents, whose rows carry the full texts),
    each has an index. (The other large tables still offer every column from the column
    menu; an unindexed sort there scans the table: README, Scale.)"""
    import yaml

    meta = yaml.safe_load((Path(__file__).resolve().parent.parent / "metadata.yml")
                          .read_text(encoding="utf-8"))["databases"]["jixiao"]["tables"]
    conn = sqlite3.connect(serial_db)
    checked = 0
    for table, tm in meta.items():
        if table in SMALL_TABLES or table.startswith(("stats_", "search_")) or table.endswith("_fts"):
            continue
        order = [(tm[k], k == "sort_desc") for k in ("sort", "sort_desc") if k in tm]
        order += [(c, d) for c in tm.get("sortable_columns", []) for d in (False, True)]
        for column, desc in order:
            plan = _plan(conn, f"SELECT * FROM [{table}] ORDER BY [{column}]"
                               f"{' DESC' if desc else ''} LIMIT 101")
            assert "TEMP B-TREE" not in plan, (table, column, plan)
            checked += 1
        for facet in tm.get("facets", []):
            assert isinstance(facet, str), (table, facet)   # array facets scan every row
            plan = _plan(conn, f"SELECT [{facet}], count(*) FROM [{table}] GROUP BY [{facet}]")
            assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, (table, facet, plan)
            checked += 1
    assert checked >= 10
    # Datasette counts a view's rows on every page of it: the count of report_summary reads
    # the reports and their departments and regions, never the documents (full texts)
    plan = _plan(conn, "SELECT count(*) FROM report_summary")
    assert "documents" not in plan and " doc " not in f"{plan} ", plan


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_synth_is_deterministic_whatever_the_number_of_workers(tmp_path, corpus):
    again = tmp_path / "again"
    synth.write_corpus(again, N, seed=SEED, workers=2)
    assert _files(again) == _files(corpus)
    names = [n for n in _files(corpus) if n.endswith(".txt")]
    assert len(names) == N and len(set(names)) == N
    # the same document alone, and another seed gives other documents
    name, data, _ = synth.document(SEED, 7, N)
    assert (corpus / name).read_bytes() == data
    assert synth.document(SEED + 1, 7, N)[1] != data


def test_synth_writes_every_layout_with_real_departments(corpus):
    rows = synth.read_manifest(corpus)
    assert len(rows) == N
    assert {r["variant"] for r in rows} == set(synth.VARIANTS)
    from ingest.normalise.regions import gazetteer
    g = gazetteer()
    for r in rows:
        region = g.by_code[r["region_code"]]
        assert r["department"].startswith((region.prefecture or "") + region.name) or \
            r["department"].startswith(region.name)
        assert synth.FIRST_YEAR <= int(r["fiscal_year"]) < synth.FIRST_YEAR + synth.YEARS


def test_every_synthetic_document_parses_as_intended(corpus, serial_db):
    want = {r["file"]: r for r in synth.read_manifest(corpus)}
    conn = sqlite3.connect(serial_db)
    got = conn.execute(
        """SELECT d.file_name, d.status, d.error, d.layout, p.name, r.fiscal_year, g.code
           FROM documents d JOIN reports r ON r.document_id = d.id
           LEFT JOIN departments p ON p.id = r.department_id
           LEFT JOIN regions g ON g.id = p.region_id ORDER BY d.id""").fetchall()
    assert len(got) == N
    for name, status, error, layout, dept, year, code in got:
        w = want[name]
        assert (status, error) == ("parsed", None), name
        assert layout == w["layout"], name
        assert (dept, year, code) == (w["department"], int(w["fiscal_year"]), w["region_code"]), name
    # every report has indicators, money figures and narrative sections
    for table in ("indicators", "finance_items", "sections"):
        n = conn.execute(f"SELECT count(DISTINCT report_id) FROM {table}").fetchone()[0]
        assert n == N, table


def test_synthetic_key_tasks(serial_db):
    """The workbook's 重点工作任务 table prints one row per project (name, 全年预算数 as
    批复金额, 执行数 as 实际支出); the county form lists 4-6 tasks beside its 年度主要工作内容
    label (content only, numbers dropped); the other layouts print none."""
    conn = sqlite3.connect(serial_db)
    checked = {"provincial_workbook": 0, "county_form": 0}
    for rid, layout in conn.execute(
            "SELECT r.id, d.layout FROM reports r JOIN documents d ON d.id = r.document_id"):
        tasks = conn.execute("SELECT name, budget, spent, content FROM tasks WHERE report_id = ? "
                             "ORDER BY ordinal", [rid]).fetchall()
        if layout == "provincial_workbook":
            projects = conn.execute("SELECT name, budget_adjusted, budget_executed FROM projects "
                                    "WHERE report_id = ? ORDER BY ordinal", [rid]).fetchall()
            assert [t[:3] for t in tasks] == projects and tasks, rid
        elif layout == "county_form":
            assert 4 <= len(tasks) <= 6, rid
            for name, budget, spent, content in tasks:
                assert (name, budget, spent) == (None, None, None), rid
                assert content and not re.match(r"任务|\d", content) and not content.endswith("；")
        else:
            assert tasks == [], rid
            continue
        checked[layout] += 1
    assert all(checked.values()), checked


def _dump(path: Path) -> dict:
    conn = sqlite3.connect(path)
    tables = [t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND name NOT LIKE '%_fts_%' ORDER BY name")]
    out = {}
    for t in tables:
        cols = [c[1] for c in conn.execute(f"PRAGMA table_info([{t}])") if c[1] != "ingested_at"]
        out[t] = conn.execute(f"SELECT {', '.join(cols)} FROM [{t}] ORDER BY rowid").fetchall()
    return out


def test_parallel_ingest_gives_the_same_database(tmp_path, corpus, serial_db):
    db = tmp_path / "parallel.db"
    summary = ingest_paths([corpus], db, progress=False, workers=2)
    assert summary.parsed == N
    a, b = _dump(serial_db), _dump(db)
    assert a.keys() == b.keys() and "search_state" in a
    for t in a:
        assert a[t] == b[t], t
    # and a second run in parallel changes nothing
    again = ingest_paths([corpus], db, progress=False, workers=2)
    assert again.unchanged == N
    assert _dump(db) == b


def test_the_loaded_file_is_an_ordinary_rollback_journal_database(serial_db):
    conn = sqlite3.connect(serial_db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not Path(str(serial_db) + "-wal").exists()


def test_no_index_repeats_the_leading_columns_of_another(serial_db):
    # an index whose columns begin another index's (or a UNIQUE constraint's) is only
    # written, never needed: the longer one serves its lookups
    conn = sqlite3.connect(serial_db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE '%_fts%' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        cols = {name: [r[2] for r in conn.execute("SELECT * FROM pragma_index_info(?)", (name,))]
                for (name,) in conn.execute("SELECT name FROM pragma_index_list(?)", (table,))}
        for a, ca in cols.items():
            for b, cb in cols.items():
                assert a == b or cb[:len(ca)] != ca, f"{table}: {a} {ca} is a prefix of {b} {cb}"
    # and the lookups the two dropped indexes served still use an index
    for sql in ("SELECT amount FROM finance_items WHERE report_id = 1 AND statement = 'expenditure' "
                "AND item = 'total'", "SELECT id FROM reports WHERE fiscal_year = 2020"):
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "USING" in plan and "INDEX" in plan, plan


def test_browse_indexes_are_built_after_the_load_and_restored_when_missing(tmp_path, corpus):
    from ingest import load, schema

    db = tmp_path / "jixiao.db"
    conn = load.open_db(db).conn
    assert schema.missing_browse_indexes(conn)     # not kept up while the first load inserts
    conn.close()
    ingest_paths([corpus], db, progress=False, workers=1)
    conn = sqlite3.connect(db)
    assert not schema.missing_browse_indexes(conn)
    # a database without them (an older one) gets them from a run that loads nothing new
    conn.execute("DROP INDEX idx_finance_ranked")
    conn.commit()
    conn.close()
    again = ingest_paths([corpus], db, progress=False, workers=1)
    assert again.unchanged == N
    conn = sqlite3.connect(db)
    assert not schema.missing_browse_indexes(conn)
    _assert_browse_plans(conn)


def _assert_browse_plans(conn):
    # the sorts they serve: indicators by score, one finance item by amount (the canned
    # query largest_amounts)
    plan = _plan(conn, "SELECT * FROM indicators ORDER BY score DESC LIMIT 101")
    assert "idx_indicators_score" in plan and "TEMP B-TREE" not in plan, plan
    # (one report's indicators by score still come from the report index)
    plan = _plan(conn, "SELECT * FROM indicators WHERE report_id = 1 ORDER BY score DESC LIMIT 101")
    assert "idx_indicators_report" in plan, plan
    import yaml

    sql = (yaml.safe_load((Path(__file__).resolve().parent.parent / "metadata.yml")
                          .read_text(encoding="utf-8"))["databases"]["jixiao"]["queries"]
           ["largest_amounts"]["sql"].replace(":item", "'three_public.total'"))
    plan = _plan(conn, sql)
    assert "idx_finance_ranked" in plan and "TEMP B-TREE" not in plan, plan
    # and a table page's filters, shown in report order, still read that order off the
    # report index (sorting only each report's few rows by id) instead of sorting all that
    # an equality on a browse index would select
    for where in ("statement = 'expenditure'", "statement = 'three_public' AND item = 'total'"):
        plan = _plan(conn, f"SELECT * FROM finance_items WHERE {where} ORDER BY report_id, id LIMIT 101")
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_export_writes_readable_parquet_for_every_table(tmp_path, serial_db):
    pq = pytest.importorskip("pyarrow.parquet")
    from ingest.export import export_parquet

    out = export_parquet(serial_db, tmp_path / "export")
    conn = sqlite3.connect(serial_db)
    expected = {"documents", "regions", "departments", "reports", "finance_items", "projects",
                "indicators", "rubric_items", "goals", "tasks", "findings", "people", "sections",
                "petition_stats", "quality_flags", "report_summary"}
    assert expected <= set(out)
    assert not any(name.endswith(("_fts", "_data", "_idx")) for name in out)
    for name, (path, rows) in out.items():
        table = pq.read_table(path)
        assert table.num_rows == rows == conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
        cols = [c[1] for c in conn.execute(f"PRAGMA table_info([{name}])")]
        assert table.column_names == cols, name
    reports = pq.read_table(out["reports"][0]).to_pylist()
    first = conn.execute("SELECT id, fiscal_year, self_score FROM reports ORDER BY id").fetchone()
    assert (reports[0]["id"], reports[0]["fiscal_year"], reports[0]["self_score"]) == first
    summary = pq.read_table(out["report_summary"][0])
    assert str(summary.schema.field("expenditure_total").type) == "double"


def test_stats_tables_agree_with_the_data(serial_db):
    """The ingest builds the statistics tables; their figures are the live counts."""
    from ingest import stats

    conn = sqlite3.connect(serial_db)
    assert not stats.needs_rebuild(conn)
    one = lambda sql: conn.execute(sql).fetchone()[0]
    figures = dict(conn.execute("SELECT name, value FROM stats"))
    assert figures["reports"] == one("SELECT count(*) FROM reports") == N
    assert figures["departments"] == one("SELECT count(DISTINCT department_id) FROM reports")
    assert figures["provinces"] == one("SELECT count(DISTINCT province) FROM report_summary")
    assert figures["indicators"] == one("SELECT count(*) FROM indicators")
    assert figures["flagged_reports"] == one("SELECT count(*) FROM reports WHERE flag_count > 0")
    by_year = conn.execute("SELECT fiscal_year, reports, expenditure_sum FROM stats_by_year").fetchall()
    want = conn.execute("SELECT fiscal_year, count(*), round(sum(expenditure_total), 2) "
                        "FROM report_summary GROUP BY fiscal_year ORDER BY 1").fetchall()
    assert by_year == want
    assert one("SELECT sum(reports) FROM stats_by_province") == N
    # rebuilding from the same content gives the same figures
    assert stats.rebuild(conn) == figures


def test_stats_follow_a_changed_corpus(tmp_path):
    """Adding a document to an existing database refreshes the statistics."""
    corpus = tmp_path / "corpus"
    synth.write_corpus(corpus, 6, seed=5, workers=1)
    files = sorted(corpus.rglob("*.txt"))
    db = tmp_path / "grow.db"
    first = tmp_path / "first"
    first.mkdir()
    for f in files[:4]:
        (first / f.name).write_bytes(f.read_bytes())
    ingest_paths([first], db, progress=False, workers=1)
    conn = sqlite3.connect(db)
    assert dict(conn.execute("SELECT name, value FROM stats"))["reports"] == 4
    for f in files[4:]:
        (first / f.name).write_bytes(f.read_bytes())
    ingest_paths([first], db, progress=False, workers=1)
    assert dict(conn.execute("SELECT name, value FROM stats"))["reports"] == 6


def test_cli_synth_ingest_with_workers_and_export(tmp_path):
    from click.testing import CliRunner

    from ingest.cli import cli

    runner = CliRunner()
    out = tmp_path / "c"
    res = runner.invoke(cli, ["synth", "--reports", "6", "--out", str(out), "--seed", "5",
                              "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert len(list(out.rglob("*.txt"))) == 6 and (out / synth.MANIFEST).exists()
    db = tmp_path / "c.db"
    res = runner.invoke(cli, ["ingest", str(out), "--db", str(db), "--workers", "2", "--strict"])
    assert res.exit_code == 0 and "6 parsed" in res.output, res.output
    res = runner.invoke(cli, ["ingest", str(out), "--db", str(db), "--workers", "0"])
    assert res.exit_code != 0          # at least one worker
    pytest.importorskip("pyarrow")
    res = runner.invoke(cli, ["export", "--db", str(db), "--out", str(tmp_path / "x")])
    assert res.exit_code == 0 and (tmp_path / "x" / "report_summary.parquet").exists(), res.output


# ------------------------------------------------------------------ search index growth

def _copy_with_rebuilt_index(src: Path, dst: Path) -> sqlite3.Connection:
    import shutil

    from ingest import search_index as si

    shutil.copy(src, dst)
    conn = sqlite3.connect(dst, isolation_level=None)
    conn.execute("BEGIN")
    si.rebuild(conn)
    conn.execute("COMMIT")
    return conn


def _split_corpus(corpus: Path, tmp_path: Path, first: int) -> tuple[Path, list[Path]]:
    """A folder with the first `first` files of the corpus, and the remaining files."""
    files = sorted(corpus.rglob("*.txt"))
    folder = tmp_path / "growing"
    folder.mkdir()
    for f in files[:first]:
        (folder / f.name).write_bytes(f.read_bytes())
    return folder, files[first:]


def test_the_index_grows_with_appended_documents_as_a_rebuild_would(tmp_path, corpus,
                                                                     monkeypatch):
    from conftest import index_snapshot

    from ingest import pipeline
    from ingest import search_index as si

    rebuilds = []
    real = si.rebuild
    monkeypatch.setattr(si, "rebuild", lambda *a, **k: rebuilds.append(1) or real(*a, **k))
    monkeypatch.setattr(pipeline._BatchWriter, "EVERY", 4)   # several batches
    folder, rest = _split_corpus(corpus, tmp_path, 13)
    db = tmp_path / "grow.db"
    ingest_paths([folder], db, progress=False, workers=2)
    for f in rest:
        (folder / f.name).write_bytes(f.read_bytes())
    summary = ingest_paths([folder], db, progress=False, workers=2)
    assert summary.parsed + summary.partial == N - 13 and summary.unchanged == 13
    assert rebuilds == []                     # appended, never rebuilt
    assert summary.timings["search_index_while_loading"] > 0
    conn = sqlite3.connect(db)
    assert not si.needs_rebuild(conn)
    grown = index_snapshot(conn)
    assert index_snapshot(_copy_with_rebuilt_index(db, tmp_path / "rebuilt.db")) == grown
    assert len(grown[0]["sections_fts"]) > N * 100


def test_a_replaced_document_rebuilds_the_index(tmp_path, corpus):
    from conftest import index_snapshot

    from ingest import search_index as si

    folder, _ = _split_corpus(corpus, tmp_path, 8)
    db = tmp_path / "replace.db"
    ingest_paths([folder], db, progress=False, workers=1)
    target = sorted(folder.iterdir())[3]
    target.write_bytes(target.read_bytes() + "\n五、其他说明\n本报告另附替换测试用语。\n".encode())
    summary = ingest_paths([folder], db, progress=False, workers=1)
    assert summary.unchanged == 7
    conn = sqlite3.connect(db)
    si.register_functions(conn)
    # the new text is found, and the index holds exactly what a rebuild holds (no row
    # of the replaced document is left behind)
    sql, params = si.search_sql("sections", "sections_fts", ["heading", "body"], "替换测试用语")
    assert len(conn.execute(sql, params).fetchall()) == 1
    assert index_snapshot(conn) == index_snapshot(
        _copy_with_rebuilt_index(db, tmp_path / "rebuilt.db"))


def test_an_interrupted_index_is_completed_by_the_next_run(tmp_path, corpus, monkeypatch):
    from conftest import index_snapshot

    from ingest import pipeline
    from ingest import search_index as si

    folder, rest = _split_corpus(corpus, tmp_path, 6)
    db = tmp_path / "interrupted.db"
    ingest_paths([folder], db, progress=False, workers=1)
    for f in rest[:5]:
        (folder / f.name).write_bytes(f.read_bytes())
    # the run stops after loading, before its rows reach the index
    monkeypatch.setattr(pipeline._SearchIndexer, "flush", lambda self: None)
    monkeypatch.setattr(pipeline._SearchIndexer, "finish", lambda self, conn, map: None)
    ingest_paths([folder], db, progress=False, workers=1)
    monkeypatch.undo()
    conn = sqlite3.connect(db)
    assert si.pending(conn) and si.needs_rebuild(conn)
    summary = ingest_paths([folder], db, progress=False, workers=1)
    assert summary.unchanged == 11
    assert not si.needs_rebuild(conn)
    assert index_snapshot(conn) == index_snapshot(
        _copy_with_rebuilt_index(db, tmp_path / "rebuilt.db"))


def test_a_run_that_stops_after_replacing_a_document_is_rebuilt_next_time(tmp_path, corpus,
                                                                         monkeypatch):
    """Rows of a replaced document leave the index only by a rebuild: if the run stops
    before its rebuild, the index is marked stale and the next run rebuilds it."""
    from conftest import index_snapshot

    from ingest import pipeline
    from ingest import search_index as si

    folder, _ = _split_corpus(corpus, tmp_path, 6)
    db = tmp_path / "stale.db"
    ingest_paths([folder], db, progress=False, workers=1)
    target = sorted(folder.iterdir())[2]
    target.write_bytes(target.read_bytes() + "\n五、其他说明\n中断测试用语。\n".encode())
    monkeypatch.setattr(pipeline._SearchIndexer, "finish", lambda self, conn, map: None)
    ingest_paths([folder], db, progress=False, workers=1)
    monkeypatch.undo()
    conn = sqlite3.connect(db)
    assert si.needs_rebuild(conn)
    assert ingest_paths([folder], db, progress=False, workers=1).unchanged == 6
    assert not si.needs_rebuild(conn)
    assert index_snapshot(conn) == index_snapshot(
        _copy_with_rebuilt_index(db, tmp_path / "rebuilt.db"))


def test_parsing_leaves_no_reference_cycles(corpus):
    """The parsing workers raise the cyclic collector's threshold because a parse leaves
    no cyclic garbage: reference counting frees each document as soon as it is sent.
    (A recursive closure in restore_printed was such a cycle: it held the whole document
    until a collection ran.)"""
    files = sorted(corpus.rglob("*.txt")) + sorted(p for p in RAW.iterdir() if p.is_file())
    for f in files:                     # first use: caches, OpenCC, compiled patterns
        pipeline._parse_file(f, f.name, frozenset(), tokens=True)
    gc.collect()
    debug = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for f in files:
            name, sha, parsed, tokens = pipeline._parse_file(f, f.name, frozenset(), tokens=True)
            assert parsed[1].status == "parsed", f
            del parsed, tokens
        gc.collect()
        garbage = sorted({type(o).__qualname__ for o in gc.garbage})
    finally:
        gc.set_debug(debug)
        gc.garbage.clear()
    assert garbage == []


def test_parsing_workers_collect_cycles_rarely():
    before = gc.get_threshold()
    with pipeline._Workers(2, set()) as workers:
        in_worker = workers.pool.submit(gc.get_threshold).result()
    assert in_worker == pipeline.WORKER_GC_THRESHOLD
    assert in_worker[0] > before[0]
    assert gc.get_threshold() == before          # the writer keeps the default


def test_the_parsing_window_holds_a_writer_batch():
    """Two workers keep parsing while the writer commits a batch (pipeline.IN_FLIGHT)."""
    assert 2 * pipeline.IN_FLIGHT * pipeline.BATCH >= pipeline._BatchWriter.EVERY


def test_the_ingest_benchmark_measures_a_child_without_loading_it():
    """bench.ingest.run_measured: the peak memory of the child's tree, sampled about once
    a second (each sample costs CPU that the measured run then lacks)."""
    from bench.ingest import SAMPLE_EVERY, run_measured

    child = "import time; b = b'x' * (200 << 20); time.sleep(2.5); print(len(b))"
    done, stats = run_measured([sys.executable, "-c", child])
    assert done.returncode == 0 and done.stdout.strip() == str(200 << 20)
    assert stats["peak_tree_rss"] >= 190 << 20
    assert stats["peak_process_rss"] >= 190 << 20
    assert 2 <= stats["samples"] <= stats["seconds"] / SAMPLE_EVERY + 1
