"""The check layer: internal consistency of one report's published figures.

Pure functions over the report graph (no SQL). `check_report` returns QualityFlags
whose codes are part of the data contract (SCHEMA.md, issue 6):

- ``sum_mismatch`` (error): parts that do not add up to their printed total beyond the
  rounding of the printed figures; indicator / rubric weights that do not make their
  printed total (100 unless a 总分 weight is printed).
- ``score_exceeds_weight`` (error): a score above its 分值.
- ``total_score_mismatch`` (error): a stated total score that is not the sum of the
  item scores (plus the budget-execution row's score where the table has one).
- ``overspent`` (warning): executed above the full-year budget. A warning, not an
  error: unlike the other codes this is not an arithmetic contradiction between
  printed figures; spending above 全年预算数 can be real (funds from 上年结转 or other
  sources spent without the budget figure being updated) and is a finding for a
  journalist to ask about, not proof that a figure is misprinted.
- ``other_department_named`` (warning): the narrative introduces a different
  department as itself (a template copied from another bureau).
- ``narrative_table_mismatch`` (warning): a figure stated in prose differs from the
  same figure in the tables.

Rules that keep false alarms away:
- rounding tolerance comes from the printed precision (``amount_text``): every printed
  figure may be off by half a unit of its last digit;
- a blank cell is unknown, not zero: parts that are missing can only prove a mismatch
  when the present parts already exceed the total, unless the breakdown is complete
  (or, for a table, at least two parts are printed so the blanks read as zeros);
- a merged 分值 cell arrives blank in the rows below it (or filled down by a layout):
  both readings are accepted when weights are summed.
"""
from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from .model import FinanceItem, Indicator, Project, QualityFlag, Report

log = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"

SUM_MISMATCH = "sum_mismatch"
SCORE_EXCEEDS_WEIGHT = "score_exceeds_weight"
TOTAL_SCORE_MISMATCH = "total_score_mismatch"
OVERSPENT = "overspent"
OTHER_DEPARTMENT_NAMED = "other_department_named"
NARRATIVE_TABLE_MISMATCH = "narrative_table_mismatch"

SEVERITY = {
    SUM_MISMATCH: ERROR,
    SCORE_EXCEEDS_WEIGHT: ERROR,
    TOTAL_SCORE_MISMATCH: ERROR,
    OVERSPENT: WARNING,
    OTHER_DEPARTMENT_NAMED: WARNING,
    NARRATIVE_TABLE_MISMATCH: WARNING,
    "copied_text": WARNING,
}

EPS = 1e-6
DEFAULT_TOTAL_WEIGHT = 100.0


def _flag(code: str, message: str) -> QualityFlag:
    return QualityFlag(code=code, severity=SEVERITY[code], message=message)


# ---------------------------------------------------------------- public API

def check_report(report: Report, department_names: Iterable[str] = ()) -> list[QualityFlag]:
    """All consistency checks for one report, in a stable order, without duplicates.

    `department_names`: optional names of known departments (e.g. every name already in
    the `departments` table). They only help recognise another department's name in the
    narrative; the check works without them.

    Pure: the report is not modified (the pipeline appends the result to report.flags).
    """
    names = list(department_names or ())
    tables = None

    def scored(r: Report) -> list[ScoredTable]:   # three checks read the same tables
        nonlocal tables
        if tables is None:
            tables = scored_tables(r)
        return tables

    checks = [
        check_sums,
        lambda r: check_weights(r, scored(r)),
        lambda r: check_scores(r, scored(r)),
        lambda r: check_total_scores(r, scored(r)),
        check_overspent,
        lambda r: check_other_department(r, names),
        check_narrative_figures,
    ]
    out: list[QualityFlag] = []
    seen: set[tuple[str, str]] = set()
    for check in checks:
        try:
            flags = check(report)
        except Exception:  # a bug in one check must not lose the document
            log.exception("quality check failed for %s", report.department)
            continue
        for f in flags:
            key = (f.code, f.message)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


# ---------------------------------------------------------------- numbers

_NUM_RE = re.compile(r"[-+−]?\d[\d,，]*(?:\.\d+)?")


def decimals_of(text: str | None) -> int | None:
    """Digits after the decimal point of the (first) figure printed in `text`."""
    if not text:
        return None
    m = _NUM_RE.search(text.replace("．", "."))
    if not m:
        return None
    s = m.group(0)
    return len(s.split(".", 1)[1]) if "." in s else 0


def fmt(x: float | None, decimals: int | None = None) -> str:
    """A figure for a message: as few decimals as needed (at most `decimals` or 2)."""
    if x is None:
        return "—"
    if decimals is not None:
        return f"{x:.{decimals}f}"
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _fmt_item(f: FinanceItem) -> str:
    t = (f.amount_text or "").strip()
    if t and _NUM_RE.fullmatch(t.replace(",", "")):
        return t
    return fmt(f.amount)


def _fmt_sum(values: list[float], decimals: list[int | None]) -> str:
    ds = [d for d in decimals if d is not None]
    d = max(ds) if ds else None
    return fmt(sum(values), d if d else None)


def _fmt_diff(x: float) -> str:
    """A difference of scores: as few decimals as needed."""
    return f"{abs(x):.2f}".rstrip("0").rstrip(".") if abs(x) >= 0.005 else f"{abs(x):g}"


def _fmt_money(x: float) -> str:
    """A difference of money (万元): two decimals, more only when needed."""
    return f"{abs(x):.2f}" if abs(x) >= 0.005 else f"{abs(x):g}"


# ---------------------------------------------------------------- finance sums

ITEM_NAMES = {
    ("income", "total"): "收入合计",
    ("income", "carryover"): "上年结转",
    ("income", "general_budget"): "一般公共预算财政拨款",
    ("income", "gov_fund"): "政府性基金拨款",
    ("income", "special_nontax"): "纳入专户管理的非税收入",
    ("income", "other"): "其他收入",
    ("expenditure", "total"): "支出合计",
    ("expenditure", "basic"): "基本支出",
    ("expenditure", "personnel"): "人员支出",
    ("expenditure", "public"): "公用支出",
    ("expenditure", "project"): "项目支出",
    ("expenditure", "surplus_year"): "当年结余",
    ("expenditure", "surplus_total"): "累计结余",
    ("three_public", "total"): "三公经费合计",
    ("three_public", "reception"): "公务接待费",
    ("three_public", "vehicle_running"): "公务用车运维费",
    ("three_public", "vehicle_purchase"): "公务用车购置费",
    ("three_public", "overseas"): "因公出国（境）费",
    ("assets", "total"): "固定资产合计",
    ("assets", "in_use"): "在用固定资产",
    ("assets", "leased"): "出租固定资产",
    ("assets", "other"): "其他固定资产",
    ("budget", "initial"): "年初预算数",
    ("budget", "adjusted"): "全年预算数",
    ("budget", "executed"): "全年执行数",
}

# (statement, total item, part items): the identities of the data contract.
IDENTITIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("expenditure", "basic", ("personnel", "public")),
    ("expenditure", "total", ("basic", "project")),
    ("income", "total", ("carryover", "general_budget", "gov_fund", "special_nontax", "other")),
    ("three_public", "total", ("reception", "vehicle_running", "vehicle_purchase", "overseas")),
    ("assets", "total", ("in_use", "leased", "other")),
]


def item_label(f: FinanceItem) -> str:
    """The printed label when it is a usable short label, else the canonical name.
    A figure taken from prose carries its clause as label ('人员经费为86.40万元'):
    the words before the figure are the label."""
    canon = ITEM_NAMES.get((f.statement, f.item), f.item)
    s = re.sub(r"[\s\u3000]+", "", f.label or "")
    if re.search(r"\d", s):
        s = re.split(r"\d", s, 1)[0]
        s = re.sub(r"(?:决算数|决算)?(?:为|是|合计为|共计|共|达|计)?[:：]?$", "", s)
    s = re.sub(r"^(其中|含)[:：]?", "", s)
    s = re.sub(r"[（(](万元|元)[)）]$", "", s).strip("：:，,、“”\"")
    if len(s) < 2 or len(s) > 14 or s in ("合计", "小计", "其他", "总额"):
        return canon
    return s


def _decimals(f: FinanceItem) -> int | None:
    """Printed decimals of a finance figure (its text may be a whole clause)."""
    if f.amount is not None:
        d = _decimals_in_text(f.amount_text, f.amount)
        if d is not None:
            return d
    return decimals_of(f.amount_text)


def _tol(f: FinanceItem) -> float:
    d = _decimals(f)
    if d is None:
        d = 2
    if d == 0 and f.amount is not None and abs(f.amount) < EPS:
        d = 2
    return 0.5 * 10 ** (-d)


def _unit_prefix(unit: str) -> str:
    return "" if unit == "all" else f"【{unit}】"


def _narrative_lines(report: Report) -> dict[str, tuple[float | None, int]]:
    out = {}
    for key, val in (report.narrative_figures or {}).items():
        for fig in _figures(val):
            out.setdefault(key, (fig.amount, fig.line))
    return out


def _from_narrative(f: FinanceItem, narrative: dict[str, tuple[float | None, int]]) -> bool:
    """Was this finance item taken from prose (add_finance keeps the table figure when
    both exist, so a prose figure only lands in report.finance when no table had it)?"""
    hit = narrative.get(f"{f.statement}.{f.item}")
    if not hit or f.unit != "all":
        return False
    amount, line = hit
    if amount is None or f.amount is None or abs(amount - f.amount) > EPS:
        return False
    return not (line and f.line) or line == f.line


def check_sums(report: Report) -> list[QualityFlag]:
    flags = []
    by_unit: dict[str, dict[tuple[str, str], FinanceItem]] = {}
    for f in report.finance:
        if f.amount is None:
            continue
        by_unit.setdefault(f.unit or "all", {}).setdefault((f.statement, f.item), f)
    narrative = _narrative_lines(report)
    units = sorted(by_unit, key=lambda u: (u != "all", u))
    for unit in units:
        items = by_unit[unit]
        for statement, total_item, part_items in IDENTITIES:
            total = items.get((statement, total_item))
            if total is None:
                continue
            parts = [items[(statement, p)] for p in part_items if (statement, p) in items]
            if not parts:
                continue
            complete = len(parts) == len(part_items)
            s = sum(p.amount for p in parts)
            diff = s - total.amount
            if abs(diff) <= EPS:   # adds up: within any tolerance (tol >= EPS)
                continue
            tol = sum(_tol(f) for f in parts + [total]) + EPS
            if abs(diff) <= tol:
                continue
            negative = any(p.amount < 0 for p in parts)
            from_tables = not any(_from_narrative(f, narrative) for f in parts + [total])
            # the printed breakdown is whole: every part printed, or (in a table) at
            # least two of them, so that its blank cells read as zeros
            whole = complete or (len(parts) >= 2 and from_tables and not negative)
            # present parts alone above the total: a mismatch whatever the blanks hold
            over = diff > 0 and not negative
            if not (whole or over):
                continue
            terms = " + ".join(f"{item_label(p)} {_fmt_item(p)}" for p in parts)
            summed = _fmt_sum([p.amount for p in parts], [_decimals(p) for p in parts])
            tlabel = item_label(total)
            if len(parts) == 1:
                head = f"{terms}"
            else:
                head = f"{terms} = {summed}"
            if whole:
                msg = (f"{_unit_prefix(unit)}{head}，与{tlabel} {_fmt_item(total)} 不符"
                       f"（差 {_fmt_money(diff)} 万元）")
            else:
                msg = (f"{_unit_prefix(unit)}{head}，已超过{tlabel} {_fmt_item(total)}"
                       f"（多 {_fmt_money(diff)} 万元）")
            flags.append(_flag(SUM_MISMATCH, msg))
    return flags


# ---------------------------------------------------------------- scored tables

@dataclass(slots=True)
class Row:
    """One scored row of a table (indicator or rubric item), format-neutral."""
    name: str
    weight: float | None
    score: float | None
    weight_text: str | None = None
    score_text: str | None = None
    level1: str = ""
    level2: str = ""


@dataclass(slots=True)
class ScoredTable:
    title: str                      # for messages: 部门整体支出绩效指标, 项目「…」, 评分表
    rows: list[Row]
    total_weight: float | None      # printed 总分 weight, if any
    total_score: float | None       # printed 总分 score, if any
    total_score_text: str | None = None
    budget_weight: float | None = None   # the 年度资金总额 (budget execution) row
    budget_score: float | None = None
    has_budget_row: bool = False    # the table has such a row (its figures may be unknown)
    default_total_weight: float = DEFAULT_TOTAL_WEIGHT


def _indicator_rows(inds: list[Indicator]) -> list[Row]:
    return [Row(i.name or i.name_raw or "", i.weight, i.score, i.weight_text, i.score_text,
                i.level1_raw or "", i.level2_raw or "") for i in inds]


def scored_tables(report: Report) -> list[ScoredTable]:
    """Every scored table of the report: the department indicators, each project's
    indicators, and the rubric."""
    out = []
    if report.indicators:
        has_budget = (report.budget_weight is not None or report.budget_score is not None
                      or any(f.statement == "budget" for f in report.finance))
        out.append(ScoredTable(
            "部门整体支出绩效指标", _indicator_rows(report.indicators),
            report.indicator_total_weight, report.indicator_total_score, None,
            report.budget_weight, report.budget_score, has_budget))
    for n, p in enumerate(report.projects, 1):
        if not p.indicators and p.total_score is None:
            continue
        has_budget = (p.budget_weight is not None or p.budget_score is not None
                      or p.budget_adjusted is not None or p.budget_executed is not None
                      or p.budget_initial is not None)
        out.append(ScoredTable(
            f"项目「{p.name or n}」", _indicator_rows(p.indicators), p.total_weight,
            p.total_score, None, p.budget_weight, p.budget_score, has_budget))
    if report.rubric:
        rows = [Row(r.name or "", r.weight, r.score, None, None, r.level1 or "", r.level2 or "")
                for r in report.rubric]
        out.append(ScoredTable(
            "评分表", rows, getattr(report, "rubric_total_weight", None), report.rubric_total,
            None))
    return out


def _weighted_rows_ok(rows: list[Row]) -> bool:
    """Every row's 分值 is printed, or blank below a printed one (a merged cell).
    A blank whose printed text did not parse means we cannot sum."""
    if not rows or rows[0].weight is None:
        return False
    for r in rows:
        if r.weight is None and (r.weight_text or "").strip() and re.search(r"\d", r.weight_text):
            return False
    return True


def _weight_sum_options(rows: list[Row]) -> list[float]:
    """Possible sums of a weight column. Blank weights below a printed one belong to a
    merged cell and add nothing. A layout may also have filled a merged 分值 down:
    a run of equal weights whose scores together fit in one weight may be one cell."""
    naive = sum(r.weight for r in rows if r.weight is not None)
    savings = []
    i = 0
    while i < len(rows):
        w = rows[i].weight
        j = i + 1
        while j < len(rows) and w is not None and rows[j].weight is not None \
                and abs(rows[j].weight - w) < EPS:
            j += 1
        if w is not None and j - i >= 2:
            scores = [r.score for r in rows[i:j]]
            if all(s is not None for s in scores) and sum(scores) <= w + EPS:
                savings.append(w * (j - i - 1))
        i = j
    options = {round(naive, 6)}
    if savings:
        if len(savings) > 10:
            options.add(round(naive - sum(savings), 6))
        else:
            for k in range(1, len(savings) + 1):
                for combo in itertools.combinations(savings, k):
                    options.add(round(naive - sum(combo), 6))
    return sorted(options)


_POINTS = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")


def _label_points(label: str) -> float | None:
    m = _POINTS.search(label or "")
    return float(m.group(1)) if m else None


def _label_name(label: str) -> str:
    return re.sub(r"[\s\u3000]+", "", _POINTS.sub("", label or ""))


def _groups(rows: list[Row]) -> Iterator[tuple[str, float, list[Row]]]:
    """Rows under a level label that prints its points (产出指标（50分）), labels
    filled down where merged cells left them blank."""
    l1 = l2 = ""
    groups: dict[tuple[int, str], list[Row]] = {}
    points: dict[tuple[int, str], float] = {}
    order: list[tuple[int, str]] = []
    for r in rows:
        if (r.level1 or "").strip():
            if r.level1 != l1:
                l2 = ""
            l1 = r.level1
        if (r.level2 or "").strip():
            l2 = r.level2
        for depth, label in ((1, l1), (2, l2)):
            pts = _label_points(label)
            if pts is None:
                continue
            key = (depth, label)
            if key not in groups:
                groups[key] = []
                points[key] = pts
                order.append(key)
            groups[key].append(r)
    for key in order:
        yield _label_name(key[1]), points[key], groups[key]


def check_weights(report: Report, tables: list[ScoredTable] | None = None) -> list[QualityFlag]:
    """Weights vs the printed total (100 by default), and vs printed group points.
    `tables`: the report's scored_tables, when the caller has them."""
    flags = []
    for t in scored_tables(report) if tables is None else tables:
        rows = t.rows
        if not rows or not any(r.weight is not None for r in rows):
            continue
        if not _weighted_rows_ok(rows):
            continue
        target = t.total_weight if t.total_weight is not None else t.default_total_weight
        bw = t.budget_weight or 0.0
        options = [o + bw for o in _weight_sum_options(rows)]
        if not any(abs(o - target) <= EPS for o in options):
            naive = sum(r.weight for r in rows if r.weight is not None) + bw
            ambiguous = (t.budget_weight is None and t.has_budget_row
                         and all(o < target - EPS for o in options))
            if not ambiguous:
                extra = f"，含预算执行分值 {fmt(t.budget_weight)}" if t.budget_weight else ""
                flags.append(_flag(SUM_MISMATCH, (
                    f"{t.title}：{len(rows)} 项指标分值合计 {fmt(naive)}{extra}，"
                    f"与总分值 {fmt(target)} 不符（差 {_fmt_diff(naive - target)} 分）")))
        for name, pts, grows in _groups(rows):
            if not _weighted_rows_ok(grows):
                continue
            opts = _weight_sum_options(grows)
            if not any(abs(o - pts) <= EPS for o in opts):
                s = sum(r.weight for r in grows if r.weight is not None)
                flags.append(_flag(SUM_MISMATCH, (
                    f"{t.title}：{name}下各项分值合计 {fmt(s)}，与标注的 {fmt(pts)} 分不符"
                    f"（差 {_fmt_diff(s - pts)} 分）")))
    return flags


def check_scores(report: Report, tables: list[ScoredTable] | None = None) -> list[QualityFlag]:
    """A score above its weight: every row, the budget rows, and merged weight cells
    (blank 分值 below a printed one) whose rows' scores together exceed it."""
    flags = []
    for t in scored_tables(report) if tables is None else tables:
        for r in t.rows:
            if r.weight is not None and r.score is not None and r.score > r.weight + EPS:
                flags.append(_flag(SCORE_EXCEEDS_WEIGHT, (
                    f"{t.title}：指标「{r.name}」得分 {fmt(r.score)} 高于分值 {fmt(r.weight)}")))
        if t.budget_weight is not None and t.budget_score is not None \
                and t.budget_score > t.budget_weight + EPS:
            flags.append(_flag(SCORE_EXCEEDS_WEIGHT, (
                f"{t.title}：预算执行得分 {fmt(t.budget_score)} 高于分值 {fmt(t.budget_weight)}")))
        # merged 分值 cells: only when the weight column adds up, so a blank really is
        # the continuation of the cell above and not a missing figure
        rows = t.rows
        if not _weighted_rows_ok(rows) or all(r.weight is not None for r in rows):
            continue
        target = t.total_weight if t.total_weight is not None else t.default_total_weight
        naive = sum(r.weight for r in rows if r.weight is not None) + (t.budget_weight or 0)
        if abs(naive - target) > EPS:
            continue
        i = 0
        while i < len(rows):
            j = i + 1
            while j < len(rows) and rows[j].weight is None:
                j += 1
            group = rows[i:j]
            if len(group) > 1:
                s = sum(r.score or 0 for r in group)
                if s > group[0].weight + EPS:
                    names = "、".join(r.name for r in group)
                    flags.append(_flag(SCORE_EXCEEDS_WEIGHT, (
                        f"{t.title}：共用分值 {fmt(group[0].weight)} 的 {names} "
                        f"得分合计 {fmt(s)}，高于分值")))
            i = j
    return flags


def _score_tolerance(total_text: str | None, total: float, rows: list[Row]) -> float:
    """A printed total may round item scores with more decimals."""
    d_total = decimals_of(total_text)
    if d_total is None:
        d_total = 0 if abs(total - round(total)) < EPS else 2
    d_items = 0
    for r in rows:
        d = decimals_of(r.score_text)
        if d is None and r.score is not None:
            d = 0 if abs(r.score - round(r.score)) < EPS else len(
                f"{r.score:.6f}".rstrip("0").split(".")[1])
        d_items = max(d_items, d or 0)
    return (0.5 * 10 ** (-d_total) if d_items > d_total else 0.0) + EPS


def _score_mismatch(t: ScoredTable, stated: float, stated_text: str | None,
                    what: str) -> QualityFlag | None:
    scores = [r.score for r in t.rows if r.score is not None]
    if not scores and t.budget_score is None:
        return None
    complete = all(r.score is not None for r in t.rows)
    s = sum(scores)
    bs = t.budget_score
    total_sum = s + (bs or 0.0)
    tol = _score_tolerance(stated_text, stated, t.rows)
    diff = total_sum - stated
    if abs(diff) <= tol:
        return None
    if diff < 0:
        if not complete:
            return None
        if bs is None and t.has_budget_row:
            # the budget row's score is unknown: it may make up the gap, but no more
            # than that row's weight (implied by the printed weights)
            if t.budget_weight is not None:
                room = t.budget_weight
            elif all(r.weight is not None for r in t.rows):
                target = t.total_weight if t.total_weight is not None else t.default_total_weight
                room = target - sum(r.weight for r in t.rows)
            else:
                return None
            if -diff <= room + tol:
                return None
    parts = f"{len(scores)} 项得分合计 {fmt(s)}"
    if bs is not None:
        parts += f"，加预算执行得分 {fmt(bs)} 为 {fmt(total_sum)}"
    return _flag(TOTAL_SCORE_MISMATCH, (
        f"{t.title}：{parts}，与{what} {stated_text or fmt(stated)} 不符"
        f"（差 {_fmt_diff(diff)} 分）"))


def check_total_scores(report: Report, tables: list[ScoredTable] | None = None) -> list[QualityFlag]:
    flags = []
    if tables is None:
        tables = scored_tables(report)
    for t in tables:
        if t.total_score is None:
            continue
        f = _score_mismatch(t, t.total_score, t.total_score_text, "填报总分")
        if f:
            flags.append(f)
    # the self score is the total of the scored table when that table prints none
    if report.self_score is not None:
        rubric = next((t for t in tables if t.title == "评分表"), None)
        dept = next((t for t in tables if t.title == "部门整体支出绩效指标"), None)
        table = None
        if rubric is not None and any(r.score is not None for r in rubric.rows):
            table = rubric
        elif dept is not None and any(r.score is not None for r in dept.rows):
            table = dept
        if table is not None and table.total_score is None:
            f = _score_mismatch(table, report.self_score, report.self_score_text, "自评得分")
            if f:
                flags.append(f)
    return flags


# ---------------------------------------------------------------- overspent

def check_overspent(report: Report) -> list[QualityFlag]:
    flags = []
    by_unit: dict[str, dict[str, FinanceItem]] = {}
    for f in report.finance:
        if f.statement == "budget" and f.amount is not None:
            by_unit.setdefault(f.unit or "all", {}).setdefault(f.item, f)
    for unit in sorted(by_unit, key=lambda u: (u != "all", u)):
        items = by_unit[unit]
        adj, exe = items.get("adjusted"), items.get("executed")
        if adj is None or exe is None:
            continue
        da, de = _decimals(adj), _decimals(exe)
        # same printed precision: rounding is monotonic, so any excess is real
        tol = EPS if da == de else _tol(adj) + _tol(exe)
        if exe.amount > adj.amount + tol and adj.amount >= 0:
            rate = ""
            if adj.amount > 0:
                rate = f"；按金额执行率 {exe.amount / adj.amount * 100:.2f}%"
                stated = report.budget_execution_rate if unit == "all" else None
                if stated is not None:
                    rate += f"，表中填报 {fmt(stated)}%"
            flags.append(_flag(OVERSPENT, (
                f"{_unit_prefix(unit)}部门全年执行数 {_fmt_item(exe)} 万元超过全年预算数 "
                f"{_fmt_item(adj)} 万元（超 {_fmt_money(exe.amount - adj.amount)} 万元{rate}）")))
    for n, p in enumerate(report.projects, 1):
        if p.budget_adjusted is None or p.budget_executed is None:
            continue
        if p.budget_executed > p.budget_adjusted + EPS and p.budget_adjusted >= 0:
            rate = ""
            if p.budget_adjusted > 0:
                rate = f"；按金额执行率 {p.budget_executed / p.budget_adjusted * 100:.2f}%"
                if p.execution_rate is not None:
                    rate += f"，表中填报 {p.execution_rate_text or fmt(p.execution_rate) + '%'}"
            flags.append(_flag(OVERSPENT, (
                f"项目「{p.name or n}」全年执行数 {fmt(p.budget_executed, 2)} 万元超过全年预算数 "
                f"{fmt(p.budget_adjusted, 2)} 万元（超 "
                f"{_fmt_money(p.budget_executed - p.budget_adjusted)} 万元{rate}）")))
    return flags


# ---------------------------------------------------------------- other department

_ORG_SUFFIX = r"(?:委员会|办公室|管理局|局|委|办|厅|署)"
_STEM_SUFFIX = re.compile(r"(?:委员会|办公室|局|委|办|厅|署|部|中心)$")
# verbs that introduce the subject itself
_STRONG_VERBS = (r"的主要职责|的主要职能|的职能职责|的职责|主要职责|主要职能|成立于|始建于"
                 r"|现有(?:在职|在编|编制|人员|干部|职工|内设)|共有(?:在职|在编|编制|人员|干部|职工)"
                 r"|内设|下设")
_WEAK_VERBS = r"为|是|系|属于|隶属于|隶属"
_CANDIDATE = re.compile(
    r"^(?P<name>(?:中共)?[\u4e00-\u9fff]{2,24}?" + _ORG_SUFFIX + r")"
    r"(?P<verb>" + _STRONG_VERBS + "|" + _WEAK_VERBS + ")")
# what an institution says about itself after 为/是/系
_SELF_DESCRIPTION = re.compile(
    r"行政机构|行政机关|工作机关|工作部门|组成部门|职能部门|直属机构|直属单位|派出机构|事业单位"
    r"|参公|正科级|副科级|正处级|副处级|正股级|科级|处级|预算单位|拨款单位|一级预算|二级预算"
    r"|独立核算|法人|机构规格|主管部门|综合性")
_PREPOSITIONAL = re.compile(
    r"(?:我|本|全|各|其|该|此|群众|企业|市民|人民|广大|社会|基层|上级|下级|相关|有关)")
_SELF_REFERENCE = re.compile(
    r"(?:本单位|本局|我局|我单位|本部门|我部门|本机关|我委|本委|我办|本办)\s*[（(]\s*"
    r"(?P<name>[^（）()]{3,30}?)\s*[)）]")
_HEADING_CANDIDATE = re.compile(
    r"^(?P<name>(?:中共)?[\u4e00-\u9fff]{2,24}?" + _ORG_SUFFIX + r")"
    r"(?=\s*(?:\d{4}|[二〇零一]{4}|年度|部门整体|整体支出|部门决算|绩效))")
_VERB = re.compile(r"(?P<verb>" + _STRONG_VERBS + "|" + _WEAK_VERBS + ")")
_WEAK_VERB = re.compile(_WEAK_VERBS)
_SENTENCE_SPLIT = re.compile(r"[。！？!?；;\n：:]")
_LEADING = re.compile(
    r"^[\s\u3000#>*\-+|]*(?:(?:第?[一二三四五六七八九十]+[、.．章节部分]|[（(][一二三四五六七八九十\d]+[)）]"
    r"|\d{1,2}(?:\.\d{1,2})*[、.．)）]?(?!\d)|[①-⑳])[\s\u3000*]*)*")


@dataclass(frozen=True)
class _Body:
    places: tuple[str, ...]     # 昆明市, 五华区 (full names as printed)
    org: str                    # 信访局


@lru_cache(maxsize=8192)
def _split_body(name: str) -> _Body:
    """Split a department name into the place names at its head and the body's own
    name: 昆明市五华区信访局 -> (昆明市, 五华区), 信访局. Only full names from the
    gazetteer count as places (公安局 does not start with the county 公安县)."""
    from .normalise.regions import gazetteer

    g = gazetteer()
    s = re.sub(r"[\s\u3000]+", "", name or "")
    pos = 2 if s.startswith("中共") else 0
    places = []
    while pos < len(s):
        hit = None
        for end in range(min(len(s) - 1, pos + 14), pos + 1, -1):
            sub = s[pos:end]
            if any(r.name == sub for r in g.candidates(sub)):
                hit = end
                break
        if hit is None:
            break
        places.append(s[pos:hit])
        pos = hit
    return _Body(tuple(places), s[pos:])


def _stem(org: str) -> str:
    s = re.sub(r"^(?:中共|人民政府|政府)", "", org)
    s = _STEM_SUFFIX.sub("", s)
    return s


def _abbreviates(short: str, long: str) -> bool:
    """市场监管 abbreviates 市场监督管理, 人社 人力资源和社会保障, 发改 发展和改革:
    same first character, the rest in order."""
    if len(short) < 2 or len(short) >= len(long) or short[0] != long[0]:
        return False
    it = iter(long)
    return all(ch in it for ch in short)


def _same_org(a: str, b: str) -> bool:
    if a == b:
        return True
    sa, sb = _stem(a), _stem(b)
    if len(sa) < 2 or len(sb) < 2:
        return sa == sb
    return sa == sb or sa in sb or sb in sa or _abbreviates(sa, sb) or _abbreviates(sb, sa)


def _region_relation(own: tuple[str, ...], cand: tuple[str, ...], context: str) -> str:
    """'same', 'related' (an ancestor or descendant of ours) or 'other'."""
    if not own:
        return "related"    # our own place is unknown: cannot tell, stay quiet
    if cand[-1] == own[-1] or cand[-1] in own:
        return "same" if cand[-1] == own[-1] else "related"
    from .normalise.regions import resolve

    ro = resolve("".join(own), context)
    rc = resolve("".join(cand), context + "".join(own))
    if ro is None or rc is None or not ro.code or not rc.code:
        return "related"    # cannot tell: stay quiet
    po, pc = ro.code.rstrip("0"), rc.code.rstrip("0")
    if po.startswith(pc) or pc.startswith(po):
        return "related"
    return "other"


def _is_other(own: _Body, own_kind: str | None, cand_name: str, context: str) -> bool:
    cand = _split_body(cand_name)
    if not cand.places or len(cand.org) < 2:
        return False
    if not re.search(_ORG_SUFFIX + "$", cand.org) and not cand.org.endswith(("中心", "部")):
        return False
    relation = _region_relation(own.places, cand.places, context)
    same_org = _same_org(cand.org, own.org) or bool(own_kind and _same_org(cand.org, own_kind))
    if relation == "same":
        return not same_org
    if relation == "other":
        return True
    return False


# what _LEADING can start with: where a part starts otherwise, it strips nothing
_LEADING_FIRST = re.compile(r"[\s\u3000#>*\-+|第一二三四五六七八九十（(\d①-⑳]")
_ORG_CHAR = re.compile("[会室局委办厅署]")   # the last characters of _ORG_SUFFIX


def _sentences(text: str, containing: re.Pattern | None = None) -> Iterator[str]:
    """The sentences of a text without list numbering; with `containing`, only those
    in which that pattern finds something."""
    for part in _SENTENCE_SPLIT.split(text or ""):
        if containing is not None and not containing.search(part):
            continue
        if _LEADING_FIRST.match(part):
            part = _LEADING.sub("", part)
        s = part.strip(" \u3000*_")
        if s:
            yield s


def _known_prefix(sentence: str, names: list[str]) -> str | None:
    for n in names:
        if sentence.startswith(n):
            return n
    return None


def check_other_department(report: Report, department_names: Iterable[str] = ()) -> list[QualityFlag]:
    """The narrative introduces another department as the subject of the report:
    a sentence that begins with '<place><body>局/委/办' followed by what an institution
    says of itself (为独立的行政机构, 的主要职责是, 成立于 …), or '本单位（<name>）'.
    Mere mentions (根据《X市财政局…通知》, 协助公安机关, 区委、区政府) never count."""
    own_name = (report.department or "").strip()
    if not own_name:
        return []
    own = _split_body(own_name)
    if not own.org:
        return []
    context = " ".join(x for x in (report.region_hint, report.title, own_name) if x)
    known = sorted({re.sub(r"\s+", "", n) for n in department_names if n}, key=len, reverse=True)
    known = [n for n in known if n != own_name]
    found: dict[str, str] = {}

    def consider(name: str, evidence: str) -> None:
        name = re.sub(r"\s+", "", name)
        if name in found or name == own_name:
            return
        if _is_other(own, report.department_kind, name, context):
            found[name] = evidence

    for sec in report.sections:
        heading = _LEADING.sub("", (sec.heading or "").strip()).strip()
        m = _HEADING_CANDIDATE.match(heading)
        if m:
            consider(m.group("name"), heading)
        for text in (sec.heading or "", sec.body or ""):
            if "（" not in text and "(" not in text:
                continue   # a self-reference names itself in brackets
            for m in _SELF_REFERENCE.finditer(text):
                consider(m.group("name"), m.group(0))
        # without known names, only a sentence naming an institution can match
        if not known and not _ORG_CHAR.search(sec.body or ""):
            continue
        for sentence in _sentences(sec.body or "", None if known else _ORG_CHAR):
            m = _CANDIDATE.match(sentence)
            name = m.group("name") if m else None
            rest = sentence[m.end("name"):] if m else ""
            kp = _known_prefix(sentence, known)
            if kp and (not name or len(kp) > len(name)):
                name, rest = kp, sentence[len(kp):]
            if not name:
                continue
            vm = _VERB.match(rest)
            if not vm:
                continue
            if _WEAK_VERB.fullmatch(vm.group("verb")):
                after = rest[vm.end():]
                # 为 as a preposition (X局为我局下达…, 为全市提供…) introduces no one
                if _PREPOSITIONAL.match(after) or not _SELF_DESCRIPTION.search(after[:40]):
                    continue
            consider(name, sentence)
    flags = []
    for name, evidence in found.items():
        quote = evidence if len(evidence) <= 60 else evidence[:60] + "…"
        flags.append(_flag(OTHER_DEPARTMENT_NAMED, (
            f"报告单位为{own_name}，正文却以“{name}”作为主体介绍：“{quote}”"
            f"（疑似套用其他部门的材料）")))
    return flags


# ---------------------------------------------------------------- narrative figures

@dataclass(slots=True)
class _Figure:
    amount: float | None
    text: str
    line: int


def _figures(val) -> list[_Figure]:
    """narrative_figures values: (amount, text, line), a dict, a bare number, or a list
    of those (one per mention)."""
    if val is None:
        return []
    if isinstance(val, (int, float)):
        return [_Figure(float(val), "", 0)]
    if isinstance(val, dict):
        amount = val.get("amount", val.get("value"))
        return [_Figure(float(amount) if amount is not None else None,
                        str(val.get("text") or ""), int(val.get("line") or 0))]
    if isinstance(val, (list, tuple)):
        if val and all(isinstance(v, (list, tuple, dict)) for v in val):
            return [f for v in val for f in _figures(v)]
        amount = val[0] if len(val) > 0 else None
        text = val[1] if len(val) > 1 else ""
        line = val[2] if len(val) > 2 else 0
        try:
            amount = float(amount) if amount is not None else None
        except (TypeError, ValueError):
            amount = None
        return [_Figure(amount, str(text or ""), int(line or 0))]
    return []


@lru_cache(maxsize=8192)
def _decimals_in_text(text: str, amount: float) -> int | None:
    """Decimals of the figure in `text` that equals `amount` (万元 or 元 printed)."""
    for m in _NUM_RE.finditer((text or "").replace("．", ".")):
        raw = m.group(0).replace(",", "").replace("，", "").replace("−", "-")
        try:
            v = float(raw)
        except ValueError:
            continue
        if abs(v - amount) < 1e-6:
            return len(raw.split(".", 1)[1]) if "." in raw else 0
    return None


_REPORT_FIELDS = {"self_score": "自评得分", "staff_authorized": "人员编制",
                  "staff_actual": "实有人数"}


def check_narrative_figures(report: Report) -> list[QualityFlag]:
    flags = []
    table_figures: dict[tuple[str, str], FinanceItem] = {}   # the first of each, as printed
    for f in report.finance:
        if f.unit == "all" and f.amount is not None:
            table_figures.setdefault((f.statement, f.item), f)
    for key in sorted(report.narrative_figures or {}):
        for fig in _figures(report.narrative_figures[key]):
            if fig.amount is None:
                continue
            quote = f"“{fig.text}”" if fig.text else fmt(fig.amount)
            where = f"（第 {fig.line} 行）" if fig.line else ""
            if "." in key:
                statement, item = key.split(".", 1)
                table = table_figures.get((statement, item))
                if table is None:
                    continue
                if fig.line and table.line == fig.line:
                    continue    # the table figure is this very sentence
                dn = _decimals_in_text(fig.text, fig.amount)
                dt = _decimals(table)
                if dn is not None and dn == dt:
                    tol = EPS   # same precision: the same figure prints the same
                else:
                    tol = 0.5 * 10 ** -(dn if dn is not None else 2) + _tol(table) + EPS
                diff = fig.amount - table.amount
                if abs(diff) > tol:
                    flags.append(_flag(NARRATIVE_TABLE_MISMATCH, (
                        f"正文{quote}{where}与表中{item_label(table)} {_fmt_item(table)} 万元不符"
                        f"（差 {_fmt_money(diff)} 万元）")))
            elif key in _REPORT_FIELDS:
                value = getattr(report, key, None)
                if value is None:
                    continue
                if abs(float(value) - fig.amount) > EPS:
                    flags.append(_flag(NARRATIVE_TABLE_MISMATCH, (
                        f"正文{quote}{where}与表中{_REPORT_FIELDS[key]} {fmt(float(value))} 不符")))
    return flags
