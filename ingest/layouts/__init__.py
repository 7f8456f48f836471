"""Layouts: Document -> report graph.

Each layout module has `matches(doc) -> int` (how strongly the document looks like
its kind) and `parse(doc, report)` (fill what that kind of form holds). The
strongest match parses the document; then the facts every kind states in running
text (department, year, narrative figures, staffing, score in words, petition
statistics, problems and measures, sections) are filled in where still missing.
"""
from __future__ import annotations

import re

from ..document import Document
from ..model import FinanceItem, ParseResult, Person, Report
from ..normalise import labels as lab
from ..normalise.regions import place_prefix_length
from ..read.chars import apply_view, restore_printed
from . import common, county_form, narrative, prose, scored_form, tasks, workbook

LAYOUTS = [county_form, scored_form, workbook, narrative]

_SELF_EVAL = re.compile(r"绩效自评|自评报告|自评表|整体支出绩效|绩效评价|绩效目标")
_NOT_SELF_EVAL = re.compile(r"决算说明|预算说明|部门决算|部门预算|预算公开|决算公开")
_DATE_LABEL = re.compile(r"(报告|填报|评价|编制)日期")
_ATTACHMENT = re.compile(r"^附件\s*\d*$")
_TITLE_WORD = re.compile(r"报告|自评表|评价表|自评情况")


class NotSelfEvaluation(ValueError):
    pass


def choose(doc: Document):
    scored = sorted(((m.matches(doc), i, m) for i, m in enumerate(LAYOUTS)), key=lambda x: (-x[0], x[1]))
    return scored[0][2] if scored and scored[0][0] > 0 else narrative


def parse_document(doc: Document) -> ParseResult:
    """Layouts match on the matching view of the text (Simplified, half-width digits);
    the printed characters are put back into the stored text fields at the end."""
    apply_view(doc)
    prose.forget_lines(doc)
    try:
        result = _parse_document(doc)
    finally:
        prose.forget_lines(doc)
    restore_printed(doc, result.reports)
    return result


_KIND_MESSAGES = {
    "budget_or_final_accounts": "不是绩效自评报告：这是部门预算或决算说明，其中没有绩效自评 / "
                                "not a performance self-evaluation report: a budget or final-accounts statement",
    "policy": "不是绩效自评报告：这是通知或政策文件 / not a performance self-evaluation report: a notice or policy text",
}


def _parse_document(doc: Document) -> ParseResult:
    ls = prose.lines(doc)
    kind, start = prose.document_kind(ls)
    if kind != "self_evaluation":
        if start is None:
            return ParseResult(layout="none", status="failed", kind=kind, errors=[_KIND_MESSAGES[kind]])
        # a 决算说明 (or a notice) that embeds a self-evaluation: that part is the report
        result = _parse_report(_from_line(doc, ls[start].no), context=(doc, ls))
        rep = result.reports[0] if result.reports else None
        if rep is None or not rep.department or not (
                rep.finance or rep.indicators or rep.self_score is not None or rep.grade):
            # only a mention or a blank form (a notice's attached template)
            return ParseResult(layout="none", status="failed", kind=kind, errors=[_KIND_MESSAGES[kind]])
        return result
    full = "\n".join([l.text for l in ls])
    if not _SELF_EVAL.search(full):
        kind = "budget_or_final_accounts" if _NOT_SELF_EVAL.search(full) else "not_self_evaluation"
        return ParseResult(layout="none", status="failed", kind=kind, errors=[
            "不是绩效自评报告：未找到“绩效自评/整体支出绩效/绩效目标”等内容 / "
            "not a performance self-evaluation report"])
    return _parse_report(doc)


def _from_line(doc: Document, line: int) -> Document:
    """The document from the block holding source line `line` on."""
    start = len(doc.blocks)
    for k, b in enumerate(doc.blocks):
        lines = [b.line] if not hasattr(b, "rows") else [c.line for r in b.rows for c in r.cells]
        if any(ln >= line for ln in lines):
            start = k
            break
    return Document(blocks=doc.blocks[start:], file_name=doc.file_name, format=doc.format,
                    encoding=doc.encoding, source_url=doc.source_url, meta=dict(doc.meta))


def _parse_report(doc: Document, context=None) -> ParseResult:
    """Parse one self-evaluation. `context` (whole document, its lines) names the
    department and year when the embedded part does not."""
    ls = prose.lines(doc)
    layout = choose(doc)
    report = Report()
    errors: list[str] = []
    try:
        layout.parse(doc, report)
        common.money_in_wan(doc, report)   # tables printed in 元 (prose figures convert as read)
    except Exception as e:  # a broken section must not lose the rest of the report
        errors.append(f"{layout.NAME} 版式解析出错: {type(e).__name__}: {e}")
    complete_from_prose(doc, ls, report, errors)
    if context is not None:
        identify(report, *context)
    status = "parsed"
    if not report.department or not report.fiscal_year:
        missing = [n for n, v in (("部门名称 department", report.department),
                                  ("年度 fiscal year", report.fiscal_year)) if not v]
        errors.append("未能识别" + "、".join(missing))
    if errors:
        status = "partial"
    if not report.department and not report.fiscal_year and not (report.indicators or report.finance):
        return ParseResult(layout=layout.NAME, status="failed", errors=errors)
    return ParseResult(layout=layout.NAME, reports=[report], status=status, errors=errors)


def identify(report: Report, doc: Document, ls: list[prose.Line]) -> None:
    """Department, its kind and the fiscal year where still missing, and the text that
    helps resolve the region."""
    if not report.department:
        report.department = prose.department_name(doc, ls)
    if report.department and not report.department_kind:
        report.department_kind = department_kind(report.department)
    if not report.fiscal_year:
        report.fiscal_year = prose.fiscal_year(ls)
    report.region_hint = " ".join(l.text for l in ls[:60])


def complete_from_prose(doc: Document, ls: list[prose.Line], report: Report, errors: list[str]) -> None:
    def step(name, fn):
        try:
            fn()
        except Exception as e:
            errors.append(f"{name} 解析出错: {type(e).__name__}: {e}")

    def ids():
        identify(report, doc, ls)
        if not report.report_date:
            for ln in ls:
                if "日期" in ln.text and _DATE_LABEL.search(ln.text):
                    report.report_date = lab.parse_date(ln.text.split("日期", 1)[1])
                    if report.report_date:
                        break
        if not report.report_date:   # a report signed and dated at its end
            report.report_date = prose.signed_date(ls)
        if not report.title:
            report.title = _title(ls)

    def figures():
        figs = prose.narrative_figures(ls)
        report.narrative_figures = figs
        table_statements = {f.statement for f in report.finance}
        for key, (amount, text, line) in figs.items():
            st, item = key.split(".")
            if st not in table_statements:
                report.add_finance(FinanceItem(st, item, text, amount, text, "all", line))

    form = None

    def form_values() -> prose.FormValues:
        nonlocal form
        if form is None:
            form = prose.form_values(doc)
        return form

    def basic_data():
        """The basic data table's staffing and 三公经费 where the layout read none."""
        has_three_public = any(f.statement == "three_public" for f in report.finance)
        if report.staff_actual is not None and report.staff_authorized is not None and has_three_public:
            return
        found = common.basic_data(doc, report.fiscal_year)
        if report.staff_authorized is None:
            report.staff_authorized = found.staff_authorized
        if report.staff_actual is None:
            report.staff_actual = found.staff_actual
        if not has_three_public:
            for item in found.three_public:
                report.add_finance(item)

    def staff():
        if report.staff_authorized is None:
            report.staff_authorized = form_values().staff_authorized
        if report.staff_actual is None:
            report.staff_actual = form_values().staff_actual
        if report.staff_authorized is None or report.staff_actual is None:
            a, b = prose.staff_counts(ls)
            if report.staff_authorized is None:
                report.staff_authorized = a
            if report.staff_actual is None:
                report.staff_actual = b

    def score():
        if report.self_score is None or not report.grade:
            found = form_values()
            if report.self_score is None and found.self_score is not None:
                report.self_score, report.self_score_text = found.self_score, found.self_score_text
            if not report.grade and found.grade:
                report.grade = found.grade
        s, text, grade = prose.score_and_grade(ls)
        if report.self_score is None and s is not None:
            report.self_score, report.self_score_text = s, text
        if not report.grade and grade:
            report.grade = grade
        report.grade_level = lab.grade_level(report.grade)

    def people():
        if not any(p.role == "filler" for p in report.people):
            found = prose.filler(ls)
            if found:
                report.people.append(Person("filler", found[0], phone=found[1], line=found[2]))
        if not report.contact_name:
            found = form_values().contact or prose.contact(ls)
            if found:
                report.contact_name, report.contact_phone = found[0], found[1]
                report.people.append(Person("contact", found[0], phone=found[1], line=found[2]))

    def narrative_parts():
        nl = prose.narrative_lines(doc, ls)
        if not report.sections:
            report.sections = prose.sections_from_lines(nl)
        if not report.findings:
            report.findings = prose.findings(nl) or prose.findings(ls) or prose.inline_findings(ls)
        if not report.projects:
            report.projects = prose.narrative_projects(ls)
        if not report.petition_stats:
            report.petition_stats = prose.petition_stats(ls)

    def form_tables():
        """A department form's goal and budget rows, where the layout read none and the
        report has no projects (whose forms hold such rows of their own)."""
        if report.projects:
            return
        if not report.goals:
            goal = common.first_goal(doc)
            if goal:
                report.goals.append(goal)
        if report.budget_execution_rate is None and not any(f.statement == "budget" for f in report.finance):
            found = common.first_budget_block(doc)
            if found:
                common.apply_budget_block(found[1], report, common.table_money_unit(doc, found[0]))

    def key_tasks():
        if not report.tasks:
            report.tasks = tasks.first_tasks(doc)

    for name, fn in (("部门与年度", ids), ("基础数据表", basic_data), ("叙述中的金额", figures),
                     ("人员", staff), ("得分与等次", score), ("填报人", people),
                     ("报告正文", narrative_parts), ("表格中的目标与预算", form_tables),
                     ("重点工作任务", key_tasks)):
        step(name, fn)


def department_kind(name: str) -> str | None:
    """信访局 from 醴陵市信访局: the name after the place names the gazetteer knows
    (市场监督管理局 keeps its 市)."""
    kind = name[place_prefix_length(name):]
    return kind or None


def _title(ls: list[prose.Line]) -> str | None:
    parts = []
    for ln in ls[:8]:
        t = ln.text.strip()
        if _ATTACHMENT.match(t):
            continue
        parts.append(t)
        if _TITLE_WORD.search(t):
            return "".join(parts)[:120]
        if len(parts) >= 3:
            break
    return None
