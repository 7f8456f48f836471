"""The report graph: plain dataclasses that layouts fill and the loader stores.

Nothing here knows SQL. Field names follow SCHEMA.md; `*_text` fields keep the
printed text beside each normalised value, and `line` fields point back into the
source document so every fact can be cited.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields


def compact_pickle(cls):
    """Pickle instances of a dataclass as (class, field values in order), rebuilt by
    calling the class: the parsing workers send every report graph to the writer, and
    this form is smaller (no field names, no __dict__) and several times cheaper to
    unpickle than the default one. An instance carrying attributes beyond its fields
    pickles the default way."""
    names = tuple(f.name for f in fields(cls))
    values = operator.attrgetter(*names) if len(names) > 1 else (lambda o: (getattr(o, names[0]),))

    def __reduce_ex__(self, protocol):
        if len(self.__dict__) != len(names):
            return object.__reduce_ex__(self, protocol)
        return cls, values(self)

    cls.__reduce_ex__ = __reduce_ex__
    return cls


@compact_pickle
@dataclass
class FinanceItem:
    statement: str          # income | expenditure | three_public | assets | budget
    item: str               # total, general_budget, basic, ...
    label: str              # the label as printed
    amount: float | None    # 万元
    amount_text: str = ""   # the figure as printed
    unit: str = "all"       # 'all' for the department total / 汇总 row, else the sub-unit
    line: int = 0


@compact_pickle
@dataclass
class Indicator:
    name: str
    level1_raw: str = ""
    level2_raw: str = ""
    level1: str | None = None
    level2: str | None = None
    operator: str | None = None
    target_text: str | None = None
    target_value: float | None = None
    target_unit: str | None = None
    actual_text: str | None = None
    actual_value: float | None = None
    actual_unit: str | None = None
    weight: float | None = None
    weight_text: str | None = None
    score: float | None = None
    score_text: str | None = None
    deviation: str | None = None
    name_raw: str | None = None
    line: int = 0


@compact_pickle
@dataclass
class Project:
    name: str
    department: str | None = None
    implementer: str | None = None
    budget_initial: float | None = None
    budget_adjusted: float | None = None
    budget_executed: float | None = None
    execution_rate: float | None = None
    execution_rate_text: str | None = None
    budget_weight: float | None = None
    budget_score: float | None = None
    total_score: float | None = None
    total_weight: float | None = None
    grade: str | None = None
    goal_expected: str | None = None
    goal_actual: str | None = None
    indicators: list[Indicator] = field(default_factory=list)
    line: int = 0


@compact_pickle
@dataclass
class RubricItem:
    name: str
    level1: str | None = None
    level2: str | None = None
    criterion: str | None = None
    weight: float | None = None
    score: float | None = None
    note: str | None = None
    line: int = 0


@compact_pickle
@dataclass
class Goal:
    expected: str | None
    actual: str | None
    line: int = 0


@compact_pickle
@dataclass
class Task:
    """A row of a department form's key tasks (重点工作任务 / 年度主要任务): what the
    money was for, what was approved and what was spent. Amounts in 万元, beside the
    texts printed."""
    name: str | None
    level: str | None = None           # 项目级次 as printed (一级预算 …)
    content: str | None = None         # 主要内容
    budget: float | None = None        # 批复金额 总额 / 预算数
    budget_text: str | None = None
    budget_fiscal: float | None = None   # of which 财政拨款
    budget_other: float | None = None    # of which 其他资金
    spent: float | None = None         # 实际支出金额 / 执行数
    spent_text: str | None = None
    execution_rate: float | None = None
    execution_rate_text: str | None = None
    note: str | None = None            # 偏差原因及改进措施
    line: int = 0


@compact_pickle
@dataclass
class Finding:
    kind: str               # problem | measure | experience | application
    text: str
    line: int = 0


@compact_pickle
@dataclass
class Person:
    role: str               # contact | filler | evaluator
    name: str
    title: str | None = None
    unit: str | None = None
    phone: str | None = None   # masked
    line: int = 0


@compact_pickle
@dataclass
class Section:
    heading: str
    body: str               # Markdown
    line: int = 0


@compact_pickle
@dataclass
class PetitionStat:
    metric: str
    unit: str
    value: float
    change_pct: float | None = None
    text: str = ""
    line: int = 0


@compact_pickle
@dataclass
class QualityFlag:
    code: str
    severity: str           # error | warning
    message: str


@compact_pickle
@dataclass
class Report:
    department: str | None = None
    department_kind: str | None = None
    fiscal_year: int | None = None
    title: str | None = None
    report_date: str | None = None
    staff_authorized: int | None = None
    staff_actual: int | None = None
    self_score: float | None = None
    self_score_text: str | None = None
    grade: str | None = None
    grade_level: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    region_hint: str = ""   # text that helps resolve the region (titles, publisher lines)
    finance: list[FinanceItem] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    rubric: list[RubricItem] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    petition_stats: list[PetitionStat] = field(default_factory=list)
    flags: list[QualityFlag] = field(default_factory=list)
    budget_weight: float | None = None     # 分值 of the 年度资金总额 (budget execution) row
    budget_score: float | None = None      # 得分 of that row
    budget_execution_rate: float | None = None
    rubric_total: float | None = None      # total score printed under a rubric
    rubric_total_weight: float | None = None  # total 分值 printed under a rubric
    indicator_total_score: float | None = None  # 总分 printed under an indicator table
    indicator_total_weight: float | None = None
    narrative_figures: dict = field(default_factory=dict)  # figures stated in prose

    def finance_amount(self, statement: str, item: str, unit: str = "all") -> float | None:
        for f in self.finance:
            if f.statement == statement and f.item == item and f.unit == unit:
                return f.amount
        return None

    def add_finance(self, item: FinanceItem) -> None:
        """First figure wins: tables are read before narrative, so a table figure is
        never replaced by the same figure restated in prose."""
        if item.amount is None:
            return
        statement, item_, unit = item.statement, item.item, item.unit
        for f in self.finance:
            if f.statement == statement and f.item == item_ and f.unit == unit:
                return
        self.finance.append(item)


@compact_pickle
@dataclass
class ParseResult:
    """What the layout layer returns for one document."""

    layout: str
    reports: list[Report] = field(default_factory=list)
    status: str = "parsed"          # parsed | partial | failed
    errors: list[str] = field(default_factory=list)
    kind: str = "self_evaluation"   # or: not_self_evaluation
