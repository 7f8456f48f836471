"""Other ways text exports print a table, rewritten into the two the text reader
knows (one cell per tab-indented line; one row per line of tab-separated cells).

* Pipe rows, as Markdown and some converters print them: `| 一级指标 | 二级指标 |`;
  an empty cell or a run of pipes (`||||`) is empty cells, as a merged cell prints.
  Separator lines (`|---|:---:|`) are dropped.
* One cell per line ending in ` |` (`联系人 |`), rows separated by blank lines, as
  some web-to-text tools print a form.
* A whole table flattened onto one line of space-separated cells, as text copied out
  of some PDF viewers comes: only when the line clearly is a table: at least six
  tokens, starting with a run of at least three known column headings (一级指标
  二级指标 三级指标 …) and the rest filling whole rows of that width.

`canonical_lines` works line by line and keeps every line's number; `flat_tables`
works on the blocks the reader made.
"""
from __future__ import annotations

import re

from ..document import Cell, Paragraph, Row, Table

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CELL_BAR = re.compile(r"^(?P<text>[^|\t]*?)\s*\|\s*$")


def canonical_lines(lines: list[str]) -> list[str | None]:
    """The lines rewritten into the reader's table forms; None for a line to drop
    (a pipe table's separator). The list is as long as the input."""
    out: list[str | None] = list(lines)
    if "|" not in "".join(lines):   # every rewrite here needs a pipe
        return out
    pipe_rows = [bool(_PIPE_ROW.match(ln)) and ln.count("|") >= 2 for ln in lines]
    bar_cells = [not pipe_rows[i] and bool(_CELL_BAR.match(ln)) and "|" in ln
                 for i, ln in enumerate(lines)]
    for i, ln in enumerate(lines):
        if _PIPE_SEPARATOR.match(ln) and "-" in ln and (
                (i > 0 and pipe_rows[i - 1]) or (i + 1 < len(lines) and pipe_rows[i + 1])):
            out[i] = None
        elif pipe_rows[i]:
            cells = [c.strip() for c in ln.strip()[1:-1].split("|")]
            # a single cell still prints as a row (a trailing tab), like a merged row
            out[i] = "\t".join(cells) + ("\t" if len(cells) == 1 else "")
        elif bar_cells[i] and _in_bar_run(bar_cells, lines, i):
            out[i] = "\t" + _CELL_BAR.match(ln).group("text").strip()
    return out


def _in_bar_run(bar_cells: list[bool], lines: list[str], i: int) -> bool:
    """A ' |' line counts as a cell only among others (blank lines between rows)."""
    def neighbour(step):
        j = i + step
        while 0 <= j < len(lines) and not lines[j].strip():
            j += step
        return 0 <= j < len(lines) and bar_cells[j]
    return neighbour(-1) or neighbour(1)


# ---------------------------------------------------------------- flattened tables

HEADINGS = (
    "序号", "一级指标", "二级指标", "三级指标", "指标名称", "指标内容", "指标性质", "指标值",
    "年度指标值", "度量单位", "计量单位", "单位", "实际完成值", "完成值", "实际值", "分值", "权重",
    "得分", "自评得分", "评分标准", "扣分原因", "偏差原因分析及改进措施", "偏差原因", "备注",
    "绩效目标", "年度目标", "完成情况", "年初预算数", "全年预算数", "全年执行数", "执行率",
    "项目名称", "评价内容", "机构名称", "收入合计", "支出合计", "基本支出", "项目支出",
)
_TOKEN_SPLIT = re.compile(r"[ \u3000]+")


def flat_table(text: str, line: int) -> Table | None:
    if " " not in text and "\u3000" not in text:   # one token: no table
        return None
    tokens = [t for t in _TOKEN_SPLIT.split(text.strip()) if t]
    if len(tokens) < 6:
        return None
    width = 0
    while width < len(tokens) and tokens[width] in HEADINGS:
        width += 1
    if width < 3 or len(tokens) == width or (len(tokens) - width) % width:
        return None
    if len(set(tokens[:width])) != width:
        return None
    rows = [tokens[k:k + width] for k in range(0, len(tokens), width)]
    # the cells under a heading are not themselves headings (that would be a list)
    if any(all(t in HEADINGS for t in row) for row in rows[1:]):
        return None
    return Table([Row([Cell(t, line) for t in row], line=line) for row in rows], line=line)


def flat_tables(blocks: list) -> list:
    """Paragraphs that are whole tables flattened onto one line become Tables."""
    out = []
    for b in blocks:
        t = flat_table(b.text, b.line) if isinstance(b, Paragraph) else None
        out.append(t or b)
    return out


def pipe_tables(blocks: list) -> list:
    """Runs of Paragraphs that are pipe rows (pasted into a Word document or a web
    page) become a Table."""
    out: list = []
    run: list = []

    def close():
        if len(run) >= 2:
            lines = canonical_lines([p.text for p in run])
            rows = [Row([Cell(c.strip(), p.line) for c in ln.split("\t")], line=p.line)
                    for p, ln in zip(run, lines) if ln is not None]
            for row in rows:
                while len(row.cells) > 1 and not row.cells[-1].text:
                    row.cells.pop()
            out.append(Table(rows, line=rows[0].line))
        else:
            out.extend(run)
        run.clear()

    for b in blocks:
        if isinstance(b, Paragraph) and (_PIPE_ROW.match(b.text) and b.text.count("|") >= 2
                                         or (run and _PIPE_SEPARATOR.match(b.text) and "-" in b.text)):
            run.append(b)
            continue
        close()
        out.append(b)
    close()
    return out
