"""Chinese full-text search: tokenizer, query rewriting, recall equal to LIKE on the
bundled corpus, the Datasette search box / ?_search= JSON API, and the /search page."""
from __future__ import annotations

import copy
import random
import re
import sqlite3
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from conftest import index_snapshot
from ingest import search_index as si

ROOT = Path(__file__).resolve().parent.parent
META = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
MARK = si.SUFFIX_MARK
PCT, GE, COMMA = si.symbol_token("%"), si.symbol_token("≥"), si.symbol_token("，")

# Queries of every kind: 1 character, 2 characters, words, boundary-crossing spans,
# mixed Chinese + digits (including a term that starts inside a number), symbols,
# several terms, quoted phrases, Latin letters, absent and punctuation-only input.
FIXED_QUERIES = [
    "局", "年", "费", "的", "5", "0",
    "信访", "经费", "指标", "满意",
    "满意度", "三公经费", "信访局", "项目支出", "绩效目标",
    "访局", "经费支", "费支出", "度指",
    "2023年", "2024年", "信访局2023", "023年", "0万元", "100%", "1.", "20",
    "%", "≥", "≤", "≥90%", "90%", "（", "、",
    "信访 满意度", "经费 2024", '"项目 支出"', '"部门（单位"', "预算 执行率 %",
    "GDP", "a", "ＡＢ", "２０２４",
    "鬰鬱龘", "不存在的词语组合", "", "   ", "%%", '"', "()",
]


# ------------------------------------------------------------------ tokenizer -----

def test_fold_letters_and_digits_only():
    assert si.fold("ＧＤＰ２０２３年①") == "gdp2023年1"
    # punctuation and symbols stay as printed, so ％ and % remain different
    assert si.fold("（一）％，≥") == "（一）％，≥"
    # one character at a time: the result is the concatenation of folded characters
    s = "Ａ信访２％局"
    assert si.fold(s) == "".join(si.fold(c) for c in s)


def test_tokenize_cjk_bigrams_plus_last_character():
    assert si.tokenize("信访局") == ["信访", "访局", "局"]
    assert si.tokenize("局") == ["局"]
    assert si.tokenize("信访，局长") == ["信访", "访", COMMA, "局长", "长"]
    assert si.tokenize("信访 局长") == ["信访", "访", "局长", "长"]        # spaces separate


def test_tokenize_digits_and_latin_words():
    assert si.tokenize("信访局2023年度") == ["信访", "访局", "局", "2023", "年度", "度"]
    assert si.tokenize("GDP增长5.5") == ["gdp", "增长", "长", "5", si.symbol_token("."), "5"]
    assert si.tokenize("２０２３年") == ["2023", "年"]          # NFKC: full-width digits
    assert si.tokenize("") == [] and si.tokenize(None) == [] and si.tokenize(" \n") == []


def test_symbols_are_tokens_of_their_own():
    assert si.tokenize("≥90%，") == [GE, "90", PCT, COMMA]
    assert si.tokenize("90％") == ["90", si.symbol_token("％")]   # ％ is not %
    # the FTS tokenizer keeps the marked token whole
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE f USING fts5(body, {si.FTS_OPTIONS})")
    conn.execute("INSERT INTO f (rowid, body) VALUES (1, ?)", [si.index_text("≥90%")])
    conn.execute("INSERT INTO f (rowid, body) VALUES (2, ?)", [si.index_text("≥90 %")])
    conn.execute("INSERT INTO f (rowid, body) VALUES (3, ?)", [si.index_text("90%以上")])
    conn.execute("INSERT INTO f (rowid, body) VALUES (4, ?)", [si.index_text("≤ 90")])
    hits = lambda q: {r[0] for r in conn.execute(
        "SELECT rowid FROM f WHERE f MATCH ?", [si.fts_query(q)])}
    assert hits("≥90%") == {1, 2}          # 2 is then removed by the literal check
    assert hits("90%") == {1, 2, 3}
    assert hits("≤") == set()              # punctuation alone: no results


def test_index_text_appends_marked_suffixes():
    text = si.index_text("共150万元")
    assert text.split(" ")[:4] == ["共", "150", "万元", "元"]
    assert set(text.split(" ")[4:]) == {"50" + MARK, "0" + MARK}
    assert si.index_text("≥90%") == f"{GE} 90 {PCT} 0{MARK}"
    assert si.index_text("信访") == "信访 访"
    assert si.index_text(None) == ""


def test_index_text_of_joined_texts_is_the_join_of_their_index_texts():
    """Tokens never cross a line break: index parts of separate texts can be joined."""
    cols = ["绩效目标２０２３", None, "完成率≥90%，较2023年增长", "150万元"]
    parts = [si._index_parts(c) for c in cols]
    joined = si._join([p[0] for p in parts], set().union(*(p[1] for p in parts)))
    assert joined == si.index_text("\n".join(c for c in cols if c))


def test_ascii_and_unicode61_split_our_tokens_alike():
    """The index uses FTS5's ascii tokenizer on pre-tokenised text; on that text it must
    give exactly the tokens unicode61 would (any SQLite reading the database agrees)."""
    rnd = random.Random(7)
    alphabet = list("信访局年度2023abcXYZ ＡＢ１２①⑩㎡%％≥（）_-.,，。\t\n é\u0301ßİﬁ\uf900〇々カナ한글Дд"
                    ) + ["\U00020001", "\U0001d400", "\u00a0", "\u3000"]
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30))) for _ in range(3000)]
    vocab = {}
    for tk in ("ascii", "unicode61 remove_diacritics 0"):
        conn = sqlite3.connect(":memory:")
        conn.execute(f"CREATE VIRTUAL TABLE f USING fts5(body, content='', tokenize='{tk}')")
        conn.executemany("INSERT INTO f (rowid, body) VALUES (?, ?)",
                         [(i, si.index_text(t)) for i, t in enumerate(texts, 1)])
        conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, f, 'instance')")
        vocab[tk] = conn.execute("SELECT term, doc, col, offset FROM temp.v "
                                 "ORDER BY term, doc, offset").fetchall()
    assert vocab["ascii"] == vocab["unicode61 remove_diacritics 0"]
    assert len(vocab["ascii"]) > 20000
    assert "tokenize='ascii'" in si.FTS_OPTIONS


def test_tokenizer_is_deterministic():
    s = "汨罗市信访局2024年度部门整体支出，GDP增长５％"
    assert si.index_text(s) == si.index_text(s)


# ------------------------------------------------------------- query rewriting -----

@pytest.mark.parametrize("query, expected", [
    ("信访", '"信访"'),
    ("信访局", '"信访 访局"'),                                # no trailing 局: it may go on
    ("局", '"局"*'),                                         # one character: prefix
    ("信访局2023", '"信访 访局 局 2023"*'),                  # run ends before digits
    ("信访局202", '"信访 访局 局 202"*'),                    # trailing number: prefix
    ("年3月", '"年 3 月"*'),
    ('"信访 工作"', '"信访 访 工作"'),                        # quoted: one term
    ("信访 满意度", '"信访" AND "满意 意度"'),                # several terms: AND
    ("≥90%", f'"{GE} 90 {PCT}"'),                             # symbols are tokens
    ("90%", f'("90 {PCT}" OR ("90{MARK}" AND "{PCT}"))'),      # 90 may end a longer number
    ("2023年", f'("2023 年"* OR ("2023{MARK}" AND "年"*))'),  # may start inside a number
    ("abc", '"abc"*'),
    ("ABC", '"abc"*'),
])
def test_fts_query(query, expected):
    assert si.fts_query(query) == expected


@pytest.mark.parametrize("query", ["", "   ", "%", "%%", "≥≤", "，。", '"', '""', "()", None])
def test_empty_or_punctuation_only_matches_nothing(query):
    assert si.fts_query(query) == si.NO_MATCH
    assert not si.matches(query, "任何文字 % ≥ ，。()")


def test_parse_terms():
    assert si.parse_terms("信访  满意度") == ["信访", "满意度"]
    assert si.parse_terms('"信访 工作" 2023') == ["信访 工作", "2023"]
    assert si.parse_terms('经费"项目 支出') == ["经费", "项目 支出"]     # open quote runs on
    assert si.parse_terms('＂全角 引号＂') == ["全角 引号"]
    assert si.parse_terms('""   ') == []


def test_matches_is_literal_after_folding():
    assert si.matches("≥90%", "完成率≥90%")
    assert not si.matches("≥90%", "完成率90%")            # the symbol must be there
    assert not si.matches("90%", "完成率９０％")           # ％ is not %
    assert si.matches("90", "完成率９０％")                # but ９０ is 90
    assert si.matches("信访 2023", "2023年", "信访局")      # each term in some column
    assert not si.matches("信访 2024", "2023年", "信访局")
    assert si.matches("gdp", "GDP增长")


def test_fts_query_is_always_valid_syntax():
    """Whatever people type, the MATCH expression parses (no error page)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE f USING fts5(body, {si.FTS_OPTIONS})")
    conn.execute("INSERT INTO f (rowid, body) VALUES (1, ?)", [si.index_text("信访局2023年 AND")])
    rng = random.Random(4)
    alphabet = list('信访局年"*()^:-+ %≥≤，。ANDORNOTNEAR{}[]\\\'０1２a_') + [" ", "  "]
    samples = ["AND", "OR", "NOT", "NEAR(a b)", "a:b", "-信访", "^局", "信访*", '"a" OR "b"',
               "{body}: 信访", "(((", ")))", "*", "\\", "''"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
                for _ in range(500)]
    for q in samples:
        conn.execute("SELECT rowid FROM f WHERE f MATCH ?", [si.fts_query(q)]).fetchall()


def test_index_and_query_agree_on_random_substrings():
    """A small in-memory index: every substring of the texts is found (recall 1)."""
    texts = ["汨罗市信访局2024年度部门整体支出绩效自评报告，得分９５分。",
             "群众满意度≥90%，完成率100%；经费支出150.5万元（含三公经费）",
             "GDP增长5.5%，第①项指标：到省访0批次", "a-b c_d 信访 工作 访局长"]
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE f USING fts5(body, {si.FTS_OPTIONS})")
    for i, t in enumerate(texts, 1):
        conn.execute("INSERT INTO f (rowid, body) VALUES (?, ?)", [i, si.index_text(t)])
    for i, t in enumerate(texts, 1):
        for a in range(len(t)):
            for b in range(a + 1, min(len(t), a + 7) + 1):
                q = t[a:b]
                if '"' in q or not q.strip() or si.fts_query(q) == si.NO_MATCH:
                    continue
                found = {r[0] for r in conn.execute(
                    "SELECT rowid FROM f WHERE f MATCH ?", [si.fts_query(q)])}
                assert i in found, (q, si.fts_query(q))


# ------------------------------------------------------------ the corpus database -----

def _like_ids(conn, table, columns, query):
    terms = si.parse_terms(query)
    if si.fts_query(query) == si.NO_MATCH:
        return set()
    clauses, params = [], []
    for t in terms:
        pat = "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(" + " OR ".join(f"[{c}] LIKE ? ESCAPE '\\'" for c in columns) + ")")
        params += [pat] * len(columns)
    sql = f"SELECT id FROM [{table}] WHERE " + " AND ".join(clauses)
    return {r[0] for r in conn.execute(sql, params)}


def _folded_ids(conn, table, columns, query):
    """The defined semantics: every term occurs in some column after folding."""
    cols = ", ".join(f"[{c}]" for c in columns)
    return {r[0] for r in conn.execute(f"SELECT id, {cols} FROM [{table}]")
            if si.matches(query, *r[1:])}


def _search_ids(conn, table, fts, columns, query):
    sql, params = si.search_sql(table, fts, columns, query)
    return {r[0] for r in conn.execute(sql, params)}


def _sampled_queries(conn, n=60, seed=11):
    """Substrings of the corpus itself: 1-4 characters from random places, and spans
    around digits (mixed), so the test does not depend on what the reports say."""
    texts = [r[0] for r in conn.execute(
        "SELECT heading || char(10) || body FROM sections UNION ALL SELECT name FROM indicators "
        "UNION ALL SELECT coalesce(target_text, '') FROM indicators UNION ALL SELECT text FROM "
        "findings UNION ALL SELECT name FROM departments UNION ALL SELECT title FROM reports")
        if r[0]]
    rng = random.Random(seed)
    out = []
    while len(out) < n and texts:
        t = rng.choice(texts)
        m = list(re.finditer(r"[0-9]+", t))
        if m and rng.random() < 0.3:
            d = rng.choice(m)
            s = max(0, d.start() - rng.randint(0, 2)) + rng.randint(0, 1)
            q = t[s:d.end() + rng.randint(0, 2)]
        else:
            k = rng.randint(1, 4)
            s = rng.randrange(0, max(1, len(t) - k + 1))
            q = t[s:s + k]
        q = q.strip()
        if q and '"' not in q and not re.search(r"\s", q) and si.fts_query(q) != si.NO_MATCH:
            out.append(q)
    return out


@pytest.fixture(scope="module")
def corpus_conn(corpus_db):
    conn = sqlite3.connect(f"file:{corpus_db}?mode=ro", uri=True)
    si.register_functions(conn)
    yield conn
    conn.close()


def test_rebuild_indexed_the_corpus(corpus_conn):
    state = dict(corpus_conn.execute("SELECT name, last_id FROM search_state"))
    for table in ("reports", "departments", "regions"):
        top = corpus_conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
        assert top and state[table] == top
    for spec in si.SEARCHABLE.values():
        n = corpus_conn.execute(f"SELECT count(*) FROM [{spec.table}]").fetchone()[0]
        indexed = corpus_conn.execute(
            f"SELECT count(*) FROM [{spec.fts}_docsize]").fetchone()[0]
        assert indexed == n, spec.table


@pytest.mark.parametrize("spec", list(si.SEARCHABLE.values()), ids=lambda s: s.table)
def test_recall_equals_like_on_the_corpus(corpus_conn, spec):
    queries = FIXED_QUERIES + _sampled_queries(corpus_conn)
    total_like = 0
    for q in queries:
        like = _like_ids(corpus_conn, spec.table, spec.columns, q)
        found = _search_ids(corpus_conn, spec.table, spec.fts, spec.columns, q)
        total_like += len(like)
        assert like <= found, (q, sorted(like - found)[:5])
        # anything beyond LIKE is a width/form variant of a letter or digit, nothing else
        assert found == _folded_ids(corpus_conn, spec.table, spec.columns, q), q
    if spec.table in ("reports", "sections", "indicators"):
        assert total_like > 0


def test_sampled_queries_find_their_own_rows(corpus_conn):
    queries = _sampled_queries(corpus_conn)
    assert len(queries) >= 30
    for q in queries:
        assert any(_search_ids(corpus_conn, spec.table, spec.fts, spec.columns, q)
                   for spec in si.SEARCHABLE.values()), q


def test_needs_rebuild(corpus_conn, scratch_db):
    assert not si.needs_rebuild(corpus_conn)
    conn = sqlite3.connect(":memory:")
    assert si.needs_rebuild(conn)
    # an index built by another version of the layout is rebuilt, not appended to
    conn = sqlite3.connect(scratch_db, isolation_level=None)
    conn.execute("UPDATE search_state SET last_id = last_id - 1 WHERE name = 'version'")
    assert si.needs_rebuild(conn)
    conn.execute("BEGIN")
    assert si.ensure(conn)
    assert si.index_new(conn)["sections_fts"] > 0
    conn.execute("COMMIT")
    assert not si.needs_rebuild(conn)


def test_rebuild_is_deterministic_and_transactional(scratch_db):
    conn = sqlite3.connect(scratch_db, isolation_level=None)

    def snapshot():
        return index_snapshot(conn)

    before = snapshot()
    conn.execute("BEGIN")
    si.rebuild(conn)
    conn.execute("COMMIT")
    assert snapshot() == before
    # rebuild never commits: a rolled back rebuild leaves the old index in place
    conn.execute("BEGIN")
    conn.execute("UPDATE sections SET body = body || ' 回滚测试词' ")
    si.rebuild(conn)
    sql, params = si.search_sql("sections", "sections_fts", ["heading", "body"], "回滚测试词")
    assert conn.execute(sql, params).fetchall()
    conn.execute("ROLLBACK")
    assert snapshot() == before
    conn.close()


# ------------------------------------------------------------------ Datasette -----

def make_datasette(db_path: Path) -> Datasette:
    return Datasette(
        [], immutables=[str(db_path)], metadata=copy.deepcopy(META),
        plugins_dir=str(ROOT / "plugins"), template_dir=str(ROOT / "site" / "templates"),
        settings={"sql_time_limit_ms": 3000})


TABLE_SEARCHES = [("sections", "信访"), ("sections", "局"), ("sections", "2024年"),
                  ("sections", "≥90%"), ("indicators", "满意度"), ("indicators", "%"),
                  ("indicators", "100% 满意"), ("projects", "经费"), ("projects", "项目"),
                  ("reports", "2023年"), ("reports", "局"), ("regions", "市")]


def test_metadata_points_tables_at_their_indexes():
    tables = META["databases"]["jixiao"]["tables"]
    for name in si.SEARCHABLE:
        assert tables[name]["fts_table"] == si.SEARCHABLE[name].fts
        assert tables[name].get("fts_pk", "id") == "id"
        assert tables[name].get("searchmode") != "raw"


@pytest.mark.asyncio
async def test_escape_fts_is_replaced_on_the_jixiao_database(corpus_db):
    ds = make_datasette(corpus_db)
    r = await ds.client.get("/jixiao.json", params={
        "sql": "select escape_fts(:q) as e", "q": "信访局", "_shape": "array"})
    assert r.status_code == 200, r.text
    assert r.json()[0]["e"] == si.fts_query("信访局")


@pytest.mark.asyncio
@pytest.mark.parametrize("table, query", TABLE_SEARCHES)
async def test_search_json_api_equals_like(corpus_db, corpus_conn, table, query):
    ds = make_datasette(corpus_db)
    spec = si.SEARCHABLE[table]
    r = await ds.client.get(f"/jixiao/{table}.json", params={
        "_search": query, "_shape": "array", "_col": "id", "_size": "max"})
    assert r.status_code == 200, r.text
    got = {row["id"] for row in r.json()}
    like = _like_ids(corpus_conn, table, spec.columns, query)
    assert like <= got
    assert got == _folded_ids(corpus_conn, table, spec.columns, query)


@pytest.mark.asyncio
async def test_search_box_keeps_what_was_typed(corpus_db, corpus_conn):
    ds = make_datasette(corpus_db)
    query = "信访 ≥90%"
    r = await ds.client.get("/jixiao/sections", params={"_search": query})
    assert r.status_code == 200
    assert 'name="_search" value="信访 ≥90%"' in r.text
    expected = len(_folded_ids(corpus_conn, "sections", ["heading", "body"], query))
    r = await ds.client.get("/jixiao/sections.json", params={"_search": query})
    assert r.json()["filtered_table_rows_count"] == expected


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["", "   ", "%", '"', "()", "AND", "NEAR(", "*", "信访*"])
async def test_odd_table_searches_never_error(corpus_db, query):
    ds = make_datasette(corpus_db)
    for table in ("sections", "indicators", "projects"):
        r = await ds.client.get(f"/jixiao/{table}.json", params={"_search": query})
        assert r.status_code == 200, (table, query, r.text)
        if si.fts_query(query) == si.NO_MATCH:
            assert r.json()["filtered_table_rows_count"] == 0


@pytest.mark.asyncio
async def test_search_one_column(corpus_db, corpus_conn):
    ds = make_datasette(corpus_db)
    for q in ("信访", "≥90%", "%", "023年", "0万元"):
        r = await ds.client.get("/jixiao/sections.json", params={
            "_search_body": q, "_shape": "array", "_col": "id", "_size": "max"})
        assert r.status_code == 200
        assert {row["id"] for row in r.json()} == _folded_ids(corpus_conn, "sections", ["body"], q)


# ------------------------------------------------------------------- /search page -----

@pytest.mark.asyncio
async def test_search_page_groups_by_report(corpus_db, corpus_conn):
    ds = make_datasette(corpus_db)
    dept, = corpus_conn.execute(
        "SELECT d.name FROM departments d JOIN reports r ON r.department_id = d.id "
        "ORDER BY d.id LIMIT 1").fetchone()
    q = dept[-3:]
    data = (await ds.client.get("/search.json", params={"q": q})).json()
    assert data["q"] == q and data["groups"]
    ids = [g["report_id"] for g in data["groups"]]
    assert len(ids) == len(set(ids))
    expected = _site_expected(corpus_conn, q)
    assert data["total_hits"] == len(expected) and not data["capped"]
    assert sum(g["count"] for g in data["groups"]) == len(expected)
    for g in data["groups"]:
        year, name = corpus_conn.execute(
            "SELECT r.fiscal_year, d.name FROM reports r LEFT JOIN departments d "
            "ON d.id = r.department_id WHERE r.id = ?", [g["report_id"]]).fetchone()
        assert (g["fiscal_year"], g["department"]) == (year, name)
        assert 0 < len(g["hits"]) <= g["count"]
        for h in g["hits"]:
            assert "<mark>" in h["snippet"]
    html = (await ds.client.get("/search", params={"q": q})).text
    assert f'value="{q}"' in html
    for rid in ids[:20]:
        assert f'href="/reports/{rid}"' in html
    assert html.count('<section class="group">') == min(len(ids), 20)


# What the site search must find, kind by kind, without any index: every row whose
# columns contain all the terms after folding (a department or region once per report).
SITE_REFERENCE = {
    "report": "SELECT r.id, r.id, r.title FROM reports r",
    "department": "SELECT r.id, d.id, d.name FROM departments d "
                  "JOIN reports r ON r.department_id = d.id",
    "region": "SELECT r.id, g.id, g.name, g.province, g.prefecture FROM regions g "
              "JOIN departments d ON d.region_id = g.id JOIN reports r ON r.department_id = d.id",
    "section": "SELECT report_id, id, heading, body FROM sections",
    "goal": "SELECT report_id, id, expected, actual FROM goals",
    "task": "SELECT report_id, id, name, content FROM tasks",
    "finding": "SELECT report_id, id, text FROM findings",
    "project": "SELECT report_id, id, name FROM projects",
    "indicator": "SELECT report_id, id, name, target_text, actual_text FROM indicators",
}


def _site_expected(conn, q) -> set[tuple]:
    assert set(SITE_REFERENCE) == set(si.KINDS)
    return {(kind, r[0], r[1]) for kind, sql in SITE_REFERENCE.items()
            for r in conn.execute(sql) if si.matches(q, *r[2:])}


@pytest.mark.asyncio
@pytest.mark.parametrize("q", ["信访", "局", "2023年", "满意度", "%", "≥90%", "经费 2024",
                               "年度目标", "湖南", "市"])
async def test_search_page_finds_what_the_reference_finds(corpus_db, corpus_conn, q):
    ds = make_datasette(corpus_db)
    expected = _site_expected(corpus_conn, q)
    data = (await ds.client.get("/search.json", params={"q": q})).json()
    assert data["total_hits"] == len(expected), q
    assert data["total_reports"] == len({e[1] for e in expected})
    for g in data["groups"]:
        for h in g["hits"]:
            assert (h["kind"], g["report_id"], h["ref_id"]) in expected


@pytest.mark.asyncio
@pytest.mark.parametrize("q", ["", "   ", "%", "()", '"', "鬰鬱龘", "x" * 500])
async def test_search_page_without_results(corpus_db, q):
    ds = make_datasette(corpus_db)
    r = await ds.client.get("/search", params={"q": q})
    assert r.status_code == 200
    assert '<section class="group">' not in r.text
    assert (await ds.client.get("/search.json", params={"q": q})).json()["total_hits"] == 0


@pytest.mark.asyncio
async def test_search_page_escapes_snippets_and_query(scratch_db):
    conn = sqlite3.connect(scratch_db, isolation_level=None)
    rid = conn.execute("SELECT id FROM reports ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("INSERT INTO sections (report_id, ordinal, heading, body) VALUES (?, 999, ?, ?)",
                 [rid, "<b>标题</b>", "前文 <script>alert('绩效注入')</script> 后文 & <img src=x>"])
    conn.execute("BEGIN")
    si.rebuild(conn)
    conn.execute("COMMIT")
    conn.close()
    ds = make_datasette(scratch_db)
    html = (await ds.client.get("/search", params={"q": "绩效注入"})).text
    assert "<script>alert" not in html and "<img src=x>" not in html and "<b>标题" not in html
    assert "&lt;script&gt;alert(&#39;<mark>绩效注入</mark>&#39;)&lt;/script&gt;" in html
    assert "&amp; &lt;img src=x&gt;" in html
    html = (await ds.client.get("/search", params={"q": '"><script>alert(1)</script>'})).text
    assert "<script>alert(1)" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_snippet_marks_folded_matches_in_the_original_text():
    plugin = pytest.importorskip("datasette.utils").module_from_path(
        str(ROOT / "plugins" / "search.py"), "jx_search_under_test")
    html = str(plugin.snippet("收入２０２４年<b>", ["2024"]))
    assert html == "收入<mark>２０２４</mark>年&lt;b&gt;"
    long = "甲" * 300 + "信访" + "乙" * 300
    html = str(plugin.snippet(long, ["信访"]))
    assert "<mark>信访</mark>" in html and html.startswith("…") and html.endswith("…")
