"""The provincial workbook (seen in Yunnan): spreadsheet sheets exported
as tab-separated rows. A written part as a grid (一、部门基本情况 | (一) 部门概况 | text),
the 部门整体支出绩效自评表 (部门名称, 部门年度目标 by 财年, 重点工作任务, indicators
with 指标性质 / 指标值 / 度量单位), then any number of 项目支出绩效自评表, each with
项目名称, 主管部门, 实施单位, a budget row, 年度总体目标, scored indicators and 总分."""
from __future__ import annotations

import re

from ..document import Document, Table
from ..model import Finding, Goal, Project, Report, Section
from ..normalise import labels as lab
from ..normalise.values import parse_percent, parse_score, to_number
from . import common, prose
from .common import squash

NAME = "provincial_workbook"


def matches(doc: Document) -> int:
    score = 0
    for labels, text in zip(common.table_labels(doc), common.table_label_texts(doc)):
        if "\n项目名称" in text:   # a label starting so
            score += 3
        if "指标性质" in labels or "度量单位" in labels:
            score += 3
        if "部门总体目标" in labels or "部门职责" in labels:
            score += 2
    return score


_DEPARTMENT_LINE = re.compile(r"^(?:预算)?部门(?:名称)?\s*[:：]\s*(\S+)$")


def parse(doc: Document, report: Report) -> None:
    for ln in prose.lines(doc):
        m = _DEPARTMENT_LINE.match(ln.text) if "部门" in ln.text else None
        if m:
            report.department = prose._tidy_name(m.group(1))
            break
    project: Project | None = None
    for t in doc.tables:
        _written_part(t, report)
        for r, row in enumerate(t.rows):
            labels = [squash(c.text) for c in row.cells]
            first = next((l for l in labels if l), "")
            if first.startswith("项目名称"):
                project = Project(name=_value(row), line=row.line)
                report.projects.append(project)
            elif first.startswith("部门名称") and not report.department:
                report.department = prose._tidy_name(_value(row)) or None
            elif project is not None and first.startswith("主管部门"):
                project.department = _value(row)
                for c, lbl in enumerate(labels):
                    if lbl.startswith("实施单位"):
                        project.implementer = next((x.text.strip() for x in row.cells[c + 1:] if x.text.strip()), None)
            elif "财年" in labels:
                _year_goals(t, r, report)
            elif project is not None and ("预期目标" in labels or common.is_goal_header(labels)):
                project.goal_expected, project.goal_actual, _ = common.goal_after(t, r)
            elif any(l.startswith("三级指标") for l in labels):
                inds, total, _ = common.grid_indicators(t, r)
                if project is not None:
                    project.indicators.extend(inds)
                    weight, score, grade = common.total_row_figures(total)
                    project.total_weight, project.total_score, project.grade = weight, score, grade
                else:
                    report.indicators.extend(inds)
        if project is not None and project.budget_initial is None:
            block = common.budget_block(t)
            if block:
                project.budget_initial = to_number(block.get("initial"))
                project.budget_adjusted = to_number(block.get("adjusted"))
                project.budget_executed = to_number(block.get("executed"))
                project.budget_weight = parse_score(block.get("weight"))
                project.budget_score = parse_score(block.get("score"))
                project.execution_rate_text = block.get("rate") or None
                project.execution_rate = parse_percent(block.get("rate"))


def _value(row) -> str | None:
    """The first non-empty cell after the row's label cell."""
    seen_label = False
    for c in row.cells:
        if c.text.strip():
            if seen_label:
                return c.text.strip()
            seen_label = True
    return None


_YEAR = re.compile(r"(19|20)\d{2}")


def _year_goals(t: Table, r: int, report: Report) -> None:
    """部门年度目标: one row per 财年 (目标 | 实际完成情况); the evaluated year's row is
    the report's goal, later years are plans without outcomes."""
    rows = []
    for row in t.rows[r + 1:]:
        vals = [c.text.strip() for c in row.cells if c.text.strip()]
        if not vals or not _YEAR.fullmatch(vals[0]):
            break
        rows.append((int(vals[0]), vals[1] if len(vals) > 1 else None,
                     vals[2] if len(vals) > 2 and vals[2] not in ("---", "—", "-") else None, row.line))
    for year, expected, actual, line in rows:
        if actual:
            report.goals.append(Goal(expected, actual, line))


_TOP = re.compile(r"^[一二三四五六七八九十]{1,3}、")


def _written_part(t: Table, report: Report) -> None:
    """Rows 'heading | subheading | … | text' of the written part become sections and,
    under problem/measure headings, findings."""
    current: Section | None = None
    for row in t.rows:
        vals = [c.text.strip() for c in row.cells]
        if not vals or not _TOP.match(vals[0] or "") and current is None:
            if current is None:
                continue
        texts = [v for v in vals if v]
        if not texts:
            continue
        if vals[0] and _TOP.match(vals[0]):
            head = vals[0]
            current = Section(head, "", row.line)
            report.sections.append(current)
            texts = texts[1:]
            kind = prose.heading_kind(head)
            if kind and texts:
                report.findings.extend(prose.findings_from_text(texts[-1], kind, row.line))
        elif vals[0]:
            break   # a new table starts
        if not texts:
            continue
        body = texts[-1]
        sub = texts[:-1]
        parts = [f"**{prose.md_escape(s)}**" for s in sub] + [prose.md_escape(body)]
        current.body = (current.body + "\n\n" if current.body else "") + "\n\n".join(parts)
        if sub and prose.heading_kind(sub[-1]) and not prose.heading_kind(current.heading):
            report.findings.extend(prose.findings_from_text(body, prose.heading_kind(sub[-1]), row.line))
