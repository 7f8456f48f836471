"""Search benchmark: recall and precision against LIKE, and latency, on a large corpus.

    python -m bench search [--rows 200000] [--per-kind 80] [--seed 7] [--fresh]

1. Corpus (cached in ``bench-cache/``): the bundled reports in ``data/raw`` are cut into
   fragments (sentences, short labels, values). Place names found in them (by the
   gazetteer), years and other numbers become slots; synthetic reports are then made by
   recombining fragments and filling the slots with another county, prefecture and
   province, other years and other numbers. Rows go into the real schema (sections,
   indicators, projects, goals, findings, departments, regions, reports) until the
   searchable tables hold at least ``--rows`` rows.
2. Index: ``ingest.search_index.rebuild`` on a copy of the corpus, timed; its size is the
   growth in used pages.
3. Queries, ``--per-kind`` of each kind, sampled from the corpus with a fixed seed:
   one_char, two_char, word (3-6 characters), phrase (two ANDed terms, or a quoted span
   with punctuation or spaces), mixed (Chinese and digits: 2023年, 信访局2023, 023年),
   boundary (spans that cross the end of a label into the following text: 访局, 经费支),
   symbol (terms with %, ≥, ≤), absent (character strings that occur nowhere).
4. Each query runs both as search (the FTS query + literal check that the site runs,
   ``search_index.search_sql`` over every searchable table and its ``<table>_fts``) and
   as the ``LIKE`` scan (``column LIKE '%term%' ESCAPE '\\'`` for every term, over the
   same tables and columns), on the same warm connection; a query's time is the sum
   over the tables.
   Printed: recall and precision of search against LIKE (micro-averaged over all rows
   returned), the queries with recall < 1, median and p95 latency of both, their ratio,
   index build time and size. Targets: recall 1.0, precision >= 0.99, median search
   latency <= 1/15 of the LIKE scan.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest import schema
from ingest import search_index as si

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
CACHE = ROOT / "bench-cache"
GENERATOR_VERSION = "3"

TARGET_RECALL = 1.0
TARGET_PRECISION = 0.99
TARGET_SPEEDUP = 15

KINDS = ("one_char", "two_char", "word", "phrase", "mixed", "boundary", "symbol", "absent")

_HAN = "\u4e00-\u9fff"
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")
_YEAR = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_ADMIN_END = ("省", "市", "县", "区", "州", "旗", "盟")
# Department kinds seen after a place name: the words up to the first of these endings.
_DEPT = re.compile(rf"[{_HAN}]{{1,10}}?(?:委员会|办公室|管理局|局|委|办|中心|院|所|站|队|馆)")
# A generic set of Chinese government department kinds, used with those found in the corpus.
GENERIC_DEPARTMENTS = (
    "财政局", "教育局", "民政局", "卫生健康局", "交通运输局", "自然资源局", "水利局",
    "农业农村局", "人力资源和社会保障局", "住房和城乡建设局", "市场监督管理局", "审计局",
    "统计局", "应急管理局", "信访局", "司法局", "林业局", "生态环境局", "医疗保障局",
    "退役军人事务局", "文化旅游广电体育局", "商务局", "发展和改革局", "档案馆",
)


# ----------------------------------------------------------------------------------------
# Fragments and templates

@dataclass
class Template:
    """A fragment of source text with slots: str parts, ("place", level), ("year",),
    ("num", int_digits, decimals)."""
    parts: list = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        from ingest.read.encoding import decode
        return decode(data)[0]
    except Exception:   # the reader may move; the benchmark only needs text
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                continue
    return data.decode("utf-8", "replace")


def _place_names() -> dict[str, str]:
    """Full names of the gazetteer (3+ characters, ending like a place) -> level."""
    from ingest.normalise.regions import gazetteer
    names: dict[str, str] = {}
    for r in gazetteer().by_code.values():
        if len(r.name) >= 3 and r.name.endswith(_ADMIN_END):
            names.setdefault(r.name, r.level)
    return names


def _template(text: str, places: dict[str, str], departments: set[str]) -> Template:
    t = Template()
    buf: list[str] = []
    i = 0
    max_len = 12
    while i < len(text):
        hit = None
        for end in range(min(len(text), i + max_len), i + 2, -1):
            if text[i:end] in places:
                hit = end
                break
        if hit:
            if buf:
                t.parts.append("".join(buf))
                buf = []
            t.parts.append(("place", places[text[i:hit]]))
            m = _DEPT.match(text, hit)
            if m:
                departments.add(m.group(0))
            i = hit
            continue
        buf.append(text[i])
        i += 1
    if buf:
        t.parts.append("".join(buf))
    out = Template()
    for part in t.parts:
        if not isinstance(part, str):
            out.parts.append(part)
            continue
        pos = 0
        for m in re.finditer(rf"{_YEAR.pattern}|{_NUMBER.pattern}", part):
            if m.start() > pos:
                out.parts.append(part[pos:m.start()])
            s = m.group(0)
            if _YEAR.fullmatch(s):
                out.parts.append(("year",))
            else:
                whole, _, dec = s.partition(".")
                out.parts.append(("num", len(whole), len(dec)))
            pos = m.end()
        if pos < len(part):
            out.parts.append(part[pos:])
    return out


def fragments() -> tuple[dict[str, list[Template]], list[str]]:
    """Templates by class (sentence, label, value) and department kinds, from data/raw."""
    places = _place_names()
    departments: set[str] = set()
    classes: dict[str, list[Template]] = {"sentence": [], "label": [], "value": []}
    seen: set[str] = set()
    for path in sorted(p for p in RAW.iterdir() if p.is_file()):
        text = _decode(path.read_bytes())
        for line in text.splitlines():
            for cell in line.split("\t"):
                cell = cell.strip().strip("\u3000\xa0")
                if not cell or cell in seen:
                    continue
                seen.add(cell)
                han = len(re.findall(f"[{_HAN}]", cell))
                if re.search("[0-9]", cell) and len(cell) <= 24:
                    classes["value"].append(_template(cell, places, departments))
                if 2 <= len(cell) <= 24 and han >= 2 and not cell.endswith(("。", "；")):
                    classes["label"].append(_template(cell, places, departments))
                for piece in _SENTENCE_END.split(cell):
                    piece = piece.strip()
                    if len(re.findall(f"[{_HAN}]", piece)) >= 8:
                        classes["sentence"].append(_template(piece, places, departments))
    kinds = sorted({d for d in departments if 2 <= len(d) <= 10} | set(GENERIC_DEPARTMENTS))
    return classes, kinds


class Filler:
    """Fills template slots for one synthetic report."""

    def __init__(self, rng: random.Random, region, year: int):
        self.rng = rng
        self.region = region
        self.year = year

    def place(self, level: str) -> str:
        r = self.region
        if level == "province":
            return r.province or r.name
        if level == "prefecture":
            return r.prefecture or r.province or r.name
        return r.name

    def number(self, digits: int, decimals: int) -> str:
        rng = self.rng
        if digits <= 1:
            whole = str(rng.randint(0, 9))
        else:
            whole = str(rng.randint(10 ** (digits - 1), 10 ** digits - 1))
        if decimals:
            whole += "." + "".join(str(rng.randint(0, 9)) for _ in range(decimals))
        return whole

    def fill(self, t: Template) -> str:
        out = []
        for part in t.parts:
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "place":
                out.append(self.place(part[1]))
            elif part[0] == "year":
                out.append(str(self.year + self.rng.choice((-1, 0, 0, 0, 1))))
            else:
                out.append(self.number(part[1], part[2]))
        return "".join(out)


# ----------------------------------------------------------------------------------------
# Corpus

def _corpus_key(rows: int, seed: int) -> str:
    h = hashlib.sha256()
    h.update(f"{GENERATOR_VERSION}:{rows}:{seed}".encode())
    h.update((ROOT / "ingest" / "schema.py").read_bytes())
    for p in sorted(RAW.iterdir()):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def build_corpus(path: Path, rows: int, seed: int) -> dict:
    """Synthetic reports in the real schema, until the searchable tables hold >= rows rows."""
    from ingest.normalise.regions import gazetteer
    rng = random.Random(seed)
    classes, dept_kinds = fragments()
    sentences, labels, values = classes["sentence"], classes["label"], classes["value"]
    if not (sentences and labels and values):
        raise SystemExit("bench search: no fragments found in data/raw")
    counties = sorted((r for r in gazetteer().by_code.values() if r.level == "county"),
                      key=lambda r: r.code or "")
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    schema.create(conn)
    conn.execute("BEGIN")
    region_ids: dict[str, int] = {}
    dept_ids: dict[tuple, int] = {}
    site_rows = 0
    report_id = 0
    finding_kinds = ("problem", "measure", "experience", "application")

    def region_id(r) -> int:
        if r.code not in region_ids:
            cur = conn.execute(
                "INSERT INTO regions (code, name, province, prefecture, county, level) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [r.code, r.name, r.province, r.prefecture, r.county, r.level])
            region_ids[r.code] = cur.lastrowid
        return region_ids[r.code]

    while site_rows < rows:
        report_id += 1
        region = rng.choice(counties)
        year = rng.randint(2016, 2025)
        f = Filler(rng, region, year)
        kind = rng.choice(dept_kinds)
        dept = region.name + kind
        key = (dept, region.code)
        if key not in dept_ids:
            cur = conn.execute("INSERT INTO departments (name, region_id, kind) VALUES (?, ?, ?)",
                               [dept, region_id(region), kind])
            dept_ids[key] = cur.lastrowid
        conn.execute("INSERT INTO documents (id, sha256, file_name, status, format) "
                     "VALUES (?, ?, ?, 'parsed', 'txt')",
                     [report_id, f"bench-{report_id}", f"bench-{report_id}.txt"])
        conn.execute("INSERT INTO reports (id, document_id, department_id, fiscal_year, title) "
                     "VALUES (?, ?, ?, ?, ?)",
                     [report_id, report_id, dept_ids[key], year,
                      f"{dept}{year}年度部门整体支出绩效自评报告"])
        site_rows += 3
        n = rng.randint(8, 20)
        conn.executemany(
            "INSERT INTO sections (report_id, ordinal, heading, body) VALUES (?, ?, ?, ?)",
            [(report_id, i, f.fill(rng.choice(labels)),
              "".join(f.fill(rng.choice(sentences)) for _ in range(rng.randint(2, 9))))
             for i in range(1, n + 1)])
        site_rows += n
        n = rng.randint(2, 8)
        conn.executemany(
            "INSERT INTO projects (report_id, ordinal, name) VALUES (?, ?, ?)",
            [(report_id, i, f.fill(rng.choice(labels))) for i in range(1, n + 1)])
        site_rows += n
        n = rng.randint(20, 60)
        conn.executemany(
            "INSERT INTO indicators (report_id, ordinal, name, target_text, actual_text) "
            "VALUES (?, ?, ?, ?, ?)",
            [(report_id, i, f.fill(rng.choice(labels)), f.fill(rng.choice(values)),
              f.fill(rng.choice(values))) for i in range(1, n + 1)])
        site_rows += n
        n = rng.randint(2, 6)
        conn.executemany(
            "INSERT INTO goals (report_id, ordinal, expected, actual) VALUES (?, ?, ?, ?)",
            [(report_id, i, f.fill(rng.choice(sentences)), f.fill(rng.choice(sentences)))
             for i in range(1, n + 1)])
        site_rows += n
        n = rng.randint(4, 12)
        conn.executemany(
            "INSERT INTO findings (report_id, kind, ordinal, text) VALUES (?, ?, ?, ?)",
            [(report_id, rng.choice(finding_kinds), i, f.fill(rng.choice(sentences)))
             for i in range(1, n + 1)])
        site_rows += n
    conn.execute("COMMIT")
    conn.close()
    return {"reports": report_id, "fragments": {k: len(v) for k, v in classes.items()},
            "department_kinds": len(dept_kinds)}


def corpus(rows: int, seed: int, fresh: bool = False) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"search-corpus-{_corpus_key(rows, seed)}.db"
    if fresh or not path.exists():
        tmp = path.with_suffix(".tmp")
        started = time.perf_counter()
        info = build_corpus(tmp, rows, seed)
        tmp.replace(path)
        print(f"corpus: generated {info['reports']:,} reports from "
              f"{sum(info['fragments'].values()):,} fragments {info['fragments']} in "
              f"{time.perf_counter() - started:.1f}s -> {path.relative_to(ROOT)}", flush=True)
    else:
        print(f"corpus: cached {path.relative_to(ROOT)}", flush=True)
    return path


def _used_bytes(conn: sqlite3.Connection) -> int:
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    count = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return (count - free) * page


def build_index(base: Path) -> tuple[Path, dict]:
    path = CACHE / "search-run.db"
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copy(base, path)
    conn = sqlite3.connect(str(path), isolation_level=None)
    before = _used_bytes(conn)
    text_bytes = 0
    for t in si.TABLES:
        cols = " + ".join(f"coalesce(length(CAST([{c}] AS BLOB)), 0)" for c in t.columns)
        text_bytes += conn.execute(f"SELECT sum({cols}) FROM [{t.table}]").fetchone()[0] or 0
    started = time.perf_counter()
    conn.execute("BEGIN")
    counts = si.rebuild(conn)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    after = _used_bytes(conn)
    fts_bytes = None
    try:
        fts_bytes = conn.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%\\_fts%' ESCAPE '\\'").fetchone()[0]
    except sqlite3.Error:
        pass
    conn.close()
    return path, {"seconds": seconds, "counts": counts, "growth_bytes": after - before,
                  "fts_bytes": fts_bytes, "base_bytes": before, "text_bytes": text_bytes}


# ----------------------------------------------------------------------------------------
# Queries

def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def make_queries(texts: list[str], labels: list[str], per_kind: int,
                 rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query) pairs; every kind gets `per_kind` distinct queries."""
    joined = "\n".join(texts)
    out: dict[str, list[str]] = {k: [] for k in KINDS}

    def add(kind: str, q: str | None):
        if q and q.strip() and q not in out[kind] and len(out[kind]) < per_kind:
            out[kind].append(q)

    def random_span(min_len: int, max_len: int, pred) -> str | None:
        for _ in range(200):
            t = rng.choice(texts)
            n = rng.randint(min_len, max_len)
            if len(t) < n:
                continue
            s = rng.randrange(0, len(t) - n + 1)
            span = t[s:s + n]
            if pred(span):
                return span
        return None

    han_chars = [c for c in joined if _is_han(c)]
    digit_spans = [m for m in re.finditer(r"[0-9]+", joined)]
    tries = 0
    while any(len(v) < per_kind for v in out.values()) and tries < per_kind * 400:
        tries += 1
        # one character: mostly Han (sampled by frequency), some digits
        if rng.random() < 0.85:
            add("one_char", rng.choice(han_chars))
        else:
            add("one_char", str(rng.randint(0, 9)))
        add("two_char", random_span(2, 2, lambda s: all(map(_is_han, s))))
        add("word", random_span(3, 6, lambda s: all(map(_is_han, s))))
        # phrases: two ANDed terms from one text, or a quoted span with punctuation/space
        if rng.random() < 0.5:
            t = rng.choice(texts)
            words = re.findall(r"[\u4e00-\u9fff]{2,4}", t)
            if len(words) >= 2:
                a, b = rng.sample(words, 2)
                add("phrase", f"{a[:rng.randint(2, len(a))]} {b[:rng.randint(2, len(b))]}")
        else:
            span = random_span(5, 12, lambda s: bool(re.search(r"[^\w\s]| ", s))
                               and sum(map(_is_han, s)) >= 2 and '"' not in s
                               and "\n" not in s)
            add("phrase", f'"{span}"' if span else None)
        # mixed Chinese + digits around a digit run; sometimes starting inside the number
        if digit_spans:
            m = rng.choice(digit_spans)
            s, e = m.start(), m.end()
            left = rng.randint(0, 3)
            right = rng.randint(0, 2)
            if rng.random() < 0.25 and e - s > 1:
                s += rng.randint(1, e - s - 1)          # 023年: starts inside the number
                left = 0
            q = joined[s - left:e + right] if s - left >= 0 else None
            if q and (left or right) and "\n" not in q and " " not in q and (
                    any(map(_is_han, q))):
                add("mixed", q)
        # boundary-crossing: the end of a label followed by what comes after it in a text
        label = rng.choice(labels)
        core = "".join(ch for ch in label if _is_han(ch))
        if len(core) >= 2:
            t = rng.choice(texts)
            pos = t.find(core)
            if pos < 0:
                t = next((x for x in rng.sample(texts, min(50, len(texts))) if core in x), "")
                pos = t.find(core)
            if pos >= 0:
                end = pos + len(core)
                tail = t[end:end + rng.randint(1, 2)]
                keep = rng.randint(1, min(2, len(core) - 1)) if len(core) > 2 else 1
                q = core[-keep:] + tail
                if tail and all(map(_is_han, q)):
                    add("boundary", q)
        # symbols people type
        sym = random_span(2, 7, lambda s: bool(re.search(r"[%％≥≤＞＜>]", s)) and
                          bool(re.search(r"[0-9\u4e00-\u9fff]", s)) and " " not in s and
                          "\n" not in s and '"' not in s)
        add("symbol", sym)
        # absent: Han characters from the corpus in an order that never occurs
        q = "".join(rng.choice(han_chars) for _ in range(rng.randint(2, 4)))
        if q not in joined:
            add("absent", q)
    return [(k, q) for k in KINDS for q in out[k]]


# ----------------------------------------------------------------------------------------
# Run

def _like_params(terms: list[str], columns: tuple[str, ...]) -> tuple[str, list[str]]:
    where = " AND ".join(
        "(" + " OR ".join(f"[{c}] LIKE ? ESCAPE '\\'" for c in columns) + ")" for _ in terms)
    params = []
    for t in terms:
        pat = "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pat] * len(columns)
    return where, params


def _timed(conn, sql, params) -> tuple[set[int], float]:
    started = time.perf_counter()
    ids = {r[0] for r in conn.execute(sql, params)}
    return ids, time.perf_counter() - started


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run(path: Path, per_kind: int, seed: int) -> dict:
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA cache_size = -1000000")     # both methods run from memory
    si.register_functions(conn)
    texts = [v for t in si.TABLES for c in t.columns
             for (v,) in conn.execute(f"SELECT [{c}] FROM [{t.table}]") if v]
    labels = [r[0] for r in conn.execute(
        "SELECT name FROM indicators WHERE name IS NOT NULL GROUP BY name LIMIT 5000")]
    rng = random.Random(seed)
    queries = make_queries(texts, labels, per_kind, rng)
    del texts
    # warm both paths: the tables and the index pages into the cache
    for t in si.TABLES:
        like, params = _like_params(["warm"], t.columns)
        conn.execute(f"SELECT count(*) FROM [{t.table}] WHERE {like}", params).fetchone()
        conn.execute(f"SELECT count(*) FROM [{t.fts}] WHERE [{t.fts}] MATCH '\"的\"*'").fetchone()
    results = []
    for n, (kind, q) in enumerate(queries):
        terms = si.parse_terms(q)
        found, like, t_search, t_like = set(), set(), 0.0, 0.0
        for t in si.TABLES:
            sql, params = si.search_sql(t.table, t.fts, t.columns, q)
            where, lparams = _like_params(terms, t.columns)
            like_sql = f"SELECT id FROM [{t.table}] WHERE {where}"
            if n % 2:
                f, ts = _timed(conn, sql, params)
                lk, tl = _timed(conn, like_sql, lparams)
            else:
                lk, tl = _timed(conn, like_sql, lparams)
                f, ts = _timed(conn, sql, params)
            found |= {(t.table, i) for i in f}
            like |= {(t.table, i) for i in lk}
            t_search += ts
            t_like += tl
        results.append({"kind": kind, "q": q, "fts": si.fts_query(q), "like": len(like),
                        "found": len(found), "both": len(found & like),
                        "t_search": t_search, "t_like": t_like})
    conn.close()
    return {"queries": results}


def _summary(rows: list[dict]) -> dict:
    like = sum(r["like"] for r in rows)
    found = sum(r["found"] for r in rows)
    both = sum(r["both"] for r in rows)
    ts = [r["t_search"] * 1000 for r in rows]
    tl = [r["t_like"] * 1000 for r in rows]
    return {
        "n": len(rows),
        "recall": both / like if like else 1.0,
        "precision": both / found if found else 1.0,
        "recall_lt1": sum(1 for r in rows if r["both"] < r["like"]),
        "rows_like": like, "rows_found": found,
        "search_median": statistics.median(ts), "search_p95": _pct(ts, 0.95),
        "like_median": statistics.median(tl), "like_p95": _pct(tl, 0.95),
    }


def report(index: dict, result: dict) -> bool:
    rows = result["queries"]
    counts = index["counts"]
    mb = 1024 * 1024
    print(f"\nindexed rows: {sum(counts.values()):,} ("
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + ")")
    print(f"text indexed: {index['text_bytes'] / mb:.1f} MB in the source tables")
    size = f"index build: {index['seconds']:.1f} s; size {index['growth_bytes'] / mb:.1f} MB added " \
           f"(database {index['base_bytes'] / mb:.1f} MB before)"
    if index.get("fts_bytes"):
        size += f", of which FTS tables {index['fts_bytes'] / mb:.1f} MB"
    print(size)
    print(f"\n{'kind':<10} {'n':>4} {'recall':>8} {'precision':>9} {'rows(LIKE)':>11} "
          f"{'search med/p95 ms':>18} {'LIKE med/p95 ms':>17} {'speedup':>8}")
    for kind in KINDS + ("all",):
        sel = rows if kind == "all" else [r for r in rows if r["kind"] == kind]
        if not sel:
            continue
        s = _summary(sel)
        speed = s["like_median"] / s["search_median"] if s["search_median"] else float("inf")
        print(f"{kind:<10} {s['n']:>4} {s['recall']:>8.4f} {s['precision']:>9.4f} "
              f"{s['rows_like']:>11,} {s['search_median']:>8.2f}/{s['search_p95']:<9.2f}"
              f"{s['like_median']:>8.1f}/{s['like_p95']:<8.1f} {speed:>7.1f}x")
    s = _summary(rows)
    missed = [r for r in rows if r["both"] < r["like"]]
    extra = [r for r in rows if r["found"] > r["both"]]
    if missed:
        print("\nqueries with recall < 1:")
        for r in missed[:20]:
            print(f"  {r['kind']:<9} {r['q']!r}: LIKE {r['like']}, found {r['both']}  fts={r['fts']}")
    if extra:
        print(f"\n{len(extra)} queries return rows LIKE does not (width/case variants "
              f"after NFKC folding), e.g.: "
              + ", ".join(f"{r['q']!r} +{r['found'] - r['both']}" for r in extra[:8]))
    speed = s["like_median"] / s["search_median"] if s["search_median"] else float("inf")
    ok = (s["recall"] >= TARGET_RECALL and s["precision"] >= TARGET_PRECISION
          and speed >= TARGET_SPEEDUP)
    print(f"\nall {s['n']} queries: recall {s['recall']:.4f} (target {TARGET_RECALL}), "
          f"precision {s['precision']:.4f} (target >= {TARGET_PRECISION}), median "
          f"{s['search_median']:.2f} ms vs LIKE {s['like_median']:.1f} ms = {speed:.1f}x "
          f"faster (target >= {TARGET_SPEEDUP}x); p95 {s['search_p95']:.1f} ms vs "
          f"{s['like_p95']:.1f} ms -> {'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench search", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000, help="rows in the searchable tables (default 200000)")
    ap.add_argument("--per-kind", type=int, default=80, help="queries per kind (default 80)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fresh", action="store_true", help="regenerate the cached corpus")
    ap.add_argument("--json", type=Path, help="also write the per-query results here")
    args = ap.parse_args(argv)
    base = corpus(args.rows, args.seed, args.fresh)
    path, index = build_index(base)
    print(f"index: rebuilt in {index['seconds']:.1f} s", flush=True)
    result = run(path, args.per_kind, args.seed)
    ok = report(index, result)
    if args.json:
        args.json.write_text(json.dumps({"index": index, **result}, ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
