"""Score a built database against the hand-checked facts in gold/*.json.

Same semantics as the shared acceptance scorer (../shared/tools/check_gold.py), in
our own code so tests can import it:

* a report is found by department name and fiscal year (names compared after NFKC
  and whitespace removal); a missing report still counts all of its facts as misses;
* numbers match within 0.005, text after NFKC, whitespace removal, a trailing
  '（N分）' and trailing punctuation removed;
* a list of expected rows (indicators, rubric items, people, petition statistics)
  matches when some stored row agrees with every key given;
* expected quality flags are scored apart and do not count (see `score_flags`).

API: `score(db_path, gold_dir) -> (ok, total, misses)`. `documents` limits the gold
files to those whose stem (file name without extension) is listed, and
`same_document=True` additionally requires the report to come from a document with
that stem, whatever its extension (used to score renditions of the seeds).
"""
from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path, PurePosixPath

TOLERANCE = 0.005
_POINTS = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]$")
_TRAILING = "。.;；,，:：、 "


def norm(text):
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"\s+", "", s)
    s = _POINTS.sub("", s)
    return s.rstrip(_TRAILING)


def same(expected, actual) -> bool:
    if expected is None:
        return actual is None
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        try:
            return actual is not None and abs(float(actual) - float(expected)) <= TOLERANCE
        except (TypeError, ValueError):
            return False
    return norm(expected) == norm(actual)


def _rows(conn, sql: str, *args) -> list[dict]:
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _any_row(rows: list[dict], wanted: dict) -> bool:
    return any(all(same(v, row.get(k)) for k, v in wanted.items()) for row in rows)


def stem(file_name: str) -> str:
    name = PurePosixPath(file_name).name
    return name.split(".", 1)[0]


class _Tally:
    def __init__(self):
        self.ok = 0
        self.total = 0
        self.misses: list[str] = []

    def add(self, where: str, passed: bool, detail: str = "") -> None:
        self.total += 1
        if passed:
            self.ok += 1
        else:
            self.misses.append(f"{where}: {detail}")


def _find_report(conn, gold_doc: str, g: dict, same_document: bool) -> dict:
    reps = _rows(conn, """
        SELECT r.*, d.name AS department, g.province, g.prefecture, g.county,
               doc.file_name AS _file_name
        FROM reports r JOIN departments d ON d.id = r.department_id
        LEFT JOIN regions g ON g.id = d.region_id
        JOIN documents doc ON doc.id = r.document_id
        WHERE r.fiscal_year = ?""", g["fiscal_year"])
    reps = [r for r in reps if norm(r["department"]) == norm(g["department"])]
    if same_document:
        reps = [r for r in reps if stem(r["_file_name"]) == stem(gold_doc)]
    return reps[0] if reps else {}


def _score_report(conn, t: _Tally, gold_doc: str, g: dict, same_document: bool,
                  flags: _Tally | None = None) -> None:
    where = f"{gold_doc} {g['department']} {g['fiscal_year']}"
    rep = _find_report(conn, gold_doc, g, same_document)
    t.add(f"{where} report exists", bool(rep), "no report row for this department and year")
    rid = rep.get("id", -1)
    for k, v in g.get("fields", {}).items():
        t.add(f"{where} {k}", same(v, rep.get(k)), f"expected {v!r}, found {rep.get(k)!r}")

    money = {f"{r['statement']}.{r['item']}": r["amount"] for r in _rows(
        conn, "SELECT statement, item, amount FROM finance_items WHERE report_id = ? AND unit = 'all'", rid)}
    for k, v in g.get("finance", {}).items():
        t.add(f"{where} finance {k}", same(v, money.get(k)), f"expected {v!r}, found {money.get(k)!r}")
    for k in g.get("finance_absent", []):
        t.add(f"{where} finance {k} absent", k not in money, f"blank cell stored as {money.get(k)!r}")

    inds = _rows(conn, "SELECT * FROM indicators WHERE report_id = ? AND project_id IS NULL", rid)
    if "indicator_count" in g:
        lo, hi = g["indicator_count"]
        t.add(f"{where} indicator count", lo <= len(inds) <= hi,
              f"expected {g['indicator_count']}, found {len(inds)}")
    for ind in g.get("indicators", []):
        t.add(f"{where} indicator {ind['name'][:24]}", _any_row(inds, ind),
              json.dumps(ind, ensure_ascii=False))

    projects = _rows(conn, "SELECT * FROM projects WHERE report_id = ?", rid)
    for p in g.get("projects", []):
        pw = f"{where} project {p['name']}"
        found = [r for r in projects if norm(r["name"]) == norm(p["name"])]
        t.add(f"{pw} exists", bool(found), "no such project")
        pr = found[0] if found else {}
        for k, v in p.items():
            if k in ("name", "indicators", "indicator_count"):
                continue
            t.add(f"{pw} {k}", same(v, pr.get(k)), f"expected {v!r}, found {pr.get(k)!r}")
        pinds = _rows(conn, "SELECT * FROM indicators WHERE project_id = ?", pr.get("id", -1))
        if "indicator_count" in p:
            t.add(f"{pw} indicator count", len(pinds) == p["indicator_count"],
                  f"expected {p['indicator_count']}, found {len(pinds)}")
        for ind in p.get("indicators", []):
            t.add(f"{pw} indicator {ind['name'][:24]}", _any_row(pinds, ind),
                  json.dumps(ind, ensure_ascii=False))

    if "rubric_count" in g or "rubric" in g:
        rubric = _rows(conn, "SELECT * FROM rubric_items WHERE report_id = ?", rid)
        if "rubric_count" in g:
            lo, hi = g["rubric_count"]
            t.add(f"{where} rubric count", lo <= len(rubric) <= hi,
                  f"expected {g['rubric_count']}, found {len(rubric)}")
        for r in g.get("rubric", []):
            t.add(f"{where} rubric {r['name']}", _any_row(rubric, r), json.dumps(r, ensure_ascii=False))

    people = _rows(conn, "SELECT * FROM people WHERE report_id = ?", rid)
    for p in g.get("people", []):
        t.add(f"{where} person {p['name']}", _any_row(people, p), json.dumps(p, ensure_ascii=False))

    stats = _rows(conn, "SELECT * FROM petition_stats WHERE report_id = ?", rid)
    for s in g.get("petition_stats", []):
        t.add(f"{where} petition {s['metric']} {s['unit']}", _any_row(stats, s),
              json.dumps(s, ensure_ascii=False))

    for kind, n in g.get("findings_min", {}).items():
        got = conn.execute("SELECT count(*) FROM findings WHERE report_id = ? AND kind = ?",
                           (rid, kind)).fetchone()[0]
        t.add(f"{where} findings {kind}", got >= n, f"expected at least {n}, found {got}")

    if flags is not None:
        codes = {r[0] for r in conn.execute("SELECT code FROM quality_flags WHERE report_id = ?", (rid,))}
        for c in g.get("flags", []):
            flags.add(f"{where} flag {c}", c in codes, f"expected flag {c}; found {sorted(codes)}")
        for c in g.get("flags_absent", []):
            flags.add(f"{where} no flag {c}", c not in codes, f"false alarm {c}")


def _gold_files(gold_dir, documents):
    wanted = {stem(d) for d in documents} if documents is not None else None
    for path in sorted(Path(gold_dir).glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if wanted is None or stem(gold["document"]) in wanted:
            yield gold


def _run(db_path, gold_dir, documents, same_document):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        facts, flags, per_doc = _Tally(), _Tally(), {}
        for gold in _gold_files(gold_dir, documents):
            t = _Tally()
            for rep in gold["reports"]:
                try:
                    _score_report(conn, t, gold["document"], rep, same_document, flags)
                except sqlite3.Error as e:
                    t.add(gold["document"], False, f"query failed: {e}")
            per_doc[gold["document"]] = (t.ok, t.total, t.misses)
            facts.ok += t.ok
            facts.total += t.total
            facts.misses.extend(t.misses)
        return facts, flags, per_doc
    finally:
        conn.close()


def score(db_path, gold_dir, documents=None, same_document: bool = False) -> tuple[int, int, list[str]]:
    """(facts reproduced, facts expected, misses) over the gold files."""
    facts, _, _ = _run(db_path, gold_dir, documents, same_document)
    return facts.ok, facts.total, facts.misses


def score_by_document(db_path, gold_dir, documents=None, same_document: bool = False) -> dict:
    """{gold document: (ok, total, misses)}."""
    return _run(db_path, gold_dir, documents, same_document)[2]


def score_flags(db_path, gold_dir, documents=None, same_document: bool = False) -> tuple[int, int, list[str]]:
    """Expected (and expected-absent) quality flags, scored apart from the facts."""
    _, flags, _ = _run(db_path, gold_dir, documents, same_document)
    return flags.ok, flags.total, flags.misses


if __name__ == "__main__":   # python tests/gold.py DB [GOLD_DIR]
    import sys
    db = sys.argv[1]
    gdir = sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "gold"
    for doc, (ok, total, misses) in score_by_document(db, gdir).items():
        print(f"{doc}: {ok}/{total}")
        for m in misses:
            print(f"  miss {m}")
    ok, total, _ = score(db, gdir)
    fok, ftotal, _ = score_flags(db, gdir)
    print(f"quality-flag facts: {fok}/{ftotal}")
    print(f"gold facts: {ok}/{total} ({100.0 * ok / total if total else 0:.1f}%)")
