"""The county department form (seen in the counties of a Hunan prefecture).

Label cells (联系人, 人员编制, 实有人数), income / expenditure / 三公 / assets tables
headed 机构名称 with a 汇总 row and sub-unit rows, qualitative goals (预期目标 /
实际完成), a quantitative indicator table (评价内容 / 绩效目标 / 完成情况),
绩效自评综合得分 and 评价等次, the evaluators, then a written report; sometimes a
评分表 scoring sheet.
"""
from __future__ import annotations

import re

from ..document import Document, Table
from ..model import Person, Report, RubricItem
from ..normalise import labels as lab
from ..normalise.values import parse_score, to_number
from . import common, prose
from .common import make_indicator, split_items, squash, value_after

NAME = "county_form"


def matches(doc: Document) -> int:
    seen = set().union(*common.table_labels(doc)) & _LABELS
    return len(seen) * 2


_LABELS = {"联系人", "人员编制", "实有人数", "机构名称", "绩效自评综合得分", "评价等次", "评价内容"}


def parse(doc: Document, report: Report) -> None:
    contact = value_after(doc, r"^联系人$")
    phone = value_after(doc, r"^联(络|系)电话$")
    if contact:
        report.contact_name = lab.person_name(contact.text)
    if phone:
        report.contact_phone = lab.mask_phone(phone.text)
    if report.contact_name:
        report.people.append(Person("contact", report.contact_name, phone=report.contact_phone,
                                    line=contact.line))
    for label, attr in ((r"^(人员)?编制(人数|数)?$", "staff_authorized"), (r"^实有(人数|人员)$", "staff_actual")):
        cell = value_after(doc, label, lambda t: to_number(t) is not None)
        if cell:
            setattr(report, attr, int(to_number(cell.text)))
    score = value_after(doc, r"自评综合得分$|^综合得分$|^自评得分$", lambda t: to_number(t) is not None)
    if score:
        report.self_score = to_number(score.text)
        report.self_score_text = score.text.strip()
    grade = value_after(doc, r"^评价等(次|级)$")
    if grade:
        report.grade = grade.text.strip()
    common.parse_finance_tables(doc, report)
    _goals(doc, report)
    _indicators(doc, report)
    _evaluators(doc, report)
    _rubric(doc, report)


def _goals(doc: Document, report: Report) -> None:
    goal = common.first_goal(doc)
    if goal:
        report.goals.append(goal)


def _indicators(doc: Document, report: Report) -> None:
    for t, r, c, cell in common.find_cells(doc, r"^评价内容$"):
        row = t.rows[r]
        heads = [squash(x.text) for x in row.cells]
        if not any(h.startswith("绩效目标") or h.startswith("指标") for h in heads):
            continue
        rows = []
        for data in t.rows[r + 1:]:
            first = squash(data.cells[0].text) if data.cells else ""
            if first and len(data.cells) <= 2:
                break           # 绩效自评综合得分 | 96.5
            if len(data.cells) < 4:
                break
            rows.append(data)
        width = max((len(x.cells) for x in rows), default=0)
        texts = common.fill_down([[x.text for x in d.cells] + [""] * (width - len(d.cells)) for d in rows],
                                 range(width - 2))
        for d, vals in zip(rows, texts):
            l1_raw, l2_raw, name_cell, actual = vals[width - 4], vals[width - 3], vals[width - 2], vals[width - 1]
            for item in split_items(name_cell):
                report.indicators.append(make_indicator(
                    _label(l1_raw), l2_raw, item, actual=actual, line=d.line))
        return


def _label(text: str) -> str:
    """'产出目标\\n（部门工作实绩…）' -> '产出目标'."""
    return (text or "").strip().split("\n")[0].strip()


def _evaluators(doc: Document, report: Report) -> None:
    for t, r, c, cell in common.find_cells(doc, r"^姓名$"):
        heads = [squash(x.text) for x in t.rows[r].cells]
        if not any(h.startswith("职务") for h in heads):
            continue
        col_title = next(i for i, h in enumerate(heads) if h.startswith("职务"))
        col_unit = next((i for i, h in enumerate(heads) if h.startswith("单位")), None)
        for row in t.rows[r + 1:]:
            vals = [x.text.strip() for x in row.cells]
            if not vals or not vals[0]:
                if any(vals):
                    continue
                break
            if len(vals) < 2 or ":" in vals[0] or "：" in vals[0]:
                break
            report.people.append(Person(
                "evaluator", lab.person_name(vals[0]),
                title=vals[col_title] if col_title < len(vals) else None,
                unit=vals[col_unit] if col_unit is not None and col_unit < len(vals) and vals[col_unit] else None,
                line=row.line))
        break


def _rubric(doc: Document, report: Report) -> None:
    """评分表: 一级指标 | 二级指标 | 三级指标 | 评分标准 | 分值 | 自评得分 | 扣分原因; it may
    continue in a second table (…（续）) that repeats the header."""
    items: list[tuple[list[str], int]] = []
    total = total_weight = None
    for t in doc.tables:
        header = None
        for r, row in enumerate(t.rows):
            heads = [squash(x.text) for x in row.cells]
            if "评分标准" in heads and any(h.startswith("三级指标") for h in heads):
                header = heads
                cols = {
                    "l1": heads.index("一级指标") if "一级指标" in heads else 0,
                    "l2": heads.index("二级指标") if "二级指标" in heads else 1,
                    "name": next(i for i, h in enumerate(heads) if h.startswith("三级指标")),
                    "criterion": heads.index("评分标准"),
                    "weight": next((i for i, h in enumerate(heads) if h in ("分值", "权重", "标准分")), None),
                    "score": next((i for i, h in enumerate(heads) if "得分" in h), None),
                    "note": next((i for i, h in enumerate(heads) if "扣分" in h or "说明" in h), None),
                }
                continue
            if header is None:
                continue
            vals = [x.text for x in row.cells]
            if vals and squash(vals[0]) in ("总分", "合计", "总计"):
                weight, score, _ = common.total_row_figures(vals)
                if score is not None:
                    total, total_weight = score, weight
                continue
            get = lambda k: vals[cols[k]] if cols[k] is not None and cols[k] < len(vals) else ""
            if not squash(get("name")):
                continue
            items.append(([get("l1"), get("l2"), get("name"), get("criterion"), get("weight"),
                           get("score"), get("note")], row.line))
    if not items:
        return
    filled = common.fill_down([v for v, _ in items], [0, 1])
    for vals, (_, line) in zip(filled, items):
        report.rubric.append(RubricItem(
            name=squash(vals[2]), level1=_points_off(vals[0]), level2=_points_off(vals[1]),
            criterion=vals[3].strip() or None, weight=parse_score(vals[4]), score=parse_score(vals[5]),
            note=vals[6].strip() or None, line=line))
    report.rubric_total, report.rubric_total_weight = total, total_weight


def _points_off(label: str) -> str | None:
    s = squash(label)
    if "分" in s:
        s = _POINTS.sub("", s)
    return s or None


_POINTS = re.compile(r"[（(]\s*\d+(\.\d+)?\s*分\s*[)）]")
