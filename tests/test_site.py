"""The public site: custom pages, downloads, canned queries, metadata and safety.

Every test runs Datasette in-process (ds.client) on the corpus database built by the real
ingest (conftest.corpus_db), or on a private copy (scratch_db) when it changes data.
Nothing here names a particular report: ids, names and figures are read from the database.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import re
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette
from datasette.utils import module_from_path
from ingest import serve

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
META = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
DB_META = META["databases"]["jixiao"]
QUERIES = DB_META["queries"]
BOM = b"\xef\xbb\xbf"
CJK = re.compile(r"[\u4e00-\u9fff]")
SPEC = re.compile(
    r'<script type="application/json" class="jx-chart-spec" data-target="[^"]+">(.*?)</script>',
    re.S)
# Values for the parameters of canned queries (any other parameter gets "").
QUERY_PARAMS = {"min_score": "95", "max_rate": "90", "department": "", "keyword": ""}


def make_datasette(db_path: Path) -> Datasette:
    """The site as `make serve` runs it (ingest/serve.py): immutable database, metadata,
    plugins, templates, static files and the site's settings."""
    return serve.datasette(serve.ServeConfig(db=str(db_path)))


@pytest.fixture
def ds(corpus_db):
    return make_datasette(corpus_db)


@pytest.fixture(scope="session")
def facts(corpus_db):
    """What the pages should show, read straight from the database."""
    conn = sqlite3.connect(corpus_db)
    conn.row_factory = sqlite3.Row
    out = {
        "reports": [dict(r) for r in conn.execute("SELECT * FROM report_summary")],
        "departments": [dict(r) for r in conn.execute("SELECT * FROM departments")],
        "documents": [dict(r) for r in conn.execute(
            "SELECT id, file_name, sha256 FROM documents")],
        "tables": [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")],
    }
    conn.close()
    assert out["reports"], "the corpus database has no reports"
    return out


def pages_module():
    return module_from_path(str(ROOT / "plugins" / "pages.py"), "jx_pages_under_test")


def chart_specs(html: str) -> list[dict]:
    return [json.loads(s) for s in SPEC.findall(html)]


# ---------------------------------------------------------------- pages ------

@pytest.mark.asyncio
async def test_home(ds, facts):
    r = await ds.client.get("/")
    assert r.status_code == 200
    html = r.text
    assert "部门整体支出绩效自评报告" in html
    # counts come from the database
    assert f"<strong>{len(facts['reports'])}</strong><span>份报告" in html
    n_depts = len({r["department_id"] for r in facts["reports"]})
    assert f"<strong>{n_depts}</strong><span>个部门" in html
    n_prov = len({r["province"] for r in facts["reports"] if r["province"]})
    assert f"<strong>{n_prov}</strong><span>个省份" in html
    # the search box posts to /search?q=
    assert re.search(r'<form[^>]+action="/search"[^>]*method="get"', html)
    assert 'name="q"' in html
    # the spending chart (Chinese axis title, 万元) with data from report_summary
    specs = chart_specs(html)
    assert specs, "no chart on the home page"
    assert "万元" in json.dumps(specs[0], ensure_ascii=False)
    totals = {(r["fiscal_year"], round(r["expenditure_total"], 2))
              for r in facts["reports"] if r["expenditure_total"] is not None}
    shown = {(v["fiscal_year"], v["amount"]) for v in specs[0]["data"]["values"]}
    assert totals <= shown or len(totals) > 10
    # latest reports link to their pages; SQL and downloads are one click away
    for rep in facts["reports"][:5]:
        assert f'href="/reports/{rep["report_id"]}"' in html
    assert 'href="/jixiao"' in html
    assert 'href="/downloads"' in html
    assert "#g.mark=" in html   # datasette-vega preset link
    for name in QUERIES:
        assert f'href="/jixiao/{name}"' in html


@pytest.mark.asyncio
async def test_home_reads_the_precomputed_stats(scratch_db):
    """The home page shows what the ingest's stats tables say (it never counts the corpus):
    a database whose `stats` says 123,456 reports shows 123456; provinces come from
    stats_by_province; a corpus that large gets the per-year chart from stats_by_year."""
    conn = sqlite3.connect(scratch_db)
    conn.execute("UPDATE stats SET value = 123456 WHERE name = 'reports'")
    conn.execute("UPDATE stats SET value = 4321 WHERE name = 'departments'")
    conn.execute("UPDATE stats SET value = 27 WHERE name = 'provinces'")
    conn.execute("INSERT INTO stats_by_province (province, code, reports, departments)"
                 " VALUES ('测试省', '990000', 99999, 77)")
    conn.execute("UPDATE stats_by_year SET expenditure_sum = 987654.32"
                 " WHERE fiscal_year = (SELECT max(fiscal_year) FROM stats_by_year)")
    last_year = conn.execute("SELECT max(fiscal_year) FROM stats_by_year").fetchone()[0]
    conn.commit()
    conn.close()
    html = (await make_datasette(scratch_db).client.get("/")).text
    assert "<strong>123456</strong><span>份报告" in html
    assert "<strong>4321</strong><span>个部门" in html
    assert "<strong>27</strong><span>个省份" in html
    assert "测试省</a>（99999 份）" in html
    specs = chart_specs(html)
    assert specs and {"fiscal_year": last_year, "amount": 987654.32}.items() <= next(
        v for v in specs[0]["data"]["values"] if v["fiscal_year"] == last_year).items()
    assert "各年度支出合计" in html


@pytest.mark.asyncio
async def test_home_without_stats_tables_counts_live(scratch_db, facts):
    """A database built before the stats tables existed still gets a correct home page."""
    conn = sqlite3.connect(scratch_db)
    for t in ("stats", "stats_by_year", "stats_by_province"):
        conn.execute(f"DROP TABLE {t}")
    conn.commit()
    conn.close()
    html = (await make_datasette(scratch_db).client.get("/")).text
    assert f"<strong>{len(facts['reports'])}</strong><span>份报告" in html
    assert chart_specs(html)


@pytest.mark.asyncio
async def test_home_latest_reports_are_the_newest(ds, corpus_db):
    conn = sqlite3.connect(corpus_db)
    newest = [r for (r,) in conn.execute(
        "SELECT id FROM reports ORDER BY fiscal_year DESC, report_date DESC, id DESC LIMIT 12")]
    conn.close()
    html = (await ds.client.get("/")).text
    body = html[html.index("最新报告"):]
    assert [int(x) for x in re.findall(r'href="/reports/(\d+)"', body)][:len(newest)] == newest


@pytest.mark.asyncio
async def test_department_pages(ds, facts):
    for dept in facts["departments"]:
        r = await ds.client.get(f"/departments/{dept['id']}")
        assert r.status_code == 200, dept
        html = r.text
        assert dept["name"] in html
        assert "历年支出" in html and "自评得分" in html and "三公经费" in html
        for rep in (x for x in facts["reports"] if x["department_id"] == dept["id"]):
            assert f'href="/reports/{rep["report_id"]}"' in html
        assert f"/jixiao/report_summary?department_id={dept['id']}" in html
        assert "#g.mark=" in html
        for spec in chart_specs(html):
            text = json.dumps(spec, ensure_ascii=False)
            assert "年度" in text
            assert spec["data"]["values"], "an empty chart was drawn"


@pytest.mark.asyncio
async def test_department_spending_chart_uses_published_figures(ds, corpus_db, facts):
    conn = sqlite3.connect(corpus_db)
    for dept in facts["departments"]:
        r = await ds.client.get(f"/departments/{dept['id']}")
        specs = [s for s in chart_specs(r.text) if "支出（万元）" in json.dumps(s, ensure_ascii=False)]
        if not specs:
            continue
        amounts = {round(a, 2) for (a,) in conn.execute(
            "SELECT f.amount FROM finance_items f JOIN reports r ON r.id = f.report_id"
            " WHERE r.department_id = ? AND f.unit = 'all' AND f.statement = 'expenditure'",
            [dept["id"]])}
        for v in specs[0]["data"]["values"]:
            if "其余" not in v["category"]:
                assert round(v["amount"], 2) in amounts, v
    conn.close()


@pytest.mark.asyncio
async def test_report_pages(ds, corpus_db, facts):
    conn = sqlite3.connect(corpus_db)
    for rep in facts["reports"]:
        r = await ds.client.get(f"/reports/{rep['report_id']}")
        assert r.status_code == 200, rep
        html = r.text
        assert rep["department"] in html
        assert "年度部门整体支出绩效自评" in html
        # provenance: file name, sha256, layout, original file and JSON links
        doc = conn.execute("SELECT file_name, sha256, layout FROM documents WHERE id = ?",
                           [rep["document_id"]]).fetchone()
        assert doc[0] in html and doc[1] in html and (doc[2] or "") in html
        assert f'href="/raw/{urllib.parse.quote(doc[0])}"' in html
        assert f'href="/reports/{rep["report_id"]}.json"' in html
        # every indicator name, finding and flag is on the page
        for (name,) in conn.execute("SELECT name FROM indicators WHERE report_id = ?",
                                    [rep["report_id"]]):
            if name:
                assert _esc(name) in html, name
        for (code, message) in conn.execute(
                "SELECT code, message FROM quality_flags WHERE report_id = ?",
                [rep["report_id"]]):
            assert code in html and _esc(message) in html
        for (text,) in conn.execute("SELECT text FROM findings WHERE report_id = ?",
                                    [rep["report_id"]]):
            assert _esc(text) in html
        # and every key task with its amounts
        for (content, budget_text, spent_text) in conn.execute(
                "SELECT content, budget_text, spent_text FROM tasks WHERE report_id = ?",
                [rep["report_id"]]):
            block = html.split('id="tasks"', 1)[1].split("</section>", 1)[0]
            assert _esc(content) in block
            for text in (budget_text, spent_text):
                assert text is None or text.strip() in block or f"{float(text):g}" in block
        # tasks listed without money get no money columns
        money = conn.execute("SELECT count(*), count(budget_text) + count(spent_text) FROM tasks "
                             "WHERE report_id = ?", [rep["report_id"]]).fetchone()
        if money[0]:
            block = html.split('id="tasks"', 1)[1].split("</section>", 1)[0]
            assert ("批复金额" in block) == bool(money[1])
        if rep["indicator_count"]:
            assert "绩效指标" in html and "年度指标值" in html and "实际完成值" in html
    # the bundled corpus has key tasks with money and tasks listed without
    with_money, without = conn.execute(
        "SELECT count(budget), count(*) - count(budget) FROM tasks").fetchone()
    assert with_money > 0 and without > 0
    conn.close()


def _esc(text: str) -> str:
    from markupsafe import escape
    return str(escape(text))


@pytest.mark.asyncio
async def test_report_flags_next_to_what_they_concern(ds, corpus_db):
    """A flag that quotes an indicator or project name is shown on that row or card."""
    conn = sqlite3.connect(corpus_db)
    checked = 0
    for rid, code, message in conn.execute("SELECT report_id, code, message FROM quality_flags"):
        names = re.findall(r"「([^」]+)」", message or "")
        if not names:
            continue
        html = (await ds.client.get(f"/reports/{rid}")).text
        for name in names:
            row = conn.execute("SELECT id FROM indicators WHERE report_id = ? AND name = ?",
                               [rid, name]).fetchone()
            if row:
                block = html.split(f'id="indicator-{row[0]}"', 1)[1].split("</tr>", 1)[0]
                assert code in block
                checked += 1
            proj = conn.execute("SELECT id FROM projects WHERE report_id = ? AND name = ?",
                                [rid, name]).fetchone()
            if proj:
                block = html.split(f'id="project-{proj[0]}"', 1)[1].split("</dl>", 1)[0]
                assert code in block
                checked += 1
    conn.close()
    if not checked:
        pytest.skip("no flag in the corpus names an indicator or project")


@pytest.mark.asyncio
async def test_citizen_pages_may_be_cached(corpus_db, facts):
    """The database is immutable: citizen pages carry Cache-Control: public for
    default_cache_ttl seconds (so a shared cache can sit in front of several replicas)."""
    ds = Datasette([], immutables=[str(corpus_db)], metadata=copy.deepcopy(META),
                   plugins_dir=str(ROOT / "plugins"),
                   template_dir=str(ROOT / "site" / "templates"),
                   static_mounts=[("static", str(ROOT / "site" / "static"))],
                   settings={"default_cache_ttl": 900})
    rep = facts["reports"][0]
    for path in ["/", f"/reports/{rep['report_id']}", f"/reports/{rep['report_id']}.json",
                 f"/departments/{rep['department_id']}", "/about", "/search?q=信访",
                 "/search.json?q=信访", "/downloads", "/downloads/reports.csv"]:
        r = await ds.client.get(path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "public, max-age=900", path
        assert "set-cookie" not in r.headers, path
    r = await ds.client.get("/reports/999999999")
    assert r.status_code == 404 and "public" not in r.headers.get("cache-control", "")
    ds = make_datasette(corpus_db)
    assert (await ds.client.get("/")).headers["cache-control"] == "public, max-age=5"


@pytest.mark.asyncio
async def test_unknown_ids_are_404(ds):
    for path in ["/reports/999999", "/reports/999999.json", "/departments/999999",
                 "/reports/0", "/departments/99999999999999999999", "/reports/abc",
                 "/departments/1x"]:
        r = await ds.client.get(path)
        assert r.status_code == 404, path


@pytest.mark.asyncio
async def test_report_json(ds, corpus_db, facts):
    conn = sqlite3.connect(corpus_db)
    for rep in facts["reports"]:
        r = await ds.client.get(f"/reports/{rep['report_id']}.json")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        data = r.json()
        assert data["report"]["id"] == rep["report_id"]
        assert data["department"]["name"] == rep["department"]
        n_ind = len(data["indicators"]) + sum(len(p["indicators"]) for p in data["projects"])
        assert n_ind == rep["indicator_count"]
        assert len(data["quality_flags"]) == rep["flag_count"]
        n_fin = conn.execute("SELECT count(*) FROM finance_items WHERE report_id = ?",
                             [rep["report_id"]]).fetchone()[0]
        assert len(data["finance_items"]) == n_fin
        assert data["document"]["sha256"] and "text" not in data["document"]
        assert data["links"]["original"].startswith("/raw/")
        # Chinese stays readable in the file (not \\u-escaped)
        assert rep["department"] in r.text
    conn.close()


@pytest.mark.asyncio
async def test_about(ds):
    r = await ds.client.get("/about")
    assert r.status_code == 200
    assert "<h1>关于本站</h1>" in r.text          # rendered from Markdown
    assert "许可" in r.text and "万元" in r.text
    assert "\n# " not in r.text


@pytest.mark.asyncio
async def test_static_assets_are_local(ds):
    for path in ["/static/vendor/vega.min.js", "/static/vendor/vega-lite.min.js",
                 "/static/vendor/vega-embed.min.js", "/static/charts.js", "/static/site.css"]:
        r = await ds.client.get(path)
        assert r.status_code == 200, path
    html = (await ds.client.get("/")).text
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    versions = (ROOT / "site" / "static" / "vendor" / "VERSIONS").read_text()
    for pkg in ("vega ", "vega-lite ", "vega-embed "):
        assert pkg in versions


@pytest.mark.asyncio
async def test_stock_pages_stay_and_carry_site_nav(ds):
    r = await ds.client.get("/jixiao")
    assert r.status_code == 200 and "jx-stock-nav" in r.text
    r = await ds.client.get("/jixiao/quality_flags")
    assert r.status_code == 200
    assert "facet-code" in r.text or 'data-column="code"' in r.text
    r = await ds.client.get("/jixiao/reports.json?_facet_array=flag_codes")
    assert r.status_code == 200
    r = await ds.client.get("/jixiao.json")
    assert r.status_code == 200


@pytest.mark.asyncio
async def test_table_rows_are_datasettes_own_template(corpus_db, tmp_path):
    """site/templates/_table.html writes the rows in Python (plugins/table.py): the table
    pages are byte for byte what Datasette's own template makes (sorted both ways,
    filtered, a view, a later page of a large table, columns that cannot be sorted, text
    to escape, no rows)."""
    import shutil

    stock_templates = tmp_path / "templates"
    shutil.copytree(ROOT / "site" / "templates", stock_templates)
    (stock_templates / "_table.html").unlink()
    ours = make_datasette(corpus_db)
    # the site's instance with Datasette's own class and its own _table.html
    stock = Datasette(**{**serve.datasette_options(serve.ServeConfig(db=str(corpus_db))),
                         "template_dir": str(stock_templates)})
    rid = sqlite3.connect(corpus_db).execute(
        "SELECT report_id FROM indicators GROUP BY report_id ORDER BY count(*) DESC").fetchone()[0]
    for path in (f"/jixiao/indicators?report_id={rid}",
                 f"/jixiao/indicators?report_id={rid}&_sort_desc=score",
                 "/jixiao/indicators?_sort=name&_size=30", "/jixiao/sections?_size=5",
                 "/jixiao/report_summary?_size=3", "/jixiao/finance_items?_size=50&_next=20",
                 "/jixiao/quality_flags", "/jixiao/documents?_search=x",
                 "/jixiao/documents?_size=2&_sort=file_name"):
        a, b = await ours.client.get(path), await stock.client.get(path)
        assert a.status_code == b.status_code == 200, path
        assert 'class="rows-and-columns"' in a.text or "0 records" in a.text, path
        took = re.compile(r"took [\d.]+ms")      # the page says how long its query took
        assert took.sub("", a.text) == took.sub("", b.text), path


@pytest.mark.asyncio
async def test_a_sort_the_table_does_not_offer_is_a_bad_request(ds):
    """Datasette answers 500, as if the site had failed; it is the request's error."""
    for path in ("/jixiao/documents?_sort=size_bytes", "/jixiao/documents?_sort_desc=text",
                 "/jixiao/indicators?_sort=no_such_column"):
        r = await ds.client.get(path)
        assert r.status_code == 400 and "Cannot sort table by" in r.text, path
        r = await ds.client.get(path.replace("?", ".json?"))
        assert r.status_code == 400 and r.json()["ok"] is False, path
    assert (await ds.client.get("/jixiao/documents?_sort=file_name")).status_code == 200


# ------------------------------------------------------------ downloads ------

def _published(facts):
    return [t for t in ("report_summary", "reports", "departments", "regions", "finance_items",
                        "indicators", "projects", "rubric_items", "goals", "tasks", "findings",
                        "people", "sections", "petition_stats", "quality_flags", "documents")
            if t in facts["tables"]]


@pytest.mark.asyncio
async def test_downloads_page(ds, facts):
    r = await ds.client.get("/downloads")
    assert r.status_code == 200
    html = r.text
    assert "下载" in html and "数据字典" in html
    for table in _published(facts):
        assert f'href="/downloads/{table}.csv"' in html
        assert f'href="/downloads/{table}.json"' in html
        assert f'id="dict-{table}"' in html
        meta = DB_META["tables"][table]
        assert _esc(meta["description"]) in html
        for desc in meta["columns"].values():
            assert _esc(desc) in html
    assert re.search(r"\d+(\.\d)? (B|KB|MB)", html)     # sizes
    assert 'href="/jixiao.db"' in html
    r = await ds.client.get("/jixiao.db")
    assert r.status_code == 200 and r.content.startswith(b"SQLite format 3\x00")


@pytest.mark.asyncio
async def test_downloads_page_takes_row_counts_from_the_inspect_file(corpus_db):
    """Served immutable with an inspect file, /downloads never counts rows itself."""
    inspect = {"jixiao": {"hash": "x", "size": 1, "file": str(corpus_db),
                          "tables": {"reports": {"count": 98765},
                                     "indicators": {"count": 1234567}}}}
    ds = Datasette([], immutables=[str(corpus_db)], inspect_data=inspect,
                   metadata=copy.deepcopy(META), plugins_dir=str(ROOT / "plugins"),
                   template_dir=str(ROOT / "site" / "templates"),
                   static_mounts=[("static", str(ROOT / "site" / "static"))])
    html = (await ds.client.get("/downloads")).text
    assert "98,765" in html and "1,234,567" in html
    # report_summary has one row per report
    rows = [tr for tr in re.findall(r"<tr>.*?</tr>", html, re.S)
            if 'href="/downloads/report_summary.csv"' in tr]
    assert rows and "98,765" in rows[0]


@pytest.mark.asyncio
async def test_csv_downloads_have_bom_and_every_row(ds, corpus_db, facts):
    conn = sqlite3.connect(corpus_db)
    for table in _published(facts):
        r = await ds.client.get(f"/downloads/{table}.csv")
        assert r.status_code == 200, table
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        assert "attachment" in r.headers["content-disposition"]
        assert r.content.startswith(BOM), table
        rows = list(csv.reader(io.StringIO(r.content[len(BOM):].decode("utf-8"))))
        cols = [d[0] for d in conn.execute(f'SELECT * FROM "{table}" LIMIT 0').description]
        assert rows[0] == cols
        count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        assert len(rows) - 1 == count, table
    conn.close()
    text = (await ds.client.get("/downloads/report_summary.csv")).content.decode("utf-8-sig")
    assert CJK.search(text)
    for rep in facts["reports"]:
        assert rep["department"] in text


@pytest.mark.asyncio
async def test_json_downloads(ds, corpus_db, facts):
    conn = sqlite3.connect(corpus_db)
    for table in _published(facts):
        r = await ds.client.get(f"/downloads/{table}.json")
        assert r.status_code == 200
        data = json.loads(r.content)
        count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        assert len(data) == count, table
    conn.close()
    data = (await ds.client.get("/downloads/departments.json")).json()
    assert {d["name"] for d in data} == {d["name"] for d in facts["departments"]}


@pytest.mark.asyncio
async def test_downloads_only_serve_known_tables(ds):
    for name in ["sqlite_master", "search_state", "sections_fts", "nope", "reports%20",
                 "reports%3B", "..%2Freports", "REPORTS"]:
        for ext in ("csv", "json"):
            r = await ds.client.get(f"/downloads/{name}.{ext}", follow_redirects=True)
            assert r.status_code == 404, (name, ext)


@pytest.mark.asyncio
async def test_original_files(ds, facts):
    for doc in facts["documents"]:
        r = await ds.client.get("/raw/" + urllib.parse.quote(doc["file_name"]))
        assert r.status_code == 200
        assert r.content == (RAW / doc["file_name"]).read_bytes()
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in r.headers["content-security-policy"]
    for path in ["/raw/nope.txt", "/raw/..%2F..%2Fpyproject.toml", "/raw/../pyproject.toml",
                 "/raw/%2Fetc%2Fpasswd", "/raw/"]:
        r = await ds.client.get(path, follow_redirects=True)
        assert r.status_code == 404, path


@pytest.mark.asyncio
async def test_original_file_must_match_its_sha256(scratch_db, facts):
    """A file whose bytes no longer hash to documents.sha256 is not served as the original."""
    doc = facts["documents"][0]
    conn = sqlite3.connect(scratch_db)
    conn.execute("UPDATE documents SET sha256 = ? WHERE id = ?", ["0" * 64, doc["id"]])
    conn.commit()
    conn.close()
    ds = make_datasette(scratch_db)
    r = await ds.client.get("/raw/" + urllib.parse.quote(doc["file_name"]))
    assert r.status_code == 404


# ------------------------------------------------------ canned queries -------

def test_at_least_ten_canned_queries():
    assert len(QUERIES) >= 10
    for name, q in QUERIES.items():
        assert q.get("title") and CJK.search(q["title"]), name
        assert q.get("description"), name


@pytest.mark.asyncio
async def test_every_canned_query_runs(ds):
    for name, q in QUERIES.items():
        params = {p: QUERY_PARAMS.get(p, "") for p in re.findall(r":(\w+)", q["sql"])}
        qs = urllib.parse.urlencode({**params, "_shape": "objects"})
        r = await ds.client.get(f"/jixiao/{name}.json?{qs}")
        assert r.status_code == 200, (name, r.text[:500])
        data = r.json()
        assert data.get("ok", True) and not data.get("error"), (name, data.get("error"))
        page = await ds.client.get(f"/jixiao/{name}")
        assert page.status_code == 200, name


def _query(ds_db: Path, name: str, **params):
    sql = QUERIES[name]["sql"]
    wanted = {p: params.get(p, QUERY_PARAMS.get(p, "")) for p in re.findall(r":(\w+)", sql)}
    conn = sqlite3.connect(ds_db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute(sql, wanted)]
    conn.close()
    return rows


@pytest.mark.asyncio
async def test_missed_target_full_marks_query_and_page_agree(scratch_db):
    """An indicator that misses its target with full marks shows in the canned query and
    is marked on the report page; one that meets its target is in neither."""
    conn = sqlite3.connect(scratch_db)
    rid = conn.execute("SELECT id FROM reports ORDER BY id LIMIT 1").fetchone()[0]
    conn.executemany(
        "INSERT INTO indicators (report_id, ordinal, level1, level2, name, operator,"
        " target_text, target_value, target_unit, actual_text, actual_value, actual_unit,"
        " weight, score) VALUES (?, 900, '产出指标', '质量指标', ?, ?, ?, ?, '%', ?, ?, '%', 10, 10)",
        [(rid, "测试未达标满分指标", "≥", "≥95%", 95, "80%", 80),
         (rid, "测试已达标满分指标", "≥", "≥95%", 95, "99%", 99),
         (rid, "测试成本上限指标", "≤", "≤50%", 50, "60%", 60)])
    conn.commit()
    conn.close()
    names = {r["name"] for r in _query(scratch_db, "missed_target_full_marks")}
    assert {"测试未达标满分指标", "测试成本上限指标"} <= names
    assert "测试已达标满分指标" not in names
    html = (await make_datasette(scratch_db).client.get(f"/reports/{rid}")).text
    for name, marked in [("测试未达标满分指标", True), ("测试成本上限指标", True),
                         ("测试已达标满分指标", False)]:
        row = html.split(name, 1)[0].rsplit("<tr", 1)[1] + html.split(name, 1)[1].split("</tr>", 1)[0]
        assert ("未达标却满分" in row) is marked, name


def test_misses_target_rules():
    misses = pages_module().misses_target
    assert misses({"operator": "≥", "target_value": 95, "actual_value": 90}) is True
    assert misses({"operator": "≥", "target_value": 95, "actual_value": 95}) is False
    assert misses({"operator": ">", "target_value": 95, "actual_value": 95}) is True
    assert misses({"operator": "≤", "target_value": 5, "actual_value": 6}) is True
    assert misses({"operator": "<", "target_value": 5, "actual_value": 4}) is False
    assert misses({"operator": "=", "target_value": 100, "actual_value": 99}) is True
    assert misses({"target_value": 100, "actual_value": 98}) is True          # read as ≥
    assert misses({"level2": "成本指标", "target_value": 150, "actual_value": 120}) is False
    assert misses({"target_value": 10, "actual_value": 12, "target_unit": "次",
                   "actual_unit": "%"}) is None                             # units differ
    assert misses({"target_value": None, "actual_value": 12}) is None


def test_three_public_rising_query(scratch_db):
    """A department whose 三公经费 grew against its previous report is listed."""
    conn = sqlite3.connect(scratch_db)
    row = conn.execute(
        "SELECT r.id, r.department_id, r.fiscal_year, r.document_id FROM reports r"
        " WHERE r.department_id IS NOT NULL AND r.fiscal_year IS NOT NULL LIMIT 1").fetchone()
    rid, dept, year, doc = row
    conn.execute("INSERT INTO reports (document_id, department_id, fiscal_year) VALUES (?, ?, ?)",
                 [doc, dept, year - 1])
    prev = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    conn.execute("DELETE FROM finance_items WHERE report_id = ? AND statement = 'three_public'"
                 " AND item = 'total' AND unit = 'all'", [rid])
    conn.executemany(
        "INSERT INTO finance_items (report_id, unit, statement, item, amount)"
        " VALUES (?, 'all', 'three_public', 'total', ?)", [(prev, 1.0), (rid, 1.5)])
    conn.commit()
    conn.close()
    rows = _query(scratch_db, "three_public_rising")
    hit = [r for r in rows if r["report_id"] == rid]
    assert hit and hit[0]["prev_year"] == year - 1 and hit[0]["increase_pct"] == 50.0


def test_largest_amounts_query(scratch_db):
    """The reports with the largest department-wide amount of one item, largest first;
    三公经费 unless another item is asked for."""
    conn = sqlite3.connect(scratch_db)
    want = [r[0] for r in conn.execute(
        "SELECT report_id FROM finance_items WHERE statement = 'three_public' AND item = 'total'"
        " AND unit = 'all' ORDER BY amount DESC, report_id")]
    conn.close()
    rows = _query(scratch_db, "largest_amounts")
    assert rows and [r["report_id"] for r in rows] == want[:100]
    assert [r["amount"] for r in rows] == sorted((r["amount"] for r in rows), reverse=True)
    assert all(r["department"] and r["fiscal_year"] for r in rows)
    rows = _query(scratch_db, "largest_amounts", item=" expenditure.total ")
    assert rows and all(r["label"] and "支出" in r["label"] for r in rows)


# ------------------------------------------------------------ metadata -------

@pytest.mark.asyncio
async def test_metadata_describes_every_table_and_column(ds):
    assert META.get("title") and META.get("license") and META.get("source")
    db = ds.get_database("jixiao")
    hidden = set(await db.hidden_table_names())
    names = [t for t in await db.table_names() if t not in hidden] + await db.view_names()
    tables = DB_META["tables"]
    missing = []
    for name in names:
        meta = tables.get(name)
        if not meta or not meta.get("description") or not meta.get("title"):
            missing.append(name)
            continue
        cols = [r[0] for r in (await db.execute(
            "SELECT name FROM pragma_table_info(?)", [name])).rows]
        described = meta.get("columns") or {}
        missing += [f"{name}.{c}" for c in cols if not described.get(c)]
        # no stale descriptions for columns that do not exist
        missing += [f"{name}.{c} (no such column)" for c in described if c not in cols]
        for c, desc in described.items():
            assert CJK.search(desc.split("·")[0]), f"{name}.{c}: Chinese label first"
    assert not missing, missing
    # the contract tables of SCHEMA.md are all there
    for name in ["documents", "regions", "departments", "reports", "finance_items",
                 "indicators", "projects", "rubric_items", "goals", "findings", "people",
                 "sections", "petition_stats", "quality_flags", "report_summary"]:
        assert name in names


def test_quality_flags_facet_on_code():
    facets = DB_META["tables"]["quality_flags"]["facets"]
    assert "code" in facets


# -------------------------------------------------------------- safety -------

XSS = "<script>alert(1)</script>"
XSS_IMG = '<img src=x onerror="alert(2)">'


@pytest.mark.asyncio
async def test_report_text_is_escaped(scratch_db):
    conn = sqlite3.connect(scratch_db)
    rid, dept = conn.execute(
        "SELECT id, department_id FROM reports WHERE department_id IS NOT NULL LIMIT 1").fetchone()
    conn.execute("INSERT INTO sections (report_id, ordinal, heading, body) VALUES (?, 0, ?, ?)",
                 [rid, XSS_IMG, f"正文 {XSS}\n\n[点我](javascript:alert(3))\n\n<b>粗</b>"])
    conn.execute("INSERT INTO indicators (report_id, ordinal, name, target_text, actual_text,"
                 " deviation) VALUES (?, 0, ?, ?, ?, ?)", [rid, XSS, XSS_IMG, XSS, XSS])
    conn.execute("INSERT INTO findings (report_id, kind, ordinal, text) VALUES (?, 'problem', 0, ?)",
                 [rid, XSS])
    conn.execute("INSERT INTO quality_flags (report_id, code, severity, message)"
                 " VALUES (?, 'test_flag', 'warning', ?)", [rid, f"指标「{XSS}」{XSS_IMG}"])
    conn.execute("UPDATE departments SET name = name || ? WHERE id = ?",
                 ["</script><script>alert(4)</script>", dept])
    conn.commit()
    conn.close()
    ds = make_datasette(scratch_db)
    for path in [f"/reports/{rid}", f"/departments/{dept}", "/"]:
        html = (await ds.client.get(path)).text
        assert "<script>alert(" not in html, path
        assert "onerror=\"alert" not in html, path
        assert "javascript:alert" not in html.replace("[点我](javascript:alert(3))", ""), path
    html = (await ds.client.get(f"/reports/{rid}")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;粗&lt;/b&gt;" in html         # raw HTML in Markdown is shown as text
    # chart data with hostile text stays inside its JSON <script> block
    dept_html = (await ds.client.get(f"/departments/{dept}")).text
    for spec in SPEC.findall(dept_html):
        assert "</script" not in spec.lower()
        json.loads(spec)
    # and the JSON export carries it as data
    data = (await ds.client.get(f"/reports/{rid}.json")).json()
    assert any(s["body"].startswith("正文 <script>") for s in data["sections"])


def test_markdown_renderer_is_safe():
    render = module_from_path(str(ROOT / "plugins" / "render.py"), "jx_render_under_test")
    html = str(render.render_markdown(f"# 标题\n\n{XSS}\n\n[x](javascript:alert(1)) **粗体**"))
    assert "<h1>标题</h1>" in html and "<strong>粗体</strong>" in html
    assert "<script>" not in html and 'href="javascript:' not in html


def test_markdown_fast_path_equals_markdown_it(corpus_db):
    """Plain paragraphs skip the parser (render.py); the HTML must be what markdown-it
    makes, for every section of the corpus, fragments of them and the edge cases."""
    import random

    from markdown_it import MarkdownIt

    render = module_from_path(str(ROOT / "plugins" / "render.py"), "jx_render_fast_under_test")
    md = MarkdownIt("js-default")
    conn = sqlite3.connect(corpus_db)
    texts = [t or "" for (t,) in conn.execute("SELECT body FROM sections")]
    texts += [t or "" for (t,) in conn.execute("SELECT text FROM findings")]
    conn.close()
    texts += ["", "a", "a\n", "\n\na\n\n\nb\n", "a\nb", "中文\u3000", "\u3000\u3000中文",
              "1. x", "x\n1.", "a  \nb", "  a", "a\t", "\u00a0x", "a\n \nb", "a\n\u3000\nb",
              "Ａ＜Ｂ", "a\u2028b", "\ufeffa", "**粗**", "# 标题", "- 项", "> 引", "<b>x</b>", "a & b",
              "[x](javascript:alert(1))", "第一段\n\n第二段\n第三行",
              "**（一）标题**\n\n正文", "**1\\. 前期准备**", "1\\. 加强内部控制", "得分\\<60分",
              "2015年度支出", "1) x", "12. x", "**a**b", "** a**", "**a **", "****", "**\\***",
              "a\\", "a\\\nb", "\\&amp;", "\\\"x\\\"", "**粗**\n**粗**", "a\\中"]
    # the pieces the ingest's bodies are made of, put together at random
    pieces = ["中文", "（一）", "**", "\\<", "\\.", "\\*", "\\\\", "\\", "1.", "1\\.", "2)", "12",
              " ", "\u3000", "\n", "\n\n", "*", "_", "<", "&", "．", "、", "a", "。"]
    rng = random.Random(11)
    for _ in range(4000):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randrange(1, 9))))
    rng = random.Random(7)
    for _ in range(3000):
        t = rng.choice(texts)
        i = rng.randrange(len(t) + 1)
        texts.append(t[i:rng.randrange(i, len(t) + 1)])
    fast = 0
    for t in texts:
        fast += render._plain_paragraphs(t) is not None
        assert str(render.render_markdown(t)) == md.render(t), t
    assert fast > len(texts) // 10      # the fast path is taken
    # bold headings and escaped punctuation, as the ingest writes them, skip the parser too
    for t in ("**（一）标题**\n\n正文", "**1\\. 前期准备**\n得分\\<60分", "2015年度支出"):
        assert render._plain_paragraphs(t) is not None, t


def test_plugins_never_format_request_values_into_sql():
    """SQL in plugins is parameterised; the only f-string SQL uses allow-listed names."""
    for path in (ROOT / "plugins").glob("*.py"):
        if path.name == "search.py":
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'f"(?:SELECT|INSERT|UPDATE|DELETE)[^"]*"', text, re.I):
            assert re.search(r"\{(table|order)\}", m.group(0)), (path.name, m.group(0))
            assert "request" not in m.group(0)
    downloads = (ROOT / "plugins" / "downloads.py").read_text(encoding="utf-8")
    assert "assert table in ALLOWED" in downloads


# ---------------------------------------------------------- robustness -------

@pytest.mark.asyncio
async def test_sparse_rows_still_render(scratch_db):
    """A report with nothing but a document, and a department with no reports, render."""
    conn = sqlite3.connect(scratch_db)
    doc = conn.execute("SELECT id FROM documents LIMIT 1").fetchone()[0]
    conn.execute("INSERT INTO reports (document_id) VALUES (?)", [doc])
    rid = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    conn.execute("INSERT INTO departments (name) VALUES ('测试空部门')")
    did = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    conn.commit()
    conn.close()
    ds = make_datasette(scratch_db)
    for path in [f"/reports/{rid}", f"/reports/{rid}.json", f"/departments/{did}", "/",
                 "/downloads"]:
        r = await ds.client.get(path)
        assert r.status_code == 200, (path, r.text[-2000:])
    assert "测试空部门" in (await ds.client.get(f"/departments/{did}")).text


@pytest.mark.asyncio
async def test_empty_database_renders(tmp_path):
    """Before anything is ingested the site still works (the schema alone)."""
    from ingest import schema

    db = tmp_path / "jixiao.db"
    conn = sqlite3.connect(db)
    schema.create(conn)
    conn.commit()
    conn.close()
    ds = make_datasette(db)
    for path in ["/", "/about", "/downloads", "/downloads/reports.csv",
                 "/downloads/report_summary.json"]:
        r = await ds.client.get(path)
        assert r.status_code == 200, (path, r.text[-2000:])
    assert (await ds.client.get("/downloads/reports.csv")).content.startswith(BOM)
    assert (await ds.client.get("/downloads/reports.json")).json() == []
    assert (await ds.client.get("/reports/1")).status_code == 404


# -------------------------------------------------------------- search cap ----

@pytest.mark.asyncio
async def test_search_is_capped_and_says_so(corpus_db):
    """A search examines at most `search_max_hits` rows of each kind; when more match, the
    JSON says "capped" and the page says the count is a lower bound. Below the cap
    nothing changes: every hit is counted and the result is not marked capped."""
    from ingest import search_index as si

    q = "信访"
    full = (await make_datasette(corpus_db).client.get("/search.json", params={"q": q})).json()
    assert full["capped"] is False and full["total_hits"] > 3 * len(si.KINDS)
    meta = copy.deepcopy(META)
    meta.setdefault("plugins", {}).setdefault("jixiao", {})["search_max_hits"] = 3
    ds = Datasette([], immutables=[str(corpus_db)], metadata=meta,
                   plugins_dir=str(ROOT / "plugins"), template_dir=str(ROOT / "site" / "templates"),
                   static_mounts=[("static", str(ROOT / "site" / "static"))])
    data = (await ds.client.get("/search.json", params={"q": q})).json()
    assert data["capped"] is True and data["cap"] == 3
    assert 0 < data["total_hits"] <= 3 * len(si.KINDS) < full["total_hits"]
    assert sum(g["count"] for g in data["groups"]) == data["total_hits"]
    for g in data["groups"]:
        assert g["hits"] and all("<mark>" in h["snippet"] for h in g["hits"])
    html = (await ds.client.get("/search", params={"q": q})).text
    assert "实际更多" in html and "there are more" in html
    html = (await make_datasette(corpus_db).client.get("/search", params={"q": q})).text
    assert "实际更多" not in html


def test_the_server_gets_the_c_http_parser_and_libuv_loop():
    """uvicorn picks httptools and uvloop when they are installed ('auto' settings)."""
    pytest.importorskip("uvicorn")
    from uvicorn.config import Config

    config = Config(app=lambda scope, receive, send: None)
    config.load()
    assert config.http_protocol_class.__module__.endswith("httptools_impl")
    import uvloop  # noqa: F401


def test_key_tasks_query(scratch_db):
    """Tasks by budget, filtered by a word and by an execution rate (stated, or computed
    from the amounts when the form printed none)."""
    conn = sqlite3.connect(scratch_db)
    rid = conn.execute("SELECT id FROM reports ORDER BY id LIMIT 1").fetchone()[0]
    conn.executemany(
        "INSERT INTO tasks (report_id, ordinal, name, content, budget, spent, execution_rate) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(rid, 91, "测试甲任务", "测试用内容一", 9000.0, 8100.0, None),
         (rid, 92, "测试乙任务", "测试用内容二", 8000.0, 7900.0, 98.75),
         (rid, 93, None, "测试用内容三", 7000.0, 7000.0, None)])
    conn.commit()
    conn.close()
    rows = _query(scratch_db, "key_tasks", keyword="测试用", max_rate="")
    assert [(r["name"], r["budget"], r["rate"]) for r in rows] == [
        ("测试甲任务", 9000, 90), ("测试乙任务", 8000, 98.75), (None, 7000, 100)]
    rows = _query(scratch_db, "key_tasks", keyword="测试", max_rate="99")
    assert [r["name"] for r in rows] == ["测试甲任务", "测试乙任务"]
    assert _query(scratch_db, "key_tasks", keyword="内容三", max_rate="")[0]["content"] == "测试用内容三"
