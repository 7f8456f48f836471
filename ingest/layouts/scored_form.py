"""The one-page department form (seen in the districts of a Hunan prefecture): 预算部门名称, a budget
block (年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分) with income and
expenditure split into 'label：amount' cells, 年度总体目标, a scored indicator grid
(一级 / 二级 / 三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因) and 总分;
then a written report."""
from __future__ import annotations

import re

from ..document import Document
from ..model import FinanceItem, Report
from ..normalise import finance as fin
from ..normalise import labels as lab
from ..normalise.values import to_number
from . import common, prose
from .common import squash

NAME = "department_scored_form"

_CELL_FIGURE = re.compile(r"^(?:其中[:：]?)?\s*(?P<label>[^:：]{2,30})[:：]\s*(?P<num>[-\d,.]+)?\s*(?:万元)?$")


def matches(doc: Document) -> int:
    score = 0
    for labels, text in zip(common.table_labels(doc), common.table_label_texts(doc)):
        if "\n年初预算" in text and "年度资金总额" in labels:   # a label starting 年初预算
            score += 3
        if "三级指标" in labels and "得分" in labels:
            score += 2
        if "\n项目名称" in text:
            score -= 4   # project sheets belong to the workbook layout
    return score


def parse(doc: Document, report: Report) -> None:
    name = common.value_after(doc, r"^(预算)?部门名称$|^单位名称$")
    if name:
        report.department = prose._tidy_name(name.text) or None
    found = common.first_budget_block(doc)
    if found:
        _budget(*found, report)
    goal = common.first_goal(doc)
    if goal:
        report.goals.append(goal)
    for t in doc.tables:
        for r, row in enumerate(t.rows):
            labels = [squash(c.text) for c in row.cells]
            if any(l.startswith("三级指标") for l in labels):
                inds, total, _ = common.grid_indicators(t, r)
                report.indicators.extend(inds)
                weight, score, grade = common.total_row_figures(total)
                report.indicator_total_weight, report.indicator_total_score = weight, score
                if report.self_score is None and score is not None:
                    report.self_score, report.self_score_text = score, _printed(total, score)
                if grade and not report.grade:
                    report.grade = grade
                break


def _printed(cells, value) -> str | None:
    for v in cells or []:
        if to_number(v) == value:
            return v.strip()
    return None


def _budget(t, block: dict, report: Report) -> None:
    common.apply_budget_block(block, report)
    # 'label：amount' cells under the budget row: income by source, spending by kind; or
    # the amount in the next filled cell ('其中：基本支出：' | '176.30', the national form)
    for row in t.rows[block["row"] + 1:]:
        texts = [squash(c.text) for c in row.cells]
        if any(x in ("预期目标", "年度总体目标") or x.startswith("一级指标") for x in texts):
            break
        for c, cell in enumerate(row.cells):
            m = _CELL_FIGURE.match(texts[c])
            if not m:
                continue
            num, line = m.group("num"), cell.line
            if not num:
                after = next((k for k in range(c + 1, min(c + 3, len(texts))) if texts[k]), None)
                if after is None or to_number(texts[after]) is None:
                    continue
                num, line = texts[after], row.cells[after].line
            label = m.group("label")
            if "收入性质" in label:
                code = ("income", "total")
            elif "支出性质" in label:
                code = ("expenditure", "total")
            else:
                code = fin.classify(label)
            amount = to_number(num)
            if code and amount is not None:
                report.add_finance(FinanceItem(code[0], code[1], label, amount, num, "all", line))
