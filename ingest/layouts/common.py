"""Helpers every layout uses: finding labelled cells, header alignment, fill-down,
indicator rows and finance tables. Layouts find things by their labels, never by
position in a particular file."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable

from ..document import Cell, Document, Row, Table
from ..model import FinanceItem, Goal, Indicator, Report
from ..normalise import finance as fin
from ..normalise import labels as lab
from ..normalise.values import (MONEY_UNITS, clean, head_count, normalise_unit, parse_operator, parse_percent,
                               parse_score, parse_value, to_number, to_wan)


_SQUASH = re.compile(r"[\s\u3000]+")


@lru_cache(maxsize=65536)
def squash(text: str | None) -> str:
    """Label text without whitespace, for matching ('年度预\\n算申请' -> '年度预算申请').
    Cached: every layout's matcher and label search squashes the same cells."""
    return _SQUASH.sub("", text or "")


def labelled_cells(doc: Document) -> list[tuple[Table, int, int, Cell, str]]:
    """(table, row, column, cell, squashed text) of every table cell in reading order,
    computed once per document (Document.memo)."""
    return doc.memo("common.labelled_cells", _labelled_cells)


def _labelled_cells(doc: Document) -> list[tuple[Table, int, int, Cell, str]]:
    return [(t, r, c, cell, squash(cell.text))
            for t in doc.tables for r, row in enumerate(t.rows) for c, cell in enumerate(row.cells)]


def table_labels(doc: Document) -> list[set[str]]:
    """The squashed texts of each table's cells (what layouts' matchers look for)."""
    return doc.memo("common.table_labels", _table_labels)


def _table_labels(doc: Document) -> list[set[str]]:
    cells = labelled_cells(doc)   # table by table, every cell of each
    out = []
    start = 0
    for t in doc.tables:
        end = start + sum(len(row.cells) for row in t.rows)
        out.append({x[4] for x in cells[start:end]})
        start = end
    return out


def table_label_texts(doc: Document) -> list[str]:
    """Each table's labels (table_labels) joined, each after a newline: whether a label
    of the table starts with `p` is `"\\n" + p in text`, one search instead of a loop
    (a label holds no whitespace)."""
    return doc.memo("common.table_label_texts",
                    lambda d: ["\n" + "\n".join(labels) for labels in table_labels(d)])


_compiled = lru_cache(maxsize=1024)(re.compile)   # layouts pass the same few dozen patterns


# pattern -> label -> whether the pattern finds something in it: the forms of one kind
# print the same labels, so a label is searched once, not in every document. Layouts
# pass a fixed set of patterns; each pattern's labels are bounded in find_cells.
_LABEL_HITS: dict[str, dict[str, bool]] = {}


def find_cells(doc: Document, pattern: str) -> Iterable[tuple[Table, int, int, Cell]]:
    search = _compiled(pattern).search
    hits = _LABEL_HITS.get(pattern)
    if hits is None or len(hits) > 16384:   # a bound, for corpora of ever new labels
        hits = _LABEL_HITS[pattern] = {}
    for t, r, c, cell, label in labelled_cells(doc):
        hit = hits.get(label)
        if hit is None:
            hit = hits[label] = search(label) is not None
        if hit:
            yield t, r, c, cell


def value_after(doc: Document, pattern: str, accept: Callable[[str], bool] = bool) -> Cell | None:
    """The first acceptable non-empty cell after a label cell in the same row (or the
    first cell of the next row when the label ends its row)."""
    for t, r, c, cell in find_cells(doc, pattern):
        row = t.rows[r]
        for nxt in row.cells[c + 1:]:
            if nxt.text.strip():
                if accept(nxt.text):
                    return nxt
                break
        else:
            if r + 1 < len(t.rows):
                for nxt in t.rows[r + 1].cells:
                    if nxt.text.strip():
                        if accept(nxt.text):
                            return nxt
                        break
    return None


def leaf_labels(header_rows: list[Row], width: int) -> list[str]:
    """Column labels for data rows `width` wide from header rows that lost their
    horizontal spans: align the deepest row first; a label above an already
    labelled position is a parent (e.g. 其中：) and spans the labelled run."""
    leaves = [""] * width
    for row in reversed(header_rows):
        p = 0
        for cell in row.cells:
            if p >= width:
                break
            label = squash(cell.text)
            if not label:
                p += 1
                continue
            if not leaves[p]:
                leaves[p] = label
                p += 1
                continue
            while p < width and leaves[p]:
                p += 1
    return leaves


def fill_down(rows: list[list[str]], columns: Iterable[int]) -> list[list[str]]:
    """Merged cells arrive empty: carry the last value down in the given columns."""
    last: dict[int, str] = {}
    out = []
    for row in rows:
        row = list(row)
        for c in columns:
            if c < len(row):
                if row[c].strip():
                    last[c] = row[c]
                elif c in last:
                    row[c] = last[c]
        out.append(row)
    return out


# ---------------------------------------------------------------- finance tables

_UNIT_ALL = re.compile(r"汇总|合计|总计|^全部|^部门$|本级及")
_UNIT_NUMBERING = re.compile(r"^\s*(\d+[、.．]|[（(]\d+[)）])\s*")


def unit_name(label: str) -> str:
    s = squash(label)
    if _UNIT_ALL.search(s):
        return "all"
    return _UNIT_NUMBERING.sub("", s) or "all"


def is_number_cell(text: str) -> bool:
    return to_number(text) is not None


def parse_finance_table(table: Table, start: int, report: Report) -> int:
    """Parse one 机构名称-headed money table beginning at row `start`. Returns the
    index of the first row after it."""
    rows = table.rows
    header = [rows[start]]
    r = start + 1
    while r < len(rows) and rows[r].cells and not squash(rows[r].cells[0].text):
        header.append(rows[r])
        r += 1
    data = []
    while r < len(rows):
        row = rows[r]
        first = squash(row.cells[0].text) if row.cells else ""
        if len(row.cells) < 2 or not first or first == "机构名称":
            break
        if not (_UNIT_ALL.search(first) or _UNIT_NUMBERING.match(first)
                or any(is_number_cell(c.text) for c in row.cells[1:])):
            break
        data.append(row)
        r += 1
    if not data:
        return r
    width = max(len(row.cells) for row in data)
    leaves = leaf_labels(header, width)
    statement = fin.statement_of_header(leaves)
    for row in data:
        unit = unit_name(row.cells[0].text)
        for c in range(1, min(width, len(row.cells))):
            text = row.cells[c].text.strip()
            if not text or not leaves[c]:
                continue
            code = fin.classify(leaves[c], statement)
            if not code:
                continue
            amount = to_number(text)
            if amount is None:
                continue
            report.add_finance(FinanceItem(code[0], code[1], leaves[c], amount, text, unit,
                                           row.cells[c].line))
    return r


def parse_finance_tables(doc: Document, report: Report) -> None:
    for t in doc.tables:
        r = 0
        while r < len(t.rows):
            first = squash(t.rows[r].cells[0].text) if t.rows[r].cells else ""
            if first == "机构名称":
                r = parse_finance_table(t, r, report)
            else:
                r += 1


# ---------------------------------------------------------------- indicators

_NUMBERED = re.compile(
    r"(?:^|\n|(?<=[。；;]))\s*(?:指标\s*\d*\s*[:：]|\d{1,2}\s*[.、．]\s*(?=\D)|[（(]\d{1,2}[)）])")
_NAME_PREFIX = re.compile(
    r"^\s*(?:指标\s*\d*\s*[:：]|\d{1,2}\s*[.、．](?!\d)|[（(]\d{1,2}[)）]|[①-⑳])\s*")


@lru_cache(maxsize=16384)
def strip_numbering(name: str) -> str:
    s = _NAME_PREFIX.sub("", name.strip())
    return s.strip().rstrip("。；;，,")


_ITEM_LABEL = re.compile(r"指标\s*\d*\s*[:：]")
_BEFORE_ITEM_LABEL = re.compile(r"(?=指标\s*\d*\s*[:：])")


def split_items(text: str) -> list[str]:
    """One cell holding several '指标N：' items is several indicators."""
    t = text.strip()
    if "指标" in t and len(_ITEM_LABEL.findall(t)) >= 2:
        parts = _BEFORE_ITEM_LABEL.split(t)
        return [p.strip() for p in parts if p.strip()]
    return [t] if t else []


def make_indicator(l1_raw: str, l2_raw: str, name: str, *, target: str | None = None,
                   actual: str | None = None, operator: str | None = None,
                   unit: str | None = None, weight: str | None = None,
                   score: str | None = None, deviation: str | None = None,
                   line: int = 0) -> Indicator:
    """Build one indicator with canonical levels and parsed values."""
    l1_raw = (l1_raw or "").strip()
    l2_raw = (l2_raw or "").strip()
    l1 = lab.level1(l1_raw)
    l2 = lab.level2(l2_raw)
    if l2 == "满意度指标" or (not l2_raw and lab.is_satisfaction(l1_raw)):
        l1, l2 = "满意度指标", "满意度指标"
    if l1 is None and l2:
        l1 = lab.level1_for_level2(l2)
    op = parse_operator(operator) if operator else None
    unit_hint = clean(unit) if unit and not _DIGIT.search(clean(unit)) and len(clean(unit)) <= 4 else None
    tv = parse_value(target, unit_hint)
    av = parse_value(actual, unit_hint if tv.number is not None else None)
    ind = Indicator(
        name=strip_numbering(name), name_raw=name.strip(),
        level1_raw=l1_raw, level2_raw=l2_raw, level1=l1, level2=l2,
        operator=op or tv.operator,
        target_text=_keep(target), target_value=tv.number, target_unit=tv.unit if tv.number is not None else None,
        actual_text=_keep(actual), actual_value=av.number, actual_unit=av.unit if av.number is not None else None,
        weight=parse_score(weight), weight_text=_keep(weight),
        score=parse_score(score), score_text=_keep(score),
        deviation=_keep(deviation) if deviation and clean(deviation) not in ("无", "无偏差", "-", "—") else (_keep(deviation) or None),
        line=line)
    return ind


_DIGIT = re.compile(r"\d")
_LINE_BREAK = re.compile(r"[ \t\u3000]*\n[ \t\u3000]*")


def _keep(text: str | None) -> str | None:
    if text is None:
        return None
    s = (_LINE_BREAK.sub("", text) if "\n" in text else text).strip(" \u3000\t")
    return s or None


# ---------------------------------------------------------------- indicator grids

_ROLES = [
    ("l1", r"^一级指标"), ("l2", r"^二级指标"), ("name", r"^三级指标|^指标名称"),
    ("operator", r"^指标性质|^符号|^运算符"), ("unit", r"^度量单位|^单位|^计量单位"),
    ("target", r"指标值|^值$|^目标值|^绩效目标|^年度目标"),
    ("actual", r"^实际完成|^完成值|^实际值|^完成情况|^(?:全年|年度)实际(?:完成)?值"),
    ("weight", r"^分值|^权重|^标准分"), ("score", r"得分"),
    ("deviation", r"偏差|原因|改进措施|^备注"),
]


_ROLE_PATTERNS = [(role, re.compile(p)) for role, p in _ROLES]


def header_roles(labels: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for i, label in enumerate(labels):
        if not label:
            continue
        for role, rx in _ROLE_PATTERNS:
            if role not in roles and rx.search(label):
                roles[role] = i
                break
    return roles


_LEVEL1 = re.compile(r"^(产出|效益|效果|满意度|成本)(指标|目标)?")
_LEVEL2 = re.compile(r"^(数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续|服务对象满意|满意度|社会公众)")
_VALUE_HEADS = re.compile(r"指标值|完成值|得分|分值")
_TOTAL_ROW = re.compile(r"总分|合计|总计|得分合计")
_AFTER_GRID = re.compile(r"^其他需(要)?说明|^备注|^注[:：]")


def _is_level1(text: str) -> bool:
    s = squash(text)
    return bool(_LEVEL1.match(s)) and len(s) <= 40


def _is_level2(text: str) -> bool:
    s = squash(text)
    return bool(_LEVEL2.match(s))


def grid_indicators(table: Table, r: int) -> tuple[list[Indicator], list[str] | None, int]:
    """Indicators from a grid whose header row `r` names 一级/二级/三级指标 (or the
    value columns only, as in tables whose left header was lost). Returns the
    indicators, the 总分 row's cells (if any) and the next row index."""
    rows = table.rows
    header_rows = [rows[r]]
    labels_here = [squash(c.text) for c in rows[r].cells]
    if r > 0:
        above = [squash(c.text) for c in rows[r - 1].cells]
        if any(_VALUE_HEADS.search(a) for a in above) and not all(
                any(p in l for l in labels_here) for p in ("完成值", "得分")):
            header_rows.insert(0, rows[r - 1])
    data = []
    total = None
    i = r + 1
    while i < len(rows):
        row = rows[i]
        vals = [c.text for c in row.cells]
        first = squash(next((v for v in vals if v.strip()), ""))
        if _TOTAL_ROW.fullmatch(first):
            total = vals
            i += 1
            break
        if len(vals) < 3 or _AFTER_GRID.search(first):
            break
        data.append(row)
        i += 1
    if not data:
        return [], total, i
    width = max(len(x.cells) for x in data)
    if max(len(h.cells) for h in header_rows) >= width:
        labels = [""] * width
        for h in header_rows:
            for k, c in enumerate(h.cells[:width]):
                if squash(c.text):
                    labels[k] = squash(c.text)
    matrix = [[c.text for c in d.cells] + [""] * (width - len(d.cells)) for d in data]
    if max(len(h.cells) for h in header_rows) < width:
        # a header shorter than its rows (a merged 指标值 heading's 符号/值/单位 row, the
        # heading above it lost)
        labels = _place_short_header([squash(c.text) for c in header_rows[-1].cells], matrix, width)
    roles = header_roles(labels)
    if "l1" not in roles or "l2" not in roles or "name" not in roles:
        # find the level columns by what they hold
        for k in range(width):
            col = [m[k] for m in matrix if m[k].strip()]
            if col and "l1" not in roles and all(_is_level1(v) for v in col):
                roles["l1"] = k
            elif col and "l2" not in roles and "l1" in roles and all(_is_level2(v) for v in col):
                roles["l2"] = k
                roles.setdefault("name", k + 1)
    level_cols = [roles[k] for k in ("l1", "l2") if k in roles]
    matrix = fill_down(matrix, level_cols)
    get = lambda m, k: m[roles[k]] if k in roles and roles[k] < len(m) else None
    out = []
    for d, m in zip(data, matrix):
        name = get(m, "name")
        if not name or not name.strip():
            continue
        for item in split_items(name):
            out.append(make_indicator(
                get(m, "l1") or "", get(m, "l2") or "", item, target=get(m, "target"),
                actual=get(m, "actual"), operator=get(m, "operator"), unit=get(m, "unit"),
                weight=get(m, "weight"), score=get(m, "score"), deviation=get(m, "deviation"),
                line=d.line))
    return out, total, i


def _place_short_header(hl: list[str], matrix: list[list[str]], width: int) -> list[str]:
    """The labels of a header shorter than its rows, over the run of columns whose
    contents fit them best: the target column holding figures, the unit column unit
    words. The rightmost run wins a tie (a row-per-line export drops trailing empty
    cells, so the header may end short of the last column)."""
    best, best_fit = width - len(hl), -1
    for offset in range(width - len(hl), -1, -1):
        labels = [""] * offset + hl + [""] * (width - len(hl) - offset)
        roles = header_roles(labels)
        fit = 0
        for row in matrix:
            if "target" in roles and parse_value(row[roles["target"]]).number is not None:
                fit += 2
            if "unit" in roles and normalise_unit(row[roles["unit"]]) in _UNIT_WORDS:
                fit += 1
        if fit > best_fit:
            best, best_fit = offset, fit
    return [""] * best + hl + [""] * (width - len(hl) - best)


_UNIT_WORDS = {"%", "百分比", "件", "次", "人", "人次", "个", "万元", "元", "天", "日", "分", "批", "场", "项"}


def total_row_figures(total: list[str] | None) -> tuple[float | None, float | None, str | None]:
    """(weight total, score total, grade) from a 总分 row."""
    if not total:
        return None, None, None
    nums = [to_number(v) for v in total if to_number(v) is not None]
    grade = next((squash(v) for v in total if lab.grade_level(squash(v)) and len(squash(v)) <= 3), None)
    weight = nums[0] if len(nums) >= 2 else None
    score = nums[-1] if nums else None
    return weight, score, grade


# the header labels of a budget block; a label takes the first key that fits it
_BUDGET_KEYS = [(k, re.compile(p)) for k, p in (
    ("initial", r"^年初预算"), ("adjusted", r"^全年(?:[（(]调整[)）])?预算|^调整后?预算"),
    ("executed", r"^全年执行|^(?:预算)?执行数|^实际支出"),
    ("weight", r"^(?:执行率)?(?:分值|权重)"), ("rate", r"^(?:预算)?执行率(?!权重|得分)"),
    ("score", r"^(?:执行率)?得分"))]
_BUDGET_TOTAL = re.compile(r"年度资金总额|资金总额|^合计$|^总额$")


def budget_block(table: Table) -> dict | None:
    """The 年度资金总额 row under a 年初预算数 / 全年预算数 / 全年执行数 header; or, where
    the header's first cell labels the block ('部门预算执行情况（万元）'), the row right
    under it whose cells stand under the header's."""
    header = None
    for r, row in enumerate(table.rows):
        labels = [squash(c.text) for c in row.cells]
        if any(l.startswith("年初预算") for l in labels):
            columns = [(next(k for k, p in _BUDGET_KEYS if p.search(l)), i)
                       for i, l in enumerate(labels) if any(p.search(l) for _, p in _BUDGET_KEYS)]
            header, header_row, header_width = [k for k, _ in columns], r, len(row.cells)
            continue
        if header is None:
            continue
        out = {"line": row.line, "row": r}
        for c, cell in enumerate(row.cells):
            if _BUDGET_TOTAL.search(squash(cell.text)):
                for k, v in zip(header, row.cells[c + 1:c + 1 + len(header)]):
                    out[k] = v.text.strip()
                return out
        cells = row.cells
        if (r == header_row + 1 and len(cells) == header_width
                and not squash(cells[0].text) and columns[0][1] > 0
                and to_number(cells[columns[0][1]].text) is not None):
            for k, i in columns:
                out[k] = cells[i].text.strip()
            return out
    return None


def apply_budget_block(block: dict, report: Report, unit: str | None = None) -> None:
    """A department's budget block (`budget_block`): 年初预算数, 全年预算数 and 全年执行数
    as budget figures (converted from `unit` to 万元), and the block's weight, score and
    execution rate."""
    line = block["line"]
    for key, label in (("initial", "年初预算数"), ("adjusted", "全年预算数"), ("executed", "全年执行数")):
        text = block.get(key)
        amount = to_number(text)
        if amount is not None:
            if unit:
                amount = to_wan(amount, unit)
            report.add_finance(FinanceItem("budget", key, label, amount, text, "all", line))
    report.budget_weight = parse_score(block.get("weight"))
    report.budget_score = parse_score(block.get("score"))
    report.budget_execution_rate = parse_percent(block.get("rate"))


def goal_after(table: Table, r: int) -> tuple[str | None, str | None, int]:
    """Expected and actual texts in the rows under a 预期目标 / 实际完成 header row: the
    cells under those two labels of the row right below, when it is as wide as the header
    and holds both; else the first two texts below."""
    texts: list[str] = []
    line = table.rows[r].line
    labels = [squash(c.text) for c in table.rows[r].cells]
    if r + 1 < len(table.rows) and len(table.rows[r + 1].cells) == len(labels):
        below = table.rows[r + 1]
        e = next((i for i, l in enumerate(labels) if _GOAL_EXPECTED.match(l)), None)
        a = next((i for i, l in enumerate(labels) if _GOAL_ACTUAL.match(l)), None)
        if e is not None and a is not None and e != a:
            expected, actual = below.cells[e].text.strip(), below.cells[a].text.strip()
            if expected and actual:
                return expected, actual, below.line
    for row in table.rows[r + 1:r + 4]:
        vals = [c.text for c in row.cells]
        filled = [v for v in vals if v.strip()]
        if vals and squash(vals[0]) and texts and (len(filled) > 1 and len(squash(vals[0])) <= 12):
            break
        if vals and squash(vals[0]) and not texts and len([v for v in vals if v.strip()]) > 1 \
                and len(squash(vals[0])) <= 12:
            break
        if not texts:
            line = row.line
        texts.extend(v for v in vals if v.strip())
        if len(texts) >= 2:
            break
    if not texts:
        return None, None, line
    return texts[0].strip(), (texts[1].strip() if len(texts) > 1 else None), line


_GOAL_EXPECTED = re.compile(r"^(?:预期|(?:项目)?年度(?:总体)?|年初(?:绩效)?)目标$")
_GOAL_ACTUAL = re.compile(r"^实际完成|^(?:年度)?目标完成情况|^(?:全年|年度)?目标实际完成")


def is_goal_header(labels: list[str]) -> bool:
    """A 预期目标 | 实际完成情况 header row (also 项目年度目标 | 年度目标完成情况, and
    年初绩效目标 | 全年（调整）绩效目标 | 全年目标实际完成情况)."""
    return (any(_GOAL_EXPECTED.match(l) for l in labels)
            and any(_GOAL_ACTUAL.match(l) for l in labels)
            and not any(_INDICATORS_BEGIN.search(l) for l in labels))   # an indicator header


def goal_headers(doc: Document):
    """(table, row) of every 预期目标 | 实际完成… header row."""
    for t in doc.tables:
        for r, row in enumerate(t.rows):
            if is_goal_header([squash(c.text) for c in row.cells]):
                yield t, r


def first_goal(doc: Document) -> Goal | None:
    """The goal under the document's first 预期目标 | 实际完成… header, if it holds one."""
    for t, r in goal_headers(doc):
        expected, actual, line = goal_after(t, r)
        return Goal(expected, actual, line) if expected or actual else None
    return None


def first_budget_block(doc: Document) -> tuple[Table, dict] | None:
    """(table, `budget_block`) of the document's first table that has one."""
    for t in doc.tables:
        block = budget_block(t)
        if block:
            return t, block
    return None


# ---------------------------------------------------------------- money units

# A stated money unit: '单位：元' (a caption, or a cell of its own; not '填报单位：元江县…'),
# or a bracketed note on a money heading: '年度预算申请（万元）', '项目资金（元）'.
_UNIT_STATED = re.compile(r"单位[:：](" + MONEY_UNITS + r")(?![\u4e00-\u9fff])")
_UNIT_NOTE = re.compile(r"[（(](" + MONEY_UNITS + r")[)）]")
_MONEY_HEADING = re.compile(r"预算|资金|金额|收入|支出|经费|决算|拨款|执行数|结转|结余|资产")
_NOT_MONEY_HEADING = re.compile(r"人均|标准|单价|率|指标")
_INDICATORS_BEGIN = re.compile(r"一级指标|绩效指标|三级指标")


def money_unit(texts: Iterable[str]) -> str | None:
    """The one money unit these texts state (see _UNIT_STATED, _UNIT_NOTE), or None
    when they state none, or more than one."""
    units = set()
    for text in texts:
        if "元" not in text:
            continue
        s = squash(text)
        units.update(_UNIT_STATED.findall(s))
        for m in _UNIT_NOTE.finditer(s):
            heading = s[:m.start()]
            if _MONEY_HEADING.search(heading) and not _NOT_MONEY_HEADING.search(heading):
                units.add(m.group(1))
    return units.pop() if len(units) == 1 else None


def _table_money_unit(doc: Document, k: int) -> str | None:
    """The money unit table `k` of the blocks states: in the two paragraphs above it or
    in its rows before its indicators begin (an indicator's own unit, '人均经费（元）',
    is not the table's)."""
    table = doc.blocks[k]
    texts = [b.text for b in doc.blocks[max(0, k - 2):k] if not isinstance(b, Table)]
    for row in table.rows:
        cells = [c.text for c in row.cells]
        joined = "".join(cells)
        if "指标" in joined and _INDICATORS_BEGIN.search(squash(joined)):
            break
        texts += cells
    everything = "".join(texts)
    if everything.count("元") == everything.count("万元"):   # the common case: 万元 or no unit
        return None
    return money_unit(texts)


def table_money_unit(doc: Document, table: Table) -> str | None:
    """The money unit a table of the document states, other than 万元 (None for 万元 or
    none stated): for the figures read after `money_in_wan` has run."""
    for k, block in enumerate(doc.blocks):
        if block is table:
            unit = _table_money_unit(doc, k)
            return unit if unit != "万元" else None
    return None


def money_in_wan(doc: Document, report: Report) -> None:
    """The data holds money in 万元: amounts a layout read from a table that states its
    money in 元, 千元 or 亿元 are converted; their printed text stays as it was."""
    if not report.finance and not report.projects:
        return
    cells = "".join([x[4] for x in labelled_cells(doc)])
    captions = "".join([b.text for b in doc.blocks if not isinstance(b, Table) and "单位" in b.text])
    if (cells.count("元") + captions.count("元")
            == cells.count("万元") + captions.count("万元")):   # most documents: 万元 only
        return
    spans = []
    for k, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            unit = _table_money_unit(doc, k)
            if unit and unit != "万元":
                lines = [c.line for row in block.rows for c in row.cells] or [block.line]
                spans.append((min(lines), max(lines), unit))
    if not spans:
        return

    def unit_at(line: int) -> str | None:
        return next((u for lo, hi, u in spans if lo <= line <= hi), None)

    for item in report.finance:
        unit = unit_at(item.line) if item.amount is not None else None
        if unit:
            item.amount = to_wan(item.amount, unit)
    for project in report.projects:
        unit = unit_at(project.line)
        if unit:
            for name in ("budget_initial", "budget_adjusted", "budget_executed"):
                value = getattr(project, name)
                if value is not None:
                    setattr(project, name, to_wan(value, unit))


# ---------------------------------------------------------------- basic data table

# The 部门整体支出绩效评价基础数据表 that Hunan reports attach: a 财政供养人员情况 row
# (编制数 | 实际在职人数 | 控制率) over its figures, and 经费控制情况 rows (三公经费 and its
# parts, 项目支出, 公用经费, …) under one column per year (2020年决算数 | 2021年预算数 |
# 2021年决算数). Staffing and the 三公 outturn of the evaluated year are read from it.
_STAFF_HEAD = re.compile(r"^(?:财政供养)?人员(?:编制)?(?:情况)?$")
_CONTROL_HEAD = re.compile(r"^经费控制(?:情况)?$")
_THREE_PUBLIC_ROWS = [(item, re.compile(p)) for item, p in (
    ("total", r"^三公经费(合计|总额)?$"),
    ("vehicle_purchase", r"^(公务用|公)车购置(费|经费)?$"),
    ("vehicle_running", r"^(公务用|公)车运(行)?维(护)?(费|经费)?$"),
    ("overseas", r"^(因公)?出国(境)?(费|经费)$"),
    ("reception", r"^公务接待(费|经费)?$"))]
_A_YEAR = re.compile(r"(19|20)\d{2}")
_ROW_NUMBER = re.compile(r"^(?:其中[:：]?|[（(]?\d{1,2}[)）、.．]|[一二三四五六七八九十][、.．])+")


@dataclass
class BasicData:
    """What `basic_data` found."""
    staff_authorized: int | None = None
    staff_actual: int | None = None
    three_public: list[FinanceItem] = field(default_factory=list)


def basic_data(doc: Document, year: int | None) -> BasicData:
    """Staffing and the evaluated year's 三公经费 from a basic data table (see above)."""
    out = BasicData()
    for t, text in zip(doc.tables, table_label_texts(doc)):
        # a table with neither head (a label starting 人员, 财政供养人员 or 经费控制) is
        # passed over unread
        if "\n人员" not in text and "\n财政供养人员" not in text and "\n经费控制" not in text:
            continue
        rows = t.rows
        for r, row in enumerate(rows):
            labels = [squash(c.text) for c in row.cells]
            first = next((l for l in labels if l), "")
            if (_STAFF_HEAD.match(first) and r + 1 < len(rows) and out.staff_actual is None
                    and any("编制" in l for l in labels)):
                _basic_staff(labels, [c.text for c in rows[r + 1].cells], out)
            elif _CONTROL_HEAD.match(first) and not out.three_public:
                col = _outturn_column(labels, year)
                if col is not None:
                    _basic_three_public(rows[r + 1:], col, out, table_money_unit(doc, t))
    return out


def _basic_staff(labels: list[str], values: list[str], out: BasicData) -> None:
    for k, label in enumerate(labels):
        n = head_count(values[k]) if k < len(values) else None
        if n is None:
            continue
        if "编制" in label and out.staff_authorized is None:
            out.staff_authorized = n
        elif ("在职" in label or "实有" in label) and "率" not in label and out.staff_actual is None:
            out.staff_actual = n


def _outturn_column(labels: list[str], year: int | None) -> int | None:
    """The column of the evaluated year's 决算数 (the last 决算 column when no label
    names that year)."""
    outturn = [k for k, l in enumerate(labels) if "决算" in l or "实际支出" in l]
    if not outturn:
        return None
    if year:
        named = [k for k in outturn if str(year) in labels[k]]
        if named:
            return named[-1]
        if any(_A_YEAR.search(labels[k]) for k in outturn):
            return None      # columns of other years only
    return outturn[-1]


def _basic_three_public(rows: list[Row], col: int, out: BasicData, unit: str | None) -> None:
    for row in rows:
        cells = row.cells
        label = _ROW_NUMBER.sub("", squash(cells[0].text)) if cells else ""
        if not label or col >= len(cells):
            continue
        for item, rx in _THREE_PUBLIC_ROWS:
            if rx.match(label) and not any(f.item == item for f in out.three_public):
                text = cells[col].text.strip()
                amount = to_number(text)
                if amount is not None:
                    if unit:
                        amount = to_wan(amount, unit)
                    out.three_public.append(FinanceItem("three_public", item, squash(cells[0].text),
                                                        amount, text, "all", cells[col].line))
                break
