"""A department form's key tasks: the 重点工作任务 / 年度主要任务 table.

Department-level forms list what the year's money was for, one row per task, under a
header such as (the provincial workbook's)

    任务名称 | 项目级次 | 主要内容 | 批复金额（万元） |          |          | 实际支出金额（万元） | …
             |          |          | 总额             | 财政拨款 | 其他资金 |                      |

followed by 预算执行率 and 预算执行偏低原因及改进措施; or, in the national
部门（单位）整体支出绩效自评表, ``年度主要任务 | 任务名称 | 主要内容 | 预算数 | 执行数``.
Columns are found by their labels (a money heading that spans columns gives its
sub-labels 总额 / 财政拨款 / 其他资金 their meaning), never by position; the rows under the
header are read until the next heading, header, block or total row. Every layout gets
them: `first_tasks` reads the first such table of a document.

A form without that table may list the year's tasks in one cell instead, beside a
年度主要工作内容 / 年度主要任务 label ('任务1：…；任务2：…' or '1、…；2、…'): each listed
item is then a task with its content only (`listed_tasks`).
"""
from __future__ import annotations

import re

from ..document import Document, Table
from ..model import Task
from ..normalise.values import parse_percent, to_number, to_wan
from .common import labelled_cells, money_unit, squash, value_after

_NAME = re.compile(r"^(?:主要|重点)?任务(?:名称)?$")
_CONTENT = re.compile(r"^(?:主要|任务|工作)内容")
_SPENT = re.compile(r"实际支出|执行数|实际执行|支出金额|决算数")
_BUDGET = re.compile(r"批复金额|预算金额|预算数|预算资金|年初预算|全年预算|安排资金")
# a column's role by its heading, first match wins (预算执行偏低原因 is a note, 预算执行率 a
# rate, not a budget)
_HEAD_ROLES = [
    ("note", re.compile(r"原因|改进措施|备注|说明")), ("rate", re.compile(r"执行率")),
    ("spent", _SPENT), ("budget", _BUDGET), ("name", _NAME), ("content", _CONTENT),
    ("level", re.compile(r"级次$")),
]
_SUB_TOTAL = re.compile(r"^(?:总额|合计|小计)")
_SUB_FISCAL = re.compile(r"财政拨款")
_SUB_OTHER = re.compile(r"其他资金")
# a row that ends the task rows: a numbered heading, another block's header, a total
_ENDS = re.compile(r"^(?:<b>|\*\*)?(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
                   r"|^(?:一级指标|绩效指标|财年|项目名称|年度总体目标|总体目标|年度(?:绩效)?目标"
                   r"|金额合计|合计|总计|其他需(?:要)?说明)")


def is_task_header(labels: list[str]) -> bool:
    """A header row of the key-task table: a 任务名称 column and a 主要内容 or money one."""
    if not any(_NAME.match(l) for l in labels):
        return False
    return any(_CONTENT.match(l) or _BUDGET.search(l) or _SPENT.search(l) for l in labels)


def _role(head: str, sub: str) -> str | None:
    role = next((role for role, rx in _HEAD_ROLES if rx.search(head)), None)
    if role != "budget":
        return role
    # a budget heading's sub-label says which part of the budget the column holds
    if _SUB_FISCAL.search(sub):
        return "fiscal"
    if _SUB_OTHER.search(sub):
        return "other"
    return "budget" if not sub or _SUB_TOTAL.match(sub) else None


def _is_sub_header(labels: list[str]) -> bool:
    filled = [l for l in labels if l]
    return bool(filled) and all(_SUB_TOTAL.match(l) or _SUB_FISCAL.search(l) or _SUB_OTHER.search(l)
                                for l in filled)


def task_rows(table: Table, r: int) -> list[Task]:
    """The tasks under the header at row `r` of `table` (see `is_task_header`)."""
    heads = [squash(c.text) for c in table.rows[r].cells]
    start = r + 1
    subs = [""] * len(heads)
    if start < len(table.rows):
        below = [squash(c.text) for c in table.rows[start].cells]
        if _is_sub_header(below):
            subs = (below + [""] * len(heads))[:len(heads)]
            start += 1
            # a money heading spans the empty header cells its sub-labels stand under
            for i in range(1, len(heads)):
                if not heads[i] and subs[i]:
                    heads[i] = heads[i - 1]
    roles = [_role(h, s) for h, s in zip(heads, subs)]
    if "name" not in roles:
        return []
    unit = money_unit([c.text for c in table.rows[r].cells]) or "万元"
    width = len(roles)
    # a block label in the header's first column ('年度主要任务') spans the task rows: a
    # row with text in that column starts the next block ('年度部门整体支出预算执行情况')
    labelled = bool(heads[0]) and roles[0] is None
    tasks: list[Task] = []
    for row in table.rows[start:]:
        texts = [c.text.strip() for c in row.cells]
        labels = [squash(t) for t in texts]
        first = next((l for l in labels if l), "")
        if not first:
            continue
        if (_ENDS.match(first) or is_task_header(labels) or (labelled and labels[0])
                or any(l.startswith("年初预算") for l in labels)):   # the budget block's header
            break
        if len(texts) < width:     # merged cells dropped on the left: align from the right
            texts = [""] * (width - len(texts)) + texts
        values: dict[str, str] = {}
        for role, text in zip(roles, texts):
            if role and text and role not in values:
                values[role] = text
        if not (values.get("name") or values.get("content")):
            continue
        tasks.append(_task(values, unit, row.line))
    return tasks


def _amount(text: str | None, unit: str) -> float | None:
    n = to_number(text)
    return None if n is None else to_wan(n, unit)


def _task(v: dict[str, str], unit: str, line: int) -> Task:
    return Task(
        name=v.get("name"), level=v.get("level"), content=v.get("content"),
        budget=_amount(v.get("budget"), unit), budget_text=v.get("budget"),
        budget_fiscal=_amount(v.get("fiscal"), unit), budget_other=_amount(v.get("other"), unit),
        spent=_amount(v.get("spent"), unit), spent_text=v.get("spent"),
        execution_rate=parse_percent(v.get("rate")), execution_rate_text=v.get("rate"),
        note=v.get("note"), line=line)


def first_tasks(doc: Document) -> list[Task]:
    """The rows of the document's first key-task table that holds any; else the tasks
    listed beside a 年度主要工作内容 label (`listed_tasks`)."""
    for t, r, _, _, text in labelled_cells(doc):
        if "任务" in text and _NAME.match(text) and \
                is_task_header([squash(c.text) for c in t.rows[r].cells]):
            found = task_rows(t, r)
            if found:
                return found
    return listed_tasks(doc)


_LIST_LABEL = r"^年度(?:主要|重点)(?:工作)?(?:内容|任务)$"
# an item's number where an item starts: at the start, or after the previous item's end
_ITEM = re.compile(r"(?:^|(?<=[；;。\n]))\s*(?:任务\s*\d{1,2}\s*[：:]|\d{1,2}\s*[、．.：:](?!\d)"
                   r"|[（(]\d{1,2}[)）])\s*")


def listed_tasks(doc: Document) -> list[Task]:
    """The items of the cell beside a 年度主要工作内容 label, when it numbers two or more
    ('任务1：夯实基础；任务2：…', '1、分析研判；2、…')."""
    cell = value_after(doc, _LIST_LABEL)
    if cell is None:
        return []
    text = cell.text
    starts = list(_ITEM.finditer(text))
    if len(starts) < 2 or text[:starts[0].start()].strip():   # two items, and nothing before
        return []
    tasks = []
    for m, nxt in zip(starts, starts[1:] + [None]):
        item = text[m.end():nxt.start() if nxt else len(text)].strip().rstrip("；;。").strip()
        if item:   # on the source line of its own paragraph of the cell
            tasks.append(Task(name=None, content=item,
                              line=cell.line + text.count("\n", 0, m.end())))
    return tasks
