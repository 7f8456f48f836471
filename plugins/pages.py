"""Citizen pages: home, department profiles, report disclosure pages, about.

Routes (registered with register_routes):
    /                       home: counts, search box, spending chart, latest reports
    /departments/<id>       a department's profile, spending / score / 三公经费 charts
    /reports/<id>           the full disclosure page of one report
    /reports/<id>.json      the same report as one JSON document
    /about                  method, sources, caveats, licence (site/content/about.md)

Every query is parameterised; ids come from the URL regex (digits only) and are bound
as parameters, never formatted into SQL. Templates are autoescaped; narrative text is
rendered by the `markdown` filter (markdown-it-py, raw HTML off) from render.py.
"""
from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse
from pathlib import Path

import jinja2
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.tracer import trace
from datasette.utils import sqlite_timelimit
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from ingest.serve import published_database

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "site" / "content"

# Canonical codes → Chinese labels (the code vocabulary of SCHEMA.md).
STATEMENTS = [
    ("income", "收入情况", "Income"),
    ("expenditure", "支出情况", "Expenditure"),
    ("three_public", "三公经费", "“Three public” expenses"),
    ("assets", "资产情况", "Fixed assets"),
    ("budget", "预算执行", "Budget execution"),
]
ITEM_LABELS = {
    ("income", "total"): "收入合计",
    ("income", "carryover"): "上年结转",
    ("income", "general_budget"): "一般公共预算财政拨款",
    ("income", "gov_fund"): "政府性基金拨款",
    ("income", "special_nontax"): "纳入专户管理的非税收入",
    ("income", "other"): "其他收入",
    ("expenditure", "total"): "支出合计",
    ("expenditure", "basic"): "基本支出",
    ("expenditure", "personnel"): "其中：人员支出",
    ("expenditure", "public"): "其中：公用支出",
    ("expenditure", "project"): "项目支出",
    ("expenditure", "surplus_year"): "当年结余",
    ("expenditure", "surplus_total"): "累计结余",
    ("three_public", "total"): "三公经费合计",
    ("three_public", "reception"): "公务接待费",
    ("three_public", "vehicle_running"): "公务用车运行维护费",
    ("three_public", "vehicle_purchase"): "公务用车购置费",
    ("three_public", "overseas"): "因公出国（境）费",
    ("assets", "total"): "固定资产合计",
    ("assets", "in_use"): "在用",
    ("assets", "leased"): "出租出借",
    ("assets", "other"): "其他",
    ("budget", "initial"): "年初预算数",
    ("budget", "adjusted"): "全年预算数",
    ("budget", "executed"): "全年执行数",
}
ITEM_ORDER = {key: n for n, key in enumerate(ITEM_LABELS)}
ROLE_LABELS = {"contact": "联系人", "filler": "填报人", "evaluator": "评价人员"}
FINDING_KINDS = [
    ("problem", "存在的问题", "Problems"),
    ("measure", "改进措施", "Measures"),
    ("experience", "经验做法", "Good practice"),
    ("application", "结果应用", "Use of results"),
]
GRADE_LEVELS = {"优": "优 (excellent)", "良": "良 (good)", "中": "中 (fair)", "差": "差 (poor)"}

# Where a quality flag is shown: with the project or indicator its message names, else by
# words in its code (first match wins), else with the report's header facts. Every flag
# is also listed in full in the page's 质量提示 section.
FLAG_PLACES = [
    ("rubric", ("rubric",)),
    ("projects", ("project", "execution")),
    ("indicators", ("indicator", "score", "weight", "target")),
    ("finance", ("sum", "finance", "income", "expend", "budget", "three_public", "surplus",
                 "asset", "balance", "total", "amount", "overspent")),
    ("petition", ("petition",)),
    ("sections", ("named", "narrative", "text", "section", "department")),
]
PLACE_LABELS = {
    "header": "基本信息", "finance": "收支情况", "indicators": "绩效指标", "projects": "项目",
    "rubric": "评分表", "petition": "信访统计", "sections": "自评报告正文",
}


database = published_database     # the database these pages read (ingest/serve.py)


class Reader:
    """Runs a page's queries one after another on the database thread's connection."""

    def __init__(self, conn):
        self.conn = conn

    def rows(self, sql, params=()):
        cursor = self.conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, r)) for r in cursor.fetchall()]

    def one(self, sql, params=()):
        found = self.rows(sql, params)
        return found[0] if found else None


async def read(datasette, db, fn):
    """fn(reader) on the database thread: all of a page's queries in one hop instead of
    one thread hop (and event-loop round trip) per query, under the same SQL time limit
    as Datasette's own queries (the limit applies to the batch)."""
    limit = datasette.setting("sql_time_limit_ms")

    def run(conn):
        with sqlite_timelimit(conn, limit):
            try:
                return fn(Reader(conn))
            except sqlite3.OperationalError as e:
                if e.args == ("interrupted",):
                    raise QueryInterrupted(e, fn.__name__, None)
                raise

    with trace("sql", database=db.name, sql=f"-- jixiao {fn.__name__} (several queries)",
               params=None):
        return await db.execute_fn(run)


def flag_place(code: str) -> str:
    code = (code or "").lower()
    for place, words in FLAG_PLACES:
        if any(w in code for w in words):
            return place
    return "header"


def misses_target(ind) -> bool | None:
    """True when the actual value misses the target, None when it can't be compared.

    The operator as printed decides (≥, >, ≤, <, =). With no operator a target is read
    as a minimum (≥), except 成本指标 (cost indicators), read as a maximum (≤). Values in
    different units are not compared.
    """
    target, actual = ind.get("target_value"), ind.get("actual_value")
    if target is None or actual is None:
        return None
    tu, au = ind.get("target_unit"), ind.get("actual_unit")
    if tu and au and tu != au:
        return None
    op = ind.get("operator") or ("≤" if ind.get("level2") == "成本指标" else "≥")
    if op == "≥":
        return actual < target
    if op == ">":
        return actual <= target
    if op == "≤":
        return actual > target
    if op == "<":
        return actual >= target
    if op == "=":
        return abs(actual - target) > 1e-9
    return None


def annotate_indicator(ind):
    miss = misses_target(ind)
    weight, score = ind.get("weight"), ind.get("score")
    full = weight is not None and score is not None and score >= weight
    ind["miss"] = miss
    ind["full_marks"] = full
    ind["miss_full_marks"] = bool(miss) and full
    ind["score_over_weight"] = weight is not None and score is not None and score > weight
    ind["deducted"] = weight is not None and score is not None and score < weight
    return ind


def names_in_flags(name, flags):
    """The flags whose message quotes this name (「name」, or a plain mention of 4+ chars)."""
    name = (name or "").strip()
    if not name:
        return []
    return [f for f in flags
            if f"「{name}」" in (f.get("message") or "")
            or (len(name) >= 4 and name in (f.get("message") or ""))]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def figures_in(text) -> set:
    return {float(n) for n in _NUMBER.findall(text or "")}


def attach_flags(rows, flags, figure_keys):
    """Set row["flags"]: flags naming the row; ties between same-named rows go to the
    rows whose figures (figure_keys) the message mentions most."""
    for row in rows:
        row["flags"] = names_in_flags(row.get("name"), flags)
    for f in flags:
        holders = [r for r in rows if any(g is f for g in r["flags"])]
        if len(holders) < 2:
            continue
        numbers = figures_in(f.get("message"))
        overlap = [sum(1 for k in figure_keys if r.get(k) is not None and float(r[k]) in numbers)
                   for r in holders]
        best = max(overlap)
        for r, n in zip(holders, overlap):
            if n < best:
                r["flags"] = [g for g in r["flags"] if g is not f]


async def report_graph(datasette, report_id: int, siblings: bool = False):
    """One report and everything attached to it, as plain dicts (None when unknown).
    With siblings=True also the department's other reports (id, year, score)."""
    db = database(datasette)

    def fetch(q):
        report = q.one("SELECT * FROM reports WHERE id = ?", [report_id])
        if report is None:
            return None
        department = region = None
        if report["department_id"] is not None:
            department = q.one("SELECT * FROM departments WHERE id = ?",
                               [report["department_id"]])
        if department and department.get("region_id") is not None:
            region = q.one("SELECT * FROM regions WHERE id = ?", [department["region_id"]])
        document = q.one(
            "SELECT id, sha256, file_name, source_url, format, encoding, layout, parser_version,"
            " status, error, ingested_at, kind, publisher, published_date, size_bytes"
            " FROM documents WHERE id = ?", [report["document_id"]])

        def child(table, order="ordinal, id"):
            # table and order come from the literals below, never from the request
            return q.rows(f"SELECT * FROM {table} WHERE report_id = ? ORDER BY {order}",
                          [report_id])

        graph = {
            "report": report,
            "department": department,
            "region": region,
            "document": document,
            "finance_items": child("finance_items", "id"),
            "indicators": child("indicators", "project_id IS NOT NULL, project_id, ordinal, id"),
            "projects": child("projects"),
            "rubric_items": child("rubric_items"),
            "goals": child("goals"),
            "tasks": child("tasks"),
            "findings": child("findings", "kind, ordinal, id"),
            "people": child("people", "id"),
            "sections": child("sections"),
            "petition_stats": child("petition_stats", "id"),
            "quality_flags": child("quality_flags", "severity, id"),
        }
        if siblings:
            graph["siblings"] = q.rows("""
                SELECT id, fiscal_year, self_score FROM reports
                WHERE department_id = ? ORDER BY fiscal_year, id
            """, [report["department_id"]]) if report["department_id"] is not None else []
        return graph

    graph = await read(datasette, db, fetch)
    if graph is None:
        return None
    by_project: dict = {}
    for ind in graph["indicators"]:
        by_project.setdefault(ind["project_id"], []).append(ind)
    for p in graph["projects"]:
        p["indicators"] = by_project.get(p["id"], [])
    graph["indicators"] = by_project.get(None, [])
    return graph


def finance_tables(items):
    """Long finance rows → one table per statement: rows = items, columns = units."""
    tables = []
    for code, label, english in STATEMENTS:
        these = [f for f in items if f["statement"] == code]
        if not these:
            continue
        units = sorted({f["unit"] for f in these}, key=lambda u: (u != "all", u))
        keys = sorted({f["item"] for f in these},
                      key=lambda i: (ITEM_ORDER.get((code, i), 999), i))
        cells = {(f["item"], f["unit"]): f for f in these}
        body = []
        for item in keys:
            printed = next((cells[(item, u)]["label"] for u in units
                            if (item, u) in cells and cells[(item, u)]["label"]), None)
            body.append({
                "item": item,
                "label": ITEM_LABELS.get((code, item), item),
                "printed": printed,
                "cells": [cells.get((item, u)) for u in units],
            })
        tables.append({"statement": code, "label": label, "english": english,
                       "units": units, "rows": body})
    return tables


_DICT_ATTRIBUTES = frozenset(dir(dict))


class BodyEnvironment(jinja2.Environment):
    """Looks up `row.column` on a plain dict by key first. Jinja tries getattr() first and
    only falls back to the key after an AttributeError, which costs more than the rest of
    the lookup; the result is the same, as a dict instance has no attributes of its own
    beyond dict's methods (those names still resolve as Jinja would)."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def body_environment(datasette) -> jinja2.Environment:
    """A synchronous twin of Datasette's Jinja environment: the same template loader,
    filters, tests and globals (the plugins' included), autoescaped; made once.

    Datasette renders with an async environment, where every piece of output passes
    through an async generator for each level of template nesting (page, base, block,
    include), and every expression is awaited. The citizen page bodies render here
    instead, in one piece (about half the rendering time of a report page); Datasette
    then renders the light page shell around them (render_template: nav, plugins'
    template variables, scripts)."""
    base = datasette.jinja_env
    env = base.__dict__.get("_jixiao_sync_twin")
    if env is None or env.loader is not base.loader:
        env = BodyEnvironment(loader=base.loader, autoescape=True)
        env.filters.update(base.filters)
        env.tests.update(base.tests)
        env.globals.update(base.globals)
        base.__dict__["_jixiao_sync_twin"] = env
    return env


def render_body(datasette, template, context) -> Markup:
    env = body_environment(datasette)
    html = env.get_template(template).render({"urls": datasette.urls, **context})
    return Markup(html)     # autoescaped by the environment


async def render(datasette, request, template, context, body=None):
    """The page `template` with `context`; `body`, if given, is rendered first (see
    body_environment) and passed to it as jx_body."""
    if body is not None:
        context = {**context, "jx_body": render_body(datasette, body, context)}
    return Response.html(await datasette.render_template(template, context, request=request))


def parse_id(request) -> int:
    return int(request.url_vars["id"])


# Below this many reports the home chart splits each year's spending by department (one
# cheap query over report_summary); above it the chart reads the per-year totals that the
# ingest precomputed in stats_by_year, so the home page never scans the whole corpus.
DEPARTMENT_CHART_MAX_REPORTS = 500
LATEST_REPORTS = 12
STATS_TABLES = ("stats", "stats_by_year", "stats_by_province")


def has_stats(q) -> bool:
    """True when the ingest built the precomputed statistics tables (ingest/stats.py)."""
    found = q.one(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
        list(STATS_TABLES))
    return found["n"] == len(STATS_TABLES)


def corpus_counts(q):
    """Corpus-wide figures from the precomputed `stats` table."""
    figures = {r["name"]: r["value"] for r in q.rows("SELECT name, value FROM stats")}

    def whole(name):
        value = figures.get(name)
        return int(value) if value is not None else None

    counts = {name: whole(name) for name in (
        "reports", "departments", "provinces", "years", "first_year", "last_year",
        "documents", "indicators")}
    counts["flags"] = whole("quality_flags")
    counts["missing_total"] = whole("reports_without_expenditure_total") or 0
    return counts


def live_counts(q):
    """The same figures counted live, for a database built before the stats tables."""
    return q.one("""
        SELECT
          (SELECT count(*) FROM reports) AS reports,
          (SELECT count(DISTINCT department_id) FROM reports) AS departments,
          (SELECT count(DISTINCT province) FROM report_summary WHERE province IS NOT NULL)
            AS provinces,
          (SELECT count(DISTINCT fiscal_year) FROM reports) AS years,
          (SELECT min(fiscal_year) FROM reports) AS first_year,
          (SELECT max(fiscal_year) FROM reports) AS last_year,
          (SELECT count(*) FROM documents) AS documents,
          (SELECT count(*) FROM indicators) AS indicators,
          (SELECT count(*) FROM quality_flags) AS flags,
          (SELECT count(*) FROM report_summary WHERE expenditure_total IS NULL)
            AS missing_total
    """)


def home_data(q):
    precomputed = has_stats(q)
    counts = corpus_counts(q) if precomputed else live_counts(q)
    # newest first, straight off idx_reports_latest; only these rows go through the view
    latest = q.rows("""
        SELECT s.*, r.report_date, r.title
        FROM (SELECT id, fiscal_year, report_date, title FROM reports
              ORDER BY fiscal_year DESC, report_date DESC, id DESC LIMIT :n) r
        JOIN report_summary s ON s.report_id = r.id
        ORDER BY r.fiscal_year DESC, r.report_date DESC, r.id DESC
    """, {"n": LATEST_REPORTS})
    if precomputed:
        provinces = q.rows("""
            SELECT province, reports, departments FROM stats_by_province
            ORDER BY reports DESC, province
        """)
    else:
        provinces = q.rows("""
            SELECT province, count(*) AS reports, count(DISTINCT department_id) AS departments
            FROM report_summary WHERE province IS NOT NULL
            GROUP BY province ORDER BY reports DESC, province
        """)
    spending, spending_years = [], []
    if not precomputed or (counts["reports"] or 0) <= DEPARTMENT_CHART_MAX_REPORTS:
        spending = q.rows("""
            SELECT department, fiscal_year, expenditure_total AS amount
            FROM report_summary
            WHERE expenditure_total IS NOT NULL AND fiscal_year IS NOT NULL
            ORDER BY fiscal_year, department
        """)
    else:
        spending_years = q.rows("""
            SELECT fiscal_year, reports, expenditure_reports, expenditure_sum AS amount,
                   expenditure_median AS median, expenditure_max AS max
            FROM stats_by_year
            WHERE expenditure_sum IS NOT NULL AND fiscal_year IS NOT NULL
            ORDER BY fiscal_year
        """)
    return {"counts": counts, "latest": latest, "provinces": provinces,
            "spending": spending, "spending_years": spending_years}


async def home(datasette, request):
    db = database(datasette)
    data = await read(datasette, db, home_data)
    try:
        queries = await datasette.get_canned_queries(db.name, request.actor)
    except Exception:  # pragma: no cover - permissions plugins may refuse
        queries = {}
    return await render(datasette, request, "home.html", body="_home_body.html", context={
        "db_name": db.name,
        **data,
        "missing_total": data["counts"]["missing_total"],
        "queries": queries,
    })


def department_series(finance, reports):
    """Chart rows for a department: spending split and 三公经费 per fiscal year."""
    latest_for_year: dict = {}
    for r in reports:
        if r["fiscal_year"] is not None:
            latest_for_year[r["fiscal_year"]] = max(latest_for_year.get(r["fiscal_year"], 0),
                                                    r["report_id"])
    keep = set(latest_for_year.values())
    amounts: dict = {}
    for f in finance:
        if f["report_id"] in keep and f["amount"] is not None:
            amounts[(f["fiscal_year"], f["statement"], f["item"])] = f["amount"]
    spending, three = [], []
    for year in sorted(latest_for_year):
        def get(statement, item):
            return amounts.get((year, statement, item))
        basic, personnel, public = (get("expenditure", i) for i in ("basic", "personnel", "public"))
        project, total = get("expenditure", "project"), get("expenditure", "total")
        parts = []
        if personnel is not None:
            parts.append((1, "人员支出（基本支出）", personnel))
        if public is not None:
            parts.append((2, "公用支出（基本支出）", public))
        if basic is not None:
            rest = basic - (personnel or 0) - (public or 0)
            if personnel is None and public is None:
                parts.append((3, "基本支出（未拆分）", basic))
            elif rest > 0.005:
                parts.append((3, "基本支出（其余未拆分）", round(rest, 2)))
        if project is not None:
            parts.append((4, "项目支出", project))
        if not parts and total is not None:
            parts.append((5, "支出合计（未拆分）", total))
        spending += [{"fiscal_year": year, "order": o, "category": c, "amount": a}
                     for o, c, a in parts]
        components = [(1, "公务接待费", get("three_public", "reception")),
                      (2, "公务用车运行维护费", get("three_public", "vehicle_running")),
                      (3, "公务用车购置费", get("three_public", "vehicle_purchase")),
                      (4, "因公出国（境）费", get("three_public", "overseas"))]
        present = [(o, c, a) for o, c, a in components if a is not None]
        tp_total = get("three_public", "total")
        if present:
            three += [{"fiscal_year": year, "order": o, "category": c, "amount": a}
                      for o, c, a in present]
            rest = (tp_total or 0) - sum(a for _, _, a in present)
            if tp_total is not None and rest > 0.005:
                three.append({"fiscal_year": year, "order": 5, "category": "其余（未拆分）",
                              "amount": round(rest, 2)})
        elif tp_total is not None:
            three.append({"fiscal_year": year, "order": 5, "category": "三公经费合计（未拆分）",
                          "amount": tp_total})
    return spending, three


async def department(datasette, request):
    db = database(datasette)
    dept_id = parse_id(request)
    def fetch(q):
        dept = q.one("""
            SELECT d.id, d.name, d.kind, d.region_id, g.name AS region_name,
                   g.code AS region_code, g.province, g.prefecture, g.county,
                   g.level AS region_level
            FROM departments d LEFT JOIN regions g ON g.id = d.region_id
            WHERE d.id = ?
        """, [dept_id])
        if dept is None:
            return None
        reports = q.rows("""
            SELECT s.*, r.report_date, r.title
            FROM report_summary s JOIN reports r ON r.id = s.report_id
            WHERE s.department_id = ?
            ORDER BY s.fiscal_year, s.report_id
        """, [dept_id])
        finance = q.rows("""
            SELECT r.id AS report_id, r.fiscal_year, f.statement, f.item, f.amount
            FROM reports r JOIN finance_items f ON f.report_id = r.id
            WHERE r.department_id = ? AND f.unit = 'all'
              AND f.statement IN ('expenditure', 'three_public')
        """, [dept_id])
        flags = q.rows("""
            SELECT q.*, r.fiscal_year FROM quality_flags q JOIN reports r ON r.id = q.report_id
            WHERE r.department_id = ? ORDER BY r.fiscal_year, q.id
        """, [dept_id])
        return dept, reports, finance, flags

    found = await read(datasette, db, fetch)
    if found is None:
        raise NotFound("没有这个部门 · Department not found")
    dept, reports, finance, flags = found
    spending, three = department_series(finance, reports)
    latest = reports[-1] if reports else None
    return await render(datasette, request, "department.html", body="_department_body.html", context={
        "db_name": db.name,
        "dept": dept,
        "reports": reports,
        "latest": latest,
        "spending": spending,
        "three_public": three,
        "scores": [{"fiscal_year": r["fiscal_year"], "self_score": r["self_score"],
                    "grade": r["grade"]} for r in reports if r["fiscal_year"] is not None],
        "flags": flags,
    })


async def report_page(datasette, request):
    report_id = parse_id(request)
    graph = await report_graph(datasette, report_id, siblings=True)
    if graph is None:
        raise NotFound("没有这份报告 · Report not found")
    db = database(datasette)
    siblings = graph.pop("siblings")
    flags = graph["quality_flags"]
    all_inds = graph["indicators"] + [i for p in graph["projects"] for i in p["indicators"]]
    for ind in all_inds:
        annotate_indicator(ind)
    attach_flags(all_inds, flags, ("weight", "score", "target_value", "actual_value"))
    attach_flags(graph["projects"], flags,
                 ("budget_initial", "budget_adjusted", "budget_executed", "execution_rate"))
    on_projects = {id(f) for p in graph["projects"] for f in p["flags"]}
    on_indicators = {id(f) for i in all_inds for f in i["flags"]}
    placed: dict = {}
    for f in flags:
        if id(f) in on_projects:
            f["place"] = "projects"     # shown in full on the project's card
            continue
        f["place"] = "indicators" if id(f) in on_indicators else flag_place(f["code"])
        placed.setdefault(f["place"], []).append(f)
    findings = [(code, label, english, [f for f in graph["findings"] if f["kind"] == code])
                for code, label, english in FINDING_KINDS]
    known_kinds = {code for code, _, _ in FINDING_KINDS}
    other = [f for f in graph["findings"] if f["kind"] not in known_kinds]
    if other:
        findings.append(("other", "其他", "Other", other))
    return await render(datasette, request, "report.html", body="_report_body.html", context={
        "db_name": db.name,
        **graph,
        "finance_tables": finance_tables(graph["finance_items"]),
        "flags_by_place": placed,
        "place_labels": PLACE_LABELS,
        "miss_count": sum(1 for i in all_inds if i["miss"]),
        "miss_full_count": sum(1 for i in all_inds if i["miss_full_marks"]),
        "findings_by_kind": [f for f in findings if f[3]],
        "role_labels": ROLE_LABELS,
        "grade_levels": GRADE_LEVELS,
        "siblings": siblings,
    })


async def report_json(datasette, request):
    report_id = parse_id(request)
    graph = await report_graph(datasette, report_id)
    if graph is None:
        raise NotFound("没有这份报告 · Report not found")
    doc = graph["document"] or {}
    graph["links"] = {
        "html": datasette.urls.path(f"/reports/{report_id}"),
        "original": (datasette.urls.path("/raw/" + urllib.parse.quote(doc["file_name"], safe=""))
                     if doc.get("file_name") else None),
    }
    body = json.dumps(graph, ensure_ascii=False, indent=2, default=str)
    return Response(body, content_type="application/json; charset=utf-8",
                    headers={"Access-Control-Allow-Origin": "*"})


_about_cache: dict = {}


async def about(datasette, request):
    path = CONTENT / "about.md"
    key = (path.stat().st_mtime_ns, path.stat().st_size)
    if key not in _about_cache:      # the file only changes with a new release
        text = path.read_text(encoding="utf-8")
        _about_cache.clear()
        _about_cache[key] = (text, datasette.jinja_env.filters["markdown"](text))
    text, html = _about_cache[key]
    return await render(datasette, request, "about.html", {
        "db_name": database(datasette).name, "about_markdown": text, "about_html": html})


# The citizen pages (this module's, /search, /downloads and the files under it, /raw/).
# The database is served immutable, so these only change when a new file is published:
# they may be cached by browsers and by a shared cache in front of several replicas, for
# --setting default_cache_ttl seconds (as Datasette's own pages are).
CITIZEN_PATHS = re.compile(
    r"^/(?:|about|search(?:\.json)?|downloads(?:/[a-z_]+\.(?:csv|json))?|raw/.+"
    r"|departments/\d+|reports/\d+(?:\.json)?)$")


def cache_control(datasette) -> str:
    ttl = int(datasette.setting("default_cache_ttl") or 0)
    return f"public, max-age={ttl}" if ttl > 0 else "no-cache"


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def add_cache_control(scope, receive, send):
            if (scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                    or not datasette.cache_headers
                    or not CITIZEN_PATHS.match(scope.get("path") or "")):
                return await app(scope, receive, send)

            async def wrapped_send(event):
                if (event["type"] == "http.response.start" and event.get("status") == 200
                        and not any(k.lower() == b"set-cookie" for k, _ in event.get("headers") or [])):
                    headers = [(k, v) for k, v in event.get("headers") or []
                               if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", cache_control(datasette).encode()))
                    event = {**event, "headers": headers}
                await send(event)

            return await app(scope, receive, wrapped_send)

        return add_cache_control

    return wrap


@hookimpl
def startup(datasette):
    """Lend `render_body` to the other plugins of this site (plugins/search.py): plugin
    files are loaded by path and cannot import each other, and one synchronous body
    environment serves every citizen page."""
    datasette.__dict__["_jixiao_render_body"] = render_body


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/departments/(?P<id>\d{1,18})$", department),
        (r"^/reports/(?P<id>\d{1,18})$", report_page),
        (r"^/reports/(?P<id>\d{1,18})\.json$", report_json),
        (r"^/about$", about),
    ]
