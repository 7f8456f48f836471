"""Chinese search for Datasette: the stock table search box, ``?_search=``, and /search.

The index itself is built at ingest time by ``ingest/search_index.py`` (read its
docstring for the tokens and the query rules). This plugin only teaches Datasette to
query it.

Table search (``?_search=`` on reports, sections, indicators, projects, goals, …)
-----------------------------------------------------------------
``metadata.yml`` names each table's FTS table (``fts_table: sections_fts``, ``fts_pk: id``),
so Datasette 0.65's own search filter shows the search box and adds::

    [id] in (select rowid from [sections_fts] where [sections_fts] match escape_fts(:search))

``escape_fts`` is an SQL function that Datasette registers on every connection
(``datasette/sql_functions.py``). For a database that contains our index (it has a
``search_state`` table) we register our own ``escape_fts`` after Datasette's
(``prepare_connection`` with ``trylast=True``: pluggy calls it after the default
implementation, so ours replaces it on that connection only). It is
``search_index.fts_query``: the person's text becomes bigram phrases and prefix
queries. Other databases served by the same Datasette keep the stock function.

FTS narrows the rows; a second ``filters_from_request`` hook adds the literal check that
keeps the result equal to ``LIKE``: for every term, ``instr(column, term) > 0`` on one of
the table's indexed columns, or (only when that fails) ``jixiao_term(term, columns…)``,
which compares after NFKC/case folding. So ``%``, ``≥`` or punctuation in a term never
widens the match. Datasette's own filter still puts the raw text in the template context,
so the box keeps showing exactly what was typed, and ``?_search=`` in the JSON API goes
through the same path. ``?_search_<column>=`` works the same way for one column (each FTS
column has the source column's name and holds that column's tokens and suffix tokens).
``_searchmode=raw`` passes FTS5 syntax through untouched (and adds no literal check).

Site-wide search (``/search?q=``)
--------------------------------
Reads every table's FTS index (``search_index.SITE_KINDS``: report titles, departments,
regions, sections, goals, findings, projects, indicators), newest rows first and at most
``MAX_HITS`` (plugin config ``search_max_hits``) rows of each kind, so a common word
costs no more than a rare one; when a kind has more, the page says the counts are lower
bounds and the JSON has ``"capped": true``. It groups the hits by report (most hits
first), shows the department and fiscal year, up to ``HITS_PER_REPORT`` hits per report
with highlighted snippets, and links to ``/reports/<id>``. Snippets are built from the
original text: each piece is HTML-escaped first and only then wrapped in ``<mark>``, so
text from a document can never inject markup. ``/search.json?q=`` returns the same
groups as JSON.

SQL functions available on every connection: ``jixiao_fts(q)``, ``jixiao_match(q, col…)``
and ``jixiao_term(term, col…)`` (see ``search_index.register_functions``).
"""
from __future__ import annotations

import json
import re
import sqlite3
import time

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.tracer import trace
from datasette.utils import sqlite_timelimit
from datasette.filters import FilterArguments
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from ingest import search_index as si

REPORTS_PER_PAGE = 10
HITS_PER_REPORT = 3
SNIPPET_CHARS = 120
MAX_QUERY_CHARS = 200
# At most this many matching rows of each kind are examined per search (the newest
# first): a common word matches hundreds of thousands of rows at 100,000 reports, and
# each examined row costs ~15 µs of server CPU (the literal check, the grouping). Most
# kinds match few rows; a common word fills three or four kinds. Override with plugin
# config `search_max_hits` (metadata.yml: plugins: jixiao: search_max_hits: N).
MAX_HITS = 60

KIND_LABELS = {
    "report": "报告标题",
    "department": "部门",
    "region": "地区",
    "section": "报告正文",
    "goal": "年度目标",
    "task": "重点工作任务",
    "finding": "问题与措施",
    "project": "项目",
    "indicator": "绩效指标",
}
FINDING_LABELS = {"problem": "存在的问题", "measure": "改进措施", "experience": "经验做法",
                  "application": "结果应用"}


def _has_index(conn) -> bool:
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                            [si.STATE_TABLE]).fetchone() is not None
    except Exception:
        return False


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    si.register_functions(conn)
    if _has_index(conn):
        conn.create_function("escape_fts", 1, si.fts_query, deterministic=True)


# ----------------------------------------------------------------------------------------
# Table search: the literal post-filter

@hookimpl
def filters_from_request(request, database, table, datasette):
    spec = si.SEARCHABLE.get(table)
    if spec is None or not any(key == "_search" or key.startswith("_search_")
                               for key in request.args):
        return None     # no search on this page: nothing to add

    async def inner():
        meta = datasette.table_metadata(database, table)
        raw = meta.get("searchmode") == "raw"
        mode = request.args.get("_searchmode")
        if mode in ("raw", "escaped"):
            raw = mode == "raw"
        if raw:
            return None
        db = datasette.get_database(database)
        fts = request.args.get("_fts_table") or meta.get("fts_table") or await db.fts_table(table)
        if fts != spec.fts:
            return None
        clauses: list[str] = []
        params: dict = {}
        # as Datasette does: ?_search= if present, else the ?_search_<column>= arguments
        if "_search" in request.args:
            wanted = [("_search", list(spec.columns))]
        else:
            wanted = [(key, [key[len("_search_"):]]) for key in request.args
                      if key.startswith("_search_") and key[len("_search_"):] in spec.columns]
        for n, (key, columns) in enumerate(wanted):
            terms = si.parse_terms(request.args.get(key))
            clauses.extend(si.literal_clauses(terms, columns, params, prefix=f"jixiao_{n}_"))
        if not clauses:
            return None
        return FilterArguments(clauses, params)

    return inner


# ----------------------------------------------------------------------------------------
# Site-wide search

def _folded_with_map(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, for each folded character, the index of its source character
    (None when folding kept every character one character long: the index is the same)."""
    folded = si.fold(text)
    if len(folded) == len(text):     # fold never maps a character to "", so 1:1
        return folded, None
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        f = si.fold(ch)
        out.append(f)
        index.extend([i] * len(f))
    return "".join(out), index


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of the source text where any term occurs (folded)."""
    folded, index = _folded_with_map(text)
    spans = []
    for term in terms:
        f = si.fold(term)
        if not f:
            continue
        start = folded.find(f)
        while start >= 0:
            end = start + len(f)
            if index is None:
                spans.append((start, end))
            else:
                spans.append((index[start], index[end - 1] + 1))
            start = folded.find(f, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


_SPACE = re.compile(r"\s+")
_MARKDOWN = re.compile(r"\*\*|__|^#{1,6} +|(?<=\n)#{1,6} +")


def _display_text(text: str, title: str | None, terms: list[str]) -> str:
    """The text to show: without a leading copy of the title and without Markdown
    emphasis/heading markers, as long as a term is still found in what is left."""
    text = text or ""
    candidates = []
    if title and text.startswith(title + "\n"):
        candidates.append(text[len(title) + 1:])
    candidates.append(text)
    for t in candidates:
        plain = _MARKDOWN.sub("", t)
        if _spans(plain, terms):
            return plain
    return text


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> Markup:
    """A window of `text` around the first hit; every piece escaped, then hits marked."""
    text = _SPACE.sub(" ", text or "").strip()
    spans = _spans(text, terms)
    if spans:
        first = spans[0][0]
        start = max(0, first - width // 3)
        end = min(len(text), start + width)
        start = max(0, min(start, end - width))
    else:
        start, end = 0, min(len(text), width)
    parts = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts.append(str(escape(text[pos:s])))
        parts.append("<mark>" + str(escape(text[s:e])) + "</mark>")
        pos = e
    parts.append(str(escape(text[pos:end])))
    if end < len(text):
        parts.append("…")
    return Markup("".join(parts))


async def _find_database(datasette):
    """The database holding the site-wide index (remembered once found in an immutable
    database: its tables never change)."""
    known = datasette.__dict__.get("_jixiao_search_db")
    if known is not None and known in datasette.databases:
        return datasette.databases[known]
    for name, db in datasette.databases.items():
        if name.startswith("_"):
            continue
        if await db.table_exists(si.STATE_TABLE):
            if not db.is_mutable:
                datasette.__dict__["_jixiao_search_db"] = name
            return db
    return None


def _hit_title(kind: str, title: str | None) -> str:
    if kind == "finding":
        return FINDING_LABELS.get(title or "", title or "")
    return title or ""


def _empty_result(q: str, page: int, terms=None, cap: int = MAX_HITS) -> dict:
    return {"q": q, "terms": terms or [], "groups": [], "total_hits": 0, "total_reports": 0,
            "page": page, "pages": 0, "capped": False, "cap": cap}


def search(conn, q: str, page: int = 1, cap: int = MAX_HITS) -> dict:
    """Groups of hits by report for the site-wide search page (and its JSON), read with
    one connection (run on Datasette's database thread by ``run_search``).

    Each kind of hit is read from its table's FTS index, newest rows first, at most `cap`
    rows per kind (FTS5 hands rowids over in order and stops at the LIMIT). When a kind
    has more, the result says so (`capped`) and `total_hits` / `total_reports` are lower
    bounds.
    """
    terms = si.parse_terms(q)
    result = _empty_result(q, page, terms, cap)
    if not terms or si.fts_query(q) == si.NO_MATCH:
        return result
    hits: dict[int, list[tuple[int, int]]] = {}      # report_id -> [(kind order, ref_id)]
    for order, kind in enumerate(si.SITE_KINDS):
        sql, params = si.site_hits_sql(kind, q, cap + 1)
        rows = conn.execute(sql, params).fetchall()
        if len(rows) > cap:
            result["capped"] = True
            del rows[cap:]
        for report_id, ref_id in rows:
            found = hits.get(report_id)
            if found is None:
                hits[report_id] = [(order, ref_id)]
            else:
                found.append((order, ref_id))
    if not hits:
        return result
    # the fiscal year of every report hit (ties in the hit count: newest year first)
    years = dict(conn.execute(
        "SELECT id, fiscal_year FROM reports WHERE id IN (SELECT value FROM json_each(:ids))",
        {"ids": json.dumps(list(hits))}).fetchall())
    ranked = sorted(hits, key=lambda rid: (-len(hits[rid]), -(years.get(rid) or -10**9), rid))
    result["total_reports"] = len(ranked)
    result["total_hits"] = sum(len(v) for v in hits.values())
    result["pages"] = (len(ranked) + REPORTS_PER_PAGE - 1) // REPORTS_PER_PAGE
    shown = ranked[(page - 1) * REPORTS_PER_PAGE: page * REPORTS_PER_PAGE]
    if not shown:
        return result
    about = {r[0]: {"title": r[1], "department": r[2], "department_id": r[3]}
             for r in conn.execute(
                 "SELECT r.id, r.title, d.name, d.id "
                 "FROM reports r LEFT JOIN departments d ON d.id = r.department_id "
                 "WHERE r.id IN (SELECT value FROM json_each(:ids))",
                 {"ids": json.dumps(shown)})}
    # the text of the first few hits of each report shown (kind order, then id)
    first = {rid: sorted(set(hits[rid]))[:HITS_PER_REPORT] for rid in shown}
    wanted: dict[int, set[int]] = {}
    for chosen in first.values():
        for order, ref_id in chosen:
            wanted.setdefault(order, set()).add(ref_id)
    texts: dict[tuple[int, int], tuple[str, str]] = {}
    for order, refs in wanted.items():
        kind = si.SITE_KINDS[order]
        sql, params = si.site_show_sql(kind, sorted(refs))
        for row in conn.execute(sql, params):
            texts[(order, row[0])] = (row[1], si.site_text(kind, row[2:]))
    for rid in shown:
        group_hits = []
        for order, ref_id in first[rid]:
            kind = si.SITE_KINDS[order]
            title, text = texts.get((order, ref_id), ("", ""))
            group_hits.append({
                "kind": kind.kind, "kind_label": KIND_LABELS.get(kind.kind, kind.kind),
                "title": _hit_title(kind.kind, title), "ref_table": kind.table,
                "ref_id": ref_id, "snippet": snippet(_display_text(text, title, terms), terms)})
        info = about.get(rid) or {"title": None, "department": None, "department_id": None}
        result["groups"].append({
            "report_id": rid, "department": info["department"],
            "department_id": info["department_id"], "fiscal_year": years.get(rid),
            "title": info["title"], "count": len(hits[rid]), "hits": group_hits})
    return result


async def run_search(datasette, db, q: str, page: int = 1, cap: int = MAX_HITS) -> dict:
    """``search`` on the database thread, under Datasette's SQL time limit (all queries
    together); raises QueryInterrupted when the limit is hit."""
    limit = datasette.setting("sql_time_limit_ms")

    def run(conn):
        with sqlite_timelimit(conn, limit):
            try:
                return search(conn, q, page, cap)
            except sqlite3.OperationalError as e:
                if e.args == ("interrupted",):
                    raise QueryInterrupted(e, "site search", {"q": q})
                raise

    with trace("sql", database=db.name, sql=f"-- jixiao site search: {q}", params=None):
        return await db.execute_fn(run)


def max_hits(datasette) -> int:
    """How many index rows one search may examine: plugin config `search_max_hits`."""
    config = datasette.plugin_config("jixiao") or {}
    try:
        return max(1, int(config.get("search_max_hits") or MAX_HITS))
    except (TypeError, ValueError):
        return MAX_HITS


async def search_view(request, datasette):
    q = (request.args.get("q") or "")[:MAX_QUERY_CHARS]
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    db = await _find_database(datasette)
    cap = max_hits(datasette)
    started = time.perf_counter()
    if db is None:
        result = _empty_result(q, page, cap=cap)
    else:
        try:
            result = await run_search(datasette, db, q, page, cap)
        except QueryInterrupted:
            result = {**_empty_result(q, page, si.parse_terms(q), cap), "too_many": True}
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if request.url_vars.get("format") == "json":
        for g in result["groups"]:
            for h in g["hits"]:
                h["snippet"] = str(h["snippet"])
        return Response.json(result)
    context = {**result, "kind_labels": KIND_LABELS}
    # the body environment of plugins/pages.py (it lends render_body at startup)
    render_body = datasette.__dict__["_jixiao_render_body"]
    context["jx_body"] = render_body(datasette, "_search_body.html", context)
    return Response.html(await datasette.render_template("search.html", context,
                                                         request=request))


@hookimpl
def register_routes():
    return [
        (r"^/search(?:\.(?P<format>json))?$", search_view),
    ]
