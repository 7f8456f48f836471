"""A synthetic national corpus for measuring scale: `jixiao synth --reports N --out DIR`.

Documents are built, not copied: each is a template of one of the layouts the ingest
knows, filled with generated content, so the real readers and parsers run on them.

- county_form / county_form_rubric: the Hunan county department form (one cell per
  tab-indented line), the second with a 评分表 scoring sheet and the written report
  inside the form;
- scored_form: the one-page scored department form (年初/全年预算数/全年执行数);
- workbook: the provincial workbook exported as tab-separated rows, with project sheets;
- narrative: a running-text report with numbered indicator lists.

Departments are real county-level units from the gazetteer (`normalise.regions`), named
prefecture + county + kind (株洲市醴陵市信访局); each department keeps its layout,
staffing scale and people over the years it reports (a decade at full size). Money is
generated in hundredths of 万元 so the printed parts add up (人员 + 公用 = 基本, 基本 +
项目 = 支出合计, …), except in the documents that get a deliberate inconsistency
(about 8 %: a part that does not add up, a score above its weight, a total score that is
not the sum, spending above the budget, a narrative figure that differs from the table,
another department's self-description, or a paragraph copied from another department),
so quality flags appear at a realistic rate.

Deterministic: document i of seed s depends only on (s, i, N) — the same bytes every
run, on any machine, whatever the number of worker processes. File names are
``BBB/IIIIII_<digest>.txt`` (1,000 per folder), stable for a given seed and N.
A manifest of what was intended (``.manifest.tsv``: file, variant, parser layout,
department, fiscal year, region code, injected flag) is written next to the documents;
its leading dot keeps it out of an ingest of the folder.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from . import workers_or_default
from .synth_content import (ACCORDING, DEVIATIONS, GENERIC_INDICATORS, GIVEN, KINDS,
                            MANAGEMENT, MEASURES, PROBLEMS, SURNAMES, TEXT_ACTUALS,
                            TEXT_TARGETS, TIME_TARGETS, TITLES, Kind)

GENERATOR_VERSION = "2"
FIRST_YEAR = 2015
YEARS = 10                      # fiscal years per department at full size

# variant -> the layout name the parser records (documents.layout)
PARSER_LAYOUT = {
    "county_form": "county_form",
    "county_form_rubric": "county_form",
    "scored_form": "department_scored_form",
    "workbook": "provincial_workbook",
    "narrative": "narrative_report",
}
VARIANTS = tuple(PARSER_LAYOUT)
# Departments take their layout from this cycle (county forms are the most common).
_CYCLE = ("county_form", "workbook", "scored_form", "narrative", "county_form_rubric",
          "county_form", "narrative", "workbook", "scored_form", "county_form")
INJECT_RATE = 0.08
COPY_RATE = 0.004


# ---------------------------------------------------------------------------- places

@dataclass(frozen=True)
class Place:
    code: str
    province: str
    prefecture: str | None
    county: str

    @property
    def suffix(self) -> str:
        """县 / 市 / 区 / 旗: how the report says 'the whole county' (全县)."""
        for s in ("县", "市", "区", "旗"):
            if self.county.endswith(s):
                return s
        return "县"

    def department(self, kind: str) -> str:
        head = self.prefecture if self.prefecture and self.prefecture != self.county else ""
        return head + self.county + kind


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """County-level units of the mainland whose department names resolve back to them
    (a few same-named districts are left out), in code order."""
    from .normalise.regions import gazetteer, resolve

    out = []
    for r in sorted(gazetteer().by_code.values(), key=lambda r: r.code or ""):
        if r.level != "county" or not r.code or r.code[:2] in ("71", "81", "82"):
            continue
        if not r.province or r.name.endswith("市辖区"):
            continue
        p = Place(r.code, r.province, r.prefecture, r.name)
        got = resolve(p.department("信访局"))
        if got is not None and got.code == r.code:
            out.append(p)
    return tuple(out)


# ---------------------------------------------------------------------------- plan

@dataclass(frozen=True)
class Slot:
    """What document i is: which department (place and kind), which year, which layout."""
    index: int
    department_index: int
    place: Place
    kind: Kind
    year: int
    variant: str

    @property
    def name(self) -> str:
        return self.place.department(self.kind.kind)

    @property
    def short(self) -> str:
        return self.place.county + self.kind.kind


def departments_for(n: int) -> int:
    return max(min(n, 10), -(-n // YEARS))


@lru_cache(maxsize=8)
def _permutation(seed: int) -> tuple[int, ...]:
    order = list(range(len(places())))
    random.Random(f"jixiao-synth:{seed}:places").shuffle(order)
    return tuple(order)


@lru_cache(maxsize=8)
def _kind_offsets(seed: int) -> tuple[int, ...]:
    """Per place, where its cycle through the department kinds starts (so a county's
    departments are of different kinds, and every kind is as common as the others)."""
    rng = random.Random(f"jixiao-synth:{seed}:kinds")
    return tuple(rng.randrange(len(KINDS)) for _ in places())


def slot(seed: int, i: int, n: int) -> Slot:
    ps = places()
    d_count = departments_for(n)
    d, year_index = i % d_count, i // d_count
    perm = _permutation(seed)
    place = ps[perm[d % len(ps)]]
    kind = KINDS[(d // len(ps) + _kind_offsets(seed)[perm[d % len(ps)]]) % len(KINDS)]
    return Slot(i, d, place, kind, FIRST_YEAR + year_index % YEARS,
                _CYCLE[(d + seed) % len(_CYCLE)])


# ---------------------------------------------------------------------------- helpers

def _rng(seed: int, *key) -> random.Random:
    return random.Random("jixiao-synth:" + ":".join(str(k) for k in (seed,) + key))


def money(cents: int) -> str:
    """Hundredths of 万元 as printed: 30842 -> '308.42'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _person(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.45:
        return rng.choice(("139", "138", "137", "135", "186", "158", "159", "177", "182")) + \
            "".join(str(rng.randrange(10)) for _ in range(8))
    return str(rng.randrange(2, 9)) + "".join(str(rng.randrange(10)) for _ in range(6))


_SLOT = re.compile(r"\{([NPM]):(\d+)-(\d+)\}|\{([CGD]|Y1?)\}")


def fill(template: str, rng: random.Random, ctx: dict) -> str:
    def sub(m):
        if m.group(4):
            return str(ctx[m.group(4)])
        kind, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
        if kind == "N":
            return str(rng.randint(lo, hi))
        if kind == "P":
            return f"{rng.uniform(lo, hi):.1f}".rstrip("0").rstrip(".")
        return money(rng.randint(lo * 100, hi * 100))
    return _SLOT.sub(sub, template)


def _grade(score: float, rng: random.Random) -> str:
    if score >= 90:
        return rng.choice(("优", "优秀", "优秀"))
    if score >= 80:
        return rng.choice(("良", "良好", "良好"))
    if score >= 60:
        return rng.choice(("中", "合格", "一般"))
    return rng.choice(("差", "较差"))


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


# ---------------------------------------------------------------------------- facts

@dataclass
class Ind:
    l1: str
    l2: str
    name: str
    operator: str
    target: str          # as printed, with the operator (county / narrative forms)
    target_value: str    # the number alone (workbook 指标值)
    unit: str
    actual: str
    weight: int = 0
    score: float = 0.0
    deviation: str = ""


@dataclass
class Unit:
    name: str
    income: dict
    expenditure: dict


@dataclass
class Project:
    name: str
    implementer: str
    initial: int
    adjusted: int
    executed: int
    budget_weight: int
    budget_score: float
    indicators: list
    expected: str
    actual: str
    total_score: float = 0.0


@dataclass
class Facts:
    slot: Slot
    rng: random.Random
    ctx: dict
    report_date: tuple[int, int, int]
    staff_authorized: int
    staff_actual: int
    retired: int
    contact: str
    contact_phone: str
    filler: str
    filler_phone: str
    evaluators: list
    units: list                      # [Unit]: the 汇总 row first
    three_public: dict
    assets: dict
    budget: dict                     # initial / adjusted / executed (scored form)
    indicators: list
    goals: list                      # [(expected, actual)]
    tasks: list
    achievement: str                 # the department's own paragraph of the year
    achievements: list
    duties: list
    problems: list
    measures: list
    self_score: float
    grade: str
    projects: list = field(default_factory=list)
    rubric: list = field(default_factory=list)
    inject: str | None = None
    copied: str | None = None         # a paragraph copied from another department

    @property
    def total(self) -> Unit:
        return self.units[0]


def _split(rng: random.Random, total: int, parts: int, minimum: int = 1) -> list[int]:
    """`total` split into `parts` positive integers."""
    if parts <= 1:
        return [total]
    cuts = sorted(rng.sample(range(1, max(2, total - minimum * parts) + 1), parts - 1))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [max(2, total - minimum * parts) + 1])]
    sizes[-1] -= 1
    sizes = [s + minimum for s in sizes]
    sizes[-1] += total - sum(sizes)
    return sizes


def _finance_unit(rng: random.Random, staff: int, year: int, project_share: float) -> tuple[dict, dict]:
    growth = 1.0 + 0.045 * (year - FIRST_YEAR)
    personnel = int(staff * rng.uniform(9.0, 15.0) * growth * 100)
    public = int(personnel * rng.uniform(0.12, 0.7))
    basic = personnel + public
    project = int(basic * project_share * rng.uniform(0.5, 1.5)) if project_share else 0
    total = basic + project
    carry = rng.choice((0, 0, 0, int(total * rng.uniform(0.005, 0.05))))
    other = rng.choice((0, 0, 0, int(total * rng.uniform(0.003, 0.03))))
    fund = rng.choice((0, 0, 0, 0, int(total * rng.uniform(0.01, 0.1))))
    surplus_year = rng.choice((0, 0, rng.randint(-300, 1500)))
    general = total + surplus_year - carry - other - fund
    if general <= 0:
        general, surplus_year = total - carry - other - fund, 0
    income = {"carryover": carry, "general_budget": general, "gov_fund": fund,
              "special_nontax": 0, "other": other}
    income["total"] = sum(income.values())
    exp = {"total": total, "basic": basic, "personnel": personnel, "public": public,
           "project": project, "surplus_year": income["total"] - total,
           "surplus_total": carry + income["total"] - total}
    return income, exp


def _value(rng: random.Random, kind: str) -> tuple[str, str, str, str, str]:
    """(operator, target as printed, target number, unit, actual as printed)."""
    if kind == "pct":
        t = rng.choice((80, 85, 90, 95, 95, 98, 100, 100))
        op = "=" if t == 100 and rng.random() < 0.5 else "≥"
        a = min(100.0, t + rng.choice((0, 0, 0.5, 1, 2, 3))) if rng.random() > 0.08 else t - rng.uniform(0.5, 6)
        actual = f"{a:.1f}".rstrip("0").rstrip(".") + "%"
        return op, f"{op}{t}%", f"{t:.2f}", "%", actual
    if kind.startswith("count"):
        unit = kind.split("|", 1)[1]
        t = rng.choice((4, 6, 10, 12, 20, 30, 50, 100, 200, 500, 1000, 3000))
        a = int(t * rng.uniform(0.9, 1.6))
        return "≥", f"≥{t}{unit}", f"{t:.2f}", unit, f"{a}{unit}"
    if kind == "money":
        t = rng.randint(5, 400)
        a = round(t * rng.uniform(0.7, 1.0), 2)
        return "≤", f"≤{t}万元", f"{t:.2f}", "万元", f"{a:.2f}万元"
    if kind == "time":
        t = rng.choice(TIME_TARGETS)
        return "=", t, t, "", rng.choice(("按时完成", "已按时完成", t))
    t = rng.choice(TEXT_TARGETS)
    return "=", t, t, "", rng.choice(TEXT_ACTUALS)


def _level1(l2: str) -> str:
    if l2 in ("数量指标", "质量指标", "时效指标", "成本指标"):
        return "产出指标"
    if l2 == "满意度指标":
        return "满意度指标"
    return "效益指标"


def _indicators(rng: random.Random, kind: Kind, count: int) -> list[Ind]:
    pool = list(kind.indicators) + [g for g in GENERIC_INDICATORS if rng.random() < 0.5]
    rng.shuffle(pool)
    picked = []
    seen = set()
    # one satisfaction indicator, at least one 产出 and one 效益 indicator
    for need in ("满意度指标", "产出", "效益"):
        for spec in pool:
            l1 = _level1(spec[0])
            if spec[1] not in seen and (spec[0] == need or l1.startswith(need)):
                picked.append(spec)
                seen.add(spec[1])
                break
    for spec in pool:
        if len(picked) >= count:
            break
        if spec[1] in seen or spec[0] == "满意度指标":
            continue
        picked.append(spec)
        seen.add(spec[1])
    order = ("数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
             "生态效益指标", "可持续影响指标", "满意度指标")
    picked.sort(key=lambda s: order.index(s[0]))
    out = []
    for l2, name, vkind in picked:
        op, target, tnum, unit, actual = _value(rng, vkind)
        out.append(Ind(_level1(l2), l2, name, op, target, tnum, unit, actual,
                       deviation=rng.choice(DEVIATIONS) if rng.random() < 0.06 else ""))
    return out


def _weights(rng: random.Random, inds: list[Ind], groups: dict[str, int]) -> None:
    """Integer weights summing to each 一级指标's points; scores at or below them."""
    for l1, points in groups.items():
        rows = [x for x in inds if x.l1 == l1]
        if not rows:
            continue
        for x, w in zip(rows, _split(rng, points, len(rows), 2)):
            x.weight = w
            x.score = w if rng.random() < 0.8 else max(0, w - rng.choice((0.5, 1, 1, 2)))


def _achievement(seed: int, s: Slot) -> str:
    """The department's paragraph on the year's work: figures make it its own."""
    rng = _rng(seed, s.index, "achievement")
    ctx = {"C": s.place.county, "Y": s.year, "G": s.place.suffix, "D": s.kind.domain}
    picks = rng.sample(s.kind.achievements, k=min(len(s.kind.achievements), rng.choice((2, 3))))
    body = "；".join(fill(p, rng, ctx) for p in picks)
    lead = rng.choice(("{Y}年，我{G}{D}工作总体平稳有序。", "{Y}年，{C}{D}各项工作稳步推进。",
                       "一年来，全{G}{D}工作取得新进展。"))
    return fill(lead, rng, ctx) + body + "。"


def facts(seed: int, i: int, n: int) -> Facts:
    s = slot(seed, i, n)
    rng = _rng(seed, i)
    drng = _rng(seed, "department", s.department_index)     # stable over the years
    kind = s.kind
    g = s.place.suffix
    ctx = {"C": s.place.county, "Y": s.year, "G": g, "D": kind.domain, "Y1": s.year + 1}

    staff_base = drng.choice((6, 8, 10, 12, 15, 18, 24, 30, 45, 60, 90))
    staff_authorized = staff_base + drng.randint(0, 4)
    staff_actual = max(3, staff_authorized - rng.randint(0, 3))
    contact = _person(drng)
    contact_phone = _phone(drng)
    filler, filler_phone = (contact, contact_phone) if drng.random() < 0.6 else (_person(drng), _phone(drng))
    evaluators = [(_person(drng), TITLES[k]) for k in sorted(drng.sample(range(len(TITLES)), drng.randint(2, 4)))]

    project_share = rng.choice((0, 0.1, 0.3, 0.6, 1.0, 1.6))
    n_sub = drng.choice((0, 0, 0, 1, 1, 2)) if kind.subunits else 0
    units = []
    sub_staff = _split(rng, staff_actual, n_sub + 1, 1) if n_sub and staff_actual > n_sub + 2 else [staff_actual]
    names = ["局机关"] + list(kind.subunits[:len(sub_staff) - 1])
    for name, st in zip(names, sub_staff):
        inc, exp = _finance_unit(rng, st, s.year, project_share)
        units.append(Unit(name, inc, exp))
    total = Unit("all", {k: sum(u.income[k] for u in units) for k in units[0].income},
                 {k: sum(u.expenditure[k] for u in units) for k in units[0].expenditure})
    units.insert(0, total)

    reception = rng.randint(10, 600)
    running = rng.choice((0, 0, rng.randint(100, 2500)))
    purchase = rng.choice((0,) * 12 + (rng.randint(1200, 3500),))
    overseas = 0
    three = {"reception": reception, "vehicle_running": running, "vehicle_purchase": purchase,
             "overseas": overseas}
    three["total"] = sum(three.values())
    in_use = int(total.expenditure["total"] * rng.uniform(0.1, 0.6))
    leased = rng.choice((0,) * 8 + (rng.randint(100, 2000),))
    assets = {"in_use": in_use, "leased": leased, "other": 0}
    assets["total"] = in_use + leased

    executed = total.expenditure["total"]
    adjusted = executed + rng.choice((0, 0, 0, rng.randint(0, 2000)))
    if rng.random() < 0.05:         # spending above the budget happens in real reports
        adjusted = executed - rng.randint(50, 900)
    initial = int(adjusted * rng.uniform(0.8, 1.0))
    budget = {"initial": initial, "adjusted": adjusted, "executed": executed}

    inds = _indicators(rng, kind, rng.randint(5, 13))
    goals = [(f"进一步{t}。", None) for t in rng.sample(kind.tasks, k=min(4, len(kind.tasks)))]
    tasks = rng.sample(kind.tasks, k=min(len(kind.tasks), rng.randint(4, 6)))
    achievement = _achievement(seed, s)
    achievements = [fill(a, rng, ctx) for a in kind.achievements]
    duties = [d.replace("{G}", g) for d in drng.sample(kind.duties, k=len(kind.duties))]
    problems = rng.sample(PROBLEMS, k=rng.randint(2, 3))
    measures = rng.sample(MEASURES, k=rng.randint(2, 3))
    score = round(rng.choice((rng.uniform(85, 100), rng.uniform(90, 100), rng.uniform(70, 95))), 1)
    if rng.random() < 0.5:
        score = float(round(score))
    f = Facts(s, rng, ctx, (s.year + 1, rng.randint(2, 9), rng.randint(1, 28)), staff_authorized,
              staff_actual, rng.randint(0, staff_actual // 2), contact, contact_phone, filler,
              filler_phone, evaluators, units, three, assets, budget, inds, goals, tasks,
              achievement, achievements, duties, problems, measures, score, _grade(score, rng))
    f.goals = [(e, None) for e, _ in goals]
    if rng.random() < COPY_RATE:
        other = slot(seed, (i + 7919 * (1 + rng.randrange(50))) % n, n) if n > 1 else s
        if other.department_index != s.department_index:
            f.copied = _achievement(seed, other)
    if rng.random() < INJECT_RATE:
        f.inject = rng.choice(_INJECTIONS[s.variant])
    return f


_INJECTIONS = {
    "county_form": ("sum_mismatch", "narrative_table_mismatch", "other_department_named"),
    "county_form_rubric": ("sum_mismatch", "score_exceeds_weight", "total_score_mismatch",
                           "other_department_named"),
    "scored_form": ("sum_mismatch", "score_exceeds_weight", "total_score_mismatch", "overspent"),
    "workbook": ("score_exceeds_weight", "total_score_mismatch", "overspent"),
    "narrative": ("sum_mismatch", "other_department_named"),
}


def _names_in_title(f: Facts) -> bool:
    """One title line that starts with the department's name, instead of the name on
    its own line above the title (always for a finance bureau, see above)."""
    return f.slot.kind.kind == "财政局" or f.rng.random() < 0.3


def _other_department(f: Facts) -> str:
    kinds = [k for k in KINDS if k.kind != f.slot.kind.kind]
    return f.slot.place.county + f.rng.choice(kinds).kind


# ---------------------------------------------------------------------------- writers

def cells(rows: list[list[str]]) -> list[str]:
    """Rows in the one-cell-per-line export: a tab before each cell's first line, its
    further lines below it, a blank line after each row."""
    out = []
    for row in rows:
        for cell in row:
            first, *rest = cell.split("\n")
            out.append("\t" + first)
            out.extend(rest)
        out.append("")
    return out


def tsv(rows: list[list[str]]) -> list[str]:
    return ["\t".join(r) for r in rows]


def _duties(f: Facts) -> str:
    """The department's duties: the kind's standard wording, placed by the county."""
    return (f"根据{f.slot.place.county}机构改革方案，{f.slot.short}的主要职责是："
            + "；".join(f.duties) + "。")


def _boilerplate(f: Facts) -> str:
    """Financial-management text every department copies from the same few templates
    (shared this widely, it is boilerplate, not a copy)."""
    k = f.rng.randrange(3)
    return "".join(MANAGEMENT[2 * k:2 * k + 4])


def _items(items: list[str]) -> list[str]:
    """Problems or measures, one line each: 一是…； 二是…。"""
    marks = "一二三四五六七八九"
    return [f"{marks[k]}是{t}" + ("。" if k == len(items) - 1 else "；") for k, t in enumerate(items)]


def _finance_sentences(f: Facts, for_table: bool = True) -> list[str]:
    """The prose restating the money figures (a narrative_table_mismatch injection
    changes one of them)."""
    e = dict(f.total.expenditure)
    if f.inject == "narrative_table_mismatch":
        e["personnel"] += f.rng.choice((-1, 1)) * f.rng.randint(100, 2000)
    y = f.slot.year
    out = [f"{y}年度财政拨款基本支出{money(e['basic'])}万元，其中：人员经费{money(e['personnel'])}万元，"
           f"用于基本工资、津贴补贴、奖金、绩效工资、机关事业单位基本养老保险缴费、住房公积金；"
           f"公用经费{money(e['public'])}万元，用于办公费、印刷费、水电费、差旅费等日常开支。"]
    if e["project"]:
        out.append(f"{y}年度项目支出{money(e['project'])}万元，主要用于"
                   + "、".join(f.rng.sample(f.slot.kind.projects, k=min(2, len(f.slot.kind.projects))))
                   + "等方面。")
    t = f.three_public
    control = t["total"] + f.rng.randint(0, 300)
    share = f"{t['total'] / control * 100:.2f}%" if control else "0%"
    change = f.rng.randint(-400, 400)
    trend = f"较上年{'增加' if change > 0 else '减少'}{money(abs(change))}万元" if change else "与上年持平"
    out.append(f"{f.slot.year}年度“三公”经费支出合计{money(t['total'])}万元，{trend}，"
               f"财政下达控制数为{money(control)}万元，"
               f"完成控制数的{share}，其中公务接待费{money(t['reception'])}万元，"
               f"公务用车购置及运行维护费{money(t['vehicle_running'] + t['vehicle_purchase'])}万元，"
               f"因公出国（境）费0万元。")
    return out


def _intro(f: Facts) -> str:
    s = f.slot
    if f.inject == "other_department_named":
        who = _other_department(f)
    else:
        who = s.short
    level = f.rng.choice(("正科级行政机关", "政府工作部门", "一级预算单位"))
    return (f"{who}为{s.place.county}人民政府{level}，内设股室{f.rng.randint(2, 8)}个，"
            f"现有编制{f.staff_authorized}名，实有人数{f.staff_actual}人，退休人员{f.retired}人。")


def _written_report(f: Facts, numbered_heads: bool = True) -> list[str]:
    """The written report: headed sections of running text."""
    s, rng = f.slot, f.rng
    lines = ["一、部门（单位）概况", _intro(f)]
    lines.append(_duties(f))
    lines.extend(_finance_sentences(f))
    lines += ["二、部门（单位）整体支出管理及使用情况", _boilerplate(f)]
    lines += ["三、部门（单位）整体支出绩效情况", f.achievement]
    if f.copied:
        lines.append(f.copied)
    lines += _task_paragraphs(f)
    lines.append(f"我单位{s.year}年度绩效目标基本完成，所有经费支出均按相关管理制度执行。")
    lines += ["四、存在的主要问题"] + _items(f.problems)
    lines += ["五、改进措施和有关建议"] + _items(f.measures)
    return lines


def _task_paragraphs(f: Facts) -> list[str]:
    """A sub-heading and a sentence with the year's figures for each main task."""
    out = []
    for k, (task, ach) in enumerate(zip(f.tasks, f.achievements * 2), 1):
        lead = f.rng.choice(("围绕{t}，", "为{t}，", "在{t}方面，")).format(t=task)
        out += [f"（{'一二三四五六七八'[k - 1]}）{task}",
                lead + f.rng.choice(("加强统筹协调，", "压实工作责任，", "细化工作措施，")) + ach + "。"]
    return out


# --- county form ---------------------------------------------------------------

def _county_finance_rows(f: Facts) -> list[list[str]]:
    rows: list[list[str]] = []
    units = f.units
    inj = f.inject == "sum_mismatch"

    def label(k: int, u: Unit) -> str:
        return "局机关及二级机构汇总" if k == 0 else f"{k}、{u.name}"

    def amt(c: int, blank_zero: bool = True) -> str:
        return "" if (c == 0 and blank_zero) else money(c)

    blank_units = ["二级机构1", "二级机构2"][: max(0, 2 - (len(units) - 2))]
    rows += [["年度收入情况（万元）"],
             ["机构名称", "收入合计", "其中："],
             ["", "", "上年结转", "公共财政拨款", "政府基金拨款", "纳入专户管理的非税收入拨款", "其他收入"]]
    for k, u in enumerate(units):
        i = u.income
        rows.append([label(k, u), money(i["total"]), amt(i["carryover"]), money(i["general_budget"]),
                     amt(i["gov_fund"]), amt(i["special_nontax"]), amt(i["other"])])
    for k, name in enumerate(blank_units, len(units)):
        rows.append([f"{k}、{name}"] + [""] * 6)
    rows += [["部门（单位）年度支出和结余情况（万元）"],
             ["机构名称", "支出合计", "其中：", "结余"],
             ["", "", "基本支出", "其中：", "项目支出", "当年结余", "累计结余"],
             ["", "", "", "人员支出", "公用支出", "", "", ""]]
    for k, u in enumerate(units):
        e = dict(u.expenditure)
        if inj and k == 0:
            e["basic"] += f.rng.choice((-1, 1)) * f.rng.randint(20, 500)
        rows.append([label(k, u), money(e["total"]), money(e["basic"]), money(e["personnel"]),
                     money(e["public"]), amt(e["project"]), money(e["surplus_year"]),
                     money(e["surplus_total"])])
    for k, name in enumerate(blank_units, len(units)):
        rows.append([f"{k}、{name}"] + [""] * 7)
    t = f.three_public
    rows += [["机构名称", "三公经费\n合计", "其中："],
             ["", "", "公务接待费", "公务用车运维费", "公务用车购置费", "因公出国费"],
             ["局机关及二级机构汇总", money(t["total"]), money(t["reception"]), money(t["vehicle_running"]),
              money(t["vehicle_purchase"]), money(t["overseas"])]]
    for k, u in enumerate(units[1:], 1):
        rows.append([label(k, u)] + [""] * 5)
    a = f.assets
    rows += [["机构名称", "固定资产\n合计", "其中：", "其他"],
             ["", "", "在用固定资产", "出租固定资产", ""],
             ["局机关及二级机构汇总", money(a["total"]), money(a["in_use"]), amt(a["leased"]), ""]]
    for k, u in enumerate(units[1:], 1):
        rows.append([label(k, u)] + [""] * 4)
    return rows


def _county_indicator_rows(f: Facts) -> list[list[str]]:
    rows = [["整体支出\n绩效定量目标及实施计划\n完成情况", "评价内容", "绩效目标", "完成情况"]]
    heads = {"产出指标": "产出目标\n（部门工作实绩，包含上级部门和{G}委{G}政府布置的重点工作、实事任务等，根据部门实际进行调整细化）",
             "效益指标": "效益目标\n（预期实现的效益）", "满意度指标": "效益目标\n（预期实现的效益）"}
    l2_print = {"经济效益指标": "经济效益", "社会效益指标": "社会效益", "生态效益指标": "生态效益",
                "可持续影响指标": "可持续影响", "满意度指标": "社会公众或服务对象满意度"}
    last_l1 = last_l2 = None
    k = 0
    inds = f.indicators
    i = 0
    while i < len(inds):
        x = inds[i]
        head = heads[x.l1].replace("{G}", f.slot.place.suffix)
        l1 = head if head != last_l1 else ""
        if x.l2 != last_l2:
            k = 0
        l2 = l2_print.get(x.l2, x.l2) if x.l2 != last_l2 else ""
        last_l1, last_l2 = head, x.l2
        k += 1
        name = f"指标{k}：{x.name}"
        actual = x.actual
        # now and then two items share one cell (one cell, several indicators)
        if (i + 1 < len(inds) and inds[i + 1].l2 == x.l2 and x.l2 != "满意度指标"
                and f.rng.random() < 0.15):
            k += 1
            name += f"\n指标{k}：{inds[i + 1].name}"
            i += 1
        rows.append(["", l1, l2, name, actual])
        i += 1
    return rows


def _evaluator_rows(f: Facts) -> list[list[str]]:
    rows = [["四、评价人员"], ["姓  名", "职务/职称", "单  位", "签  字"]]
    unit = f.slot.short if f.rng.random() < 0.7 else f.slot.kind.kind
    for name, title in f.evaluators:
        shown = name[0] + "  " + name[1:] if len(name) == 2 and f.rng.random() < 0.3 else name
        rows.append([shown, title, unit, ""])
    rows.append(["", "", "", ""])
    return rows


_SIGNATURES = [
    "\t评价组组长（签字）：",
    "",
    "                                                                     年    月    日",
    "",
    "\t部门（单位）意见：",
    "",
    "                                         部门（单位）负责人（签章）：",
    "",
    "                                                                     年    月    日",
    "",
    "\t财政部门归口业务科室意见：",
    "",
    "                               财政部门归口业务科室负责人（签章）：",
    "",
    "                                                                     年    月   日",
    "",
    "",
]


def render_county_form(f: Facts, rubric: bool = False) -> str:
    s, rng = f.slot, f.rng
    y, (ry, rm, rd) = s.year, f.report_date
    lines: list[str] = []
    if not rubric:
        lines += ["附件2", f"{s.place.county}{y}年度部门整体支出", "", "绩效评价自评报告", "",
                  f"部门(单位)名称    {s.name}" + " " * rng.randint(0, 30), "",
                  "评价方式：部门（单位）绩效自评", "评价机构：部门（单位）评价组   ",
                  f"报告日期： {ry}年 {rm}月{rd} 日", "", f"{s.place.county}财政局（制）", "",
                  "\t一、部门（单位）基本概况", ""]
    else:
        lines += [" \t一、部门（单位）基本概况", ""]
    g = s.place.suffix
    tasks = ("\n".join(f"任务{k}：{t}；" for k, t in enumerate(f.tasks, 1)) if rubric
             else "；".join(f"{k}、{t}" for k, t in enumerate(f.tasks, 1)) + "。")
    ach = ("\n".join(f"{k}：{a}。" for k, a in enumerate(f.achievements, 1)) if rubric
           else f.achievement)
    rows = [["联系人", f.contact, "联络电话", f.contact_phone],
            ["人员编制", str(f.staff_authorized), "实有人数", str(f.staff_actual)],
            ["职能职责概述", _duties(f)],
            ["年度主要\n工作内容" if rubric else "年度主要工作内容", tasks],
            ["年度部门（单位）总体运行情况及取得的成绩", ach],
            ["二、部门（单位）收支情况"]]
    rows += _county_finance_rows(f)
    rows.append(["三、部门（单位）整体支出绩效自评情况"])
    expected = "\n".join((f"目标{k}：" if rubric else f"（{'一二三四五六'[k - 1]}）") + e
                         for k, (e, _) in enumerate(f.goals, 1))
    actual = "\n".join(f"{k}、{a}。" for k, a in enumerate(f.achievements, 1))
    rows += [["整体支出绩效定性目标及实施计划完成情况", "预期目标", "实际完成"], ["", expected, actual]]
    rows += _county_indicator_rows(f)
    score = f.self_score
    if rubric:
        score = sum(r[5] for r in f.rubric)
    rows += [["绩效自评综合得分", _num(score)], ["评价等次", f.grade]]
    rows += _evaluator_rows(f)
    lines += cells(rows)
    lines += _SIGNATURES
    lines.append(f"填报人（签名）：{f.filler}" + " " * rng.randint(4, 25) + f"联系电话：{f.filler_phone}")
    if not rubric:
        lines += ["\t五、评价报告综述（文字部分）", ""]
        lines += _written_report(f)
        lines.append(" ")
    else:
        title = f"{y}年部门整体支出绩效评价报告"
        # a finance bureau's name on the line above a title reads as the publisher of
        # the page (prose._name_from_titles), so its own report names itself in the title
        head = [s.name + title] if _names_in_title(f) else [s.name, title]
        body = [fill(rng.choice(ACCORDING), rng, f.ctx)] + _written_report(f)
        lines += ["\t" + head[0]] + head[1:] + body
        lines += ["", "", "", ""]
        lines += _rubric_lines(f)
    return "\n".join(lines) + "\n"


# The scoring sheet (评分表) is a provincial standard: the same items and weights for
# every department; only the scores and notes differ.
RUBRIC = (
    ("投  入\n（15分）", "预算配置\n（15分）", (
        ("财政供养人员\n控制率", "以100%为标准。在职人员控制率≦100%，计5分；每超过一个百分点扣0.5分，扣完为止。", 5),
        ("“三公经费”\n变动率", "“三公经费”变动率≦0，计5分；每超过一个百分点扣0.5分，扣完为止。", 5),
        ("重点支出\n安排率", "重点支出安排率≥90%，计5分；80%（含）-90%，计4分；低于80%酌情扣分。", 5))),
    ("过  程\n（40分）", "预算执行\n（15分）", (
        ("预算调整率", "预算调整率=0，计3分；0-10%（含），计2分；10-20%（含），计1分；大于20%不得分。", 3),
        ("支付进度", "按进度完成资金支付计3分，每出现一个专项未按进度完成扣0.5分，扣完为止。", 3),
        ("资金结余", "无结余，3分；有结余，但不超过上年结转，2分；结余超过上年结转，不得分。", 3),
        ("“三公经费”\n控制率", "以100%为标准。三公经费控制率≦100%，计6分；每超过一个百分点扣1分，扣完为止。", 6))),
    ("", "预算管理\n（15分）", (
        ("管理制度\n健全性", "已制定预算资金管理办法、内部财务管理制度、会计核算制度等管理制度，且得到有效执行，计3分。", 3),
        ("资金使用\n合规性", "支出符合国家财经法规和财务管理制度规定，每出现一例不符合要求的扣1分，扣完为止。", 3),
        ("预决算信息公开性和完善性", "按规定内容和时限公开预决算信息，基础数据信息真实完整准确，计3分。", 3),
        ("政府采购\n执行率", "政府采购执行率等于100%的，得3分；每减少一个百分点，扣0.2分，扣完为止。", 3),
        ("公务卡刷卡率", "公务卡刷卡率达50％以上的，得3分；每减少一个百分点，扣0.2分，扣完为止。", 3))),
    ("", "资产管理\n（10分）", (
        ("管理制度\n健全性", "已制定资产管理制度且得到有效执行，计3分。", 3),
        ("资产管理\n安全性", "资产保存完整、配置合理、处置规范、账实相符，每出现一例不符合要求的扣1分。", 4),
        ("固定资产\n利用率", "每低于100%一个百分点扣0.1分，扣完为止。", 3))),
    ("产  出\n（25分）", "职责履行\n（25分）", (
        ("重点工作任务完成情况", "按年度重点工作任务完成情况计分，未完成的按比例扣分。", 10),
        ("年度工作计划完成情况", "年度工作计划全部完成计8分，未完成的按比例扣分。", 8),
        ("上级交办任务完成情况", "上级交办任务按时保质完成计7分，每出现一项未完成扣1分。", 7))),
    ("效  果\n（20分）", "履职效益\n（20分）", (
        ("经济效益", "根据部门实际设置个性化指标，按完成情况计分。", 5),
        ("社会效益", "根据部门实际设置个性化指标，按完成情况计分。", 5),
        ("生态效益", "根据部门实际设置个性化指标，按完成情况计分。", 5),
        ("社会公众或服务对象满意度", "95%（含）以上计5分；85%（含）-95%，计3分；75%（含）-85%，计1分；低于75%计0分。", 5))),
)
_RUBRIC_NOTES = ("年度决算与年初预算存在一定差异。", "固定资产管理有待进一步完善。",
                 "部分专项资金支付进度滞后。", "政府采购执行率未达到100%。", "个别工作未按计划完成。")


def _rubric_items(rng: random.Random, self_score: float) -> list:
    items = []
    lost_target = max(0.0, 100 - self_score)
    for l1, l2, rows in RUBRIC:
        for name, crit, w in rows:
            items.append([l1, l2, name, crit, w, float(w), ""])
            l1 = l2 = ""
    # take the points lost from a few items, whole or half points
    lost = 0.0
    order = list(range(len(items)))
    rng.shuffle(order)
    for k in order:
        if lost >= lost_target - 1e-9:
            break
        take = min(items[k][4], round((lost_target - lost) * 2) / 2, rng.choice((0.5, 1, 1, 2, 3)))
        if take <= 0:
            break
        items[k][5] = items[k][4] - take
        items[k][6] = rng.choice(_RUBRIC_NOTES)
        lost += take
    return items


def _rubric_lines(f: Facts) -> list[str]:
    header = ["一级指标", "二级指标", "三级指标", "评分标准", "分值", "自评得分", "扣分原因和其他说明"]
    items = f.rubric
    split = f.rng.choice((None, 9, 12))
    out = ["部门整体支出绩效评价评分表"]
    rows = [header]
    for k, (l1, l2, name, crit, w, sc, note) in enumerate(items):
        if split and k == split:
            out += cells(rows) + ["", "", "部门整体支出绩效评价评分表（续）"]
            rows = [header]
        rows.append([l1, l2, name, crit, str(w), _num(sc), note])
    total = sum(x[5] for x in items)
    printed = total
    if f.inject == "total_score_mismatch":
        printed = total + f.rng.choice((-2, -1, 1, 2))
    rows.append(["总 分", "", "", "", "100", _num(printed)])
    return out + cells(rows)


# --- scored form (Hunan) --------------------------------------------------------

def render_scored_form(f: Facts) -> str:
    s, rng = f.slot, f.rng
    y = s.year
    b = f.budget
    inc, exp = f.total.income, f.total.expenditure
    rate = b["executed"] / b["adjusted"] * 100 if b["adjusted"] else 100.0
    rate_text = "100%" if abs(rate - 100) < 0.005 else f"{rate:.2f}%"
    bscore = 10 if rate >= 99.5 else round(min(10.0, 10 * rate / 100), 1)
    if f.inject == "overspent":
        b = dict(b, adjusted=b["executed"] - rng.randint(100, 2000))
    basic = exp["basic"]
    if f.inject == "sum_mismatch":     # above the total: a mismatch whatever the blanks
        basic = exp["total"] + rng.randint(100, 3000)
    general = inc["total"] - inc["gov_fund"] - inc["other"]
    lines = ["附件1", f"{y}年度{s.name}", "整体支出绩效自评表",
             f"填报单位：（盖章）               （{y}年度）"]
    rows = [["预算部门名称", "　" + s.name],
            ["年度预\n算申请\n（万元）", "", "年初\n预算数", "全年  预算数", "全年\n执行数", "分值", "执行率", "得分"],
            ["", "年度资金总额", money(b["initial"]), money(b["adjusted"]), money(b["executed"]), "10分",
             rate_text, _num(bscore)],
            ["", f"按收入性质分：{money(inc['total'])}", f"按支出性质分：{money(exp['total'])}"],
            ["", f"  其中：  一般公共预算：{money(general)}", f"其中：基本支出：{money(basic)}"],
            ["", "政府性基金拨款：" + (money(inc["gov_fund"]) if inc["gov_fund"] else ""),
             "项目支出：" + (money(exp["project"]) if exp["project"] else "")],
            ["", "纳入专户管理的非税收入拨款：", ""],
            ["", "其他资金：" + (money(inc["other"]) if inc["other"] else ""), ""],
            ["年度总体目标", "预期目标", "实际完成情况　"]]
    lines += cells(rows)
    expected = "；".join(e.rstrip("。") for e, _ in f.goals) + "。"
    lines += ["\t", "\t" + expected, "", "\t" + f.achievement, ""]
    inds = f.indicators
    _weights(rng, inds, {"产出指标": 50, "效益指标": 30, "满意度指标": 10})
    if f.inject == "score_exceeds_weight":
        x = rng.choice(inds)
        x.score = x.weight + rng.choice((1, 2, 5, 10))
    points = {"产出指标": "产出指标\n(50分)", "效益指标": "效益指标\n（30分）", "满意度指标": "满意度指标\n（10分）"}
    l2_print = {"数量指标": "数量\n指标", "质量指标": "质量\n指标", "时效指标": "时效\n指标",
                "成本指标": "成本\n指标", "经济效益指标": "经济效\n益指标", "社会效益指标": "社会效\n益指标",
                "生态效益指标": "生态效\n益指标", "可持续影响指标": "可持续影响指标",
                "满意度指标": "服务对象满意度指标"}
    rows = [["绩\n效\n指\n标", "一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分",
             "偏差原因分析及改进措施"]]
    last_l1 = last_l2 = None
    for x in inds:
        pad = "　" if rng.random() < 0.3 else ""
        rows.append(["", points[x.l1] if x.l1 != last_l1 else "",
                     l2_print[x.l2] if (x.l2, x.l1) != (last_l2, last_l1) else "",
                     x.name, x.target, x.actual, pad + str(x.weight), pad + _num(x.score), x.deviation])
        last_l1, last_l2 = x.l1, x.l2
    total = bscore + sum(x.score for x in inds)
    if f.inject == "total_score_mismatch":
        total += rng.choice((-3, -2, 2, 3))
    rows.append(["总分", "100", "　" + _num(total)])
    lines += cells(rows)
    ry, rm, rd = f.report_date
    lines += ["", "", f"填报人：{f.filler}  联系电话： {f.filler_phone}填报日期：{ry}年{rm}月{rd}日 单位负责人签字：",
              "", "附件2", f"{y}年度{s.name}", "整体支出绩效自评报告", ""]
    lines += ["一、预算单位基本情况", "（一）基本情况", "1．主要职能"]
    lines += [f"（{k}）{d}。" for k, d in enumerate(f.duties, 1)]
    lines += ["2．机构情况", _intro(f)]
    lines += ["二、一般公共预算支出情况", "（一）基本支出情况"] + _finance_sentences(f)
    lines += ["三、部门整体支出绩效情况", f.achievement]
    if f.copied:
        lines.append(f.copied)
    lines += _task_paragraphs(f)
    lines += ["四、存在的问题及原因分析"] + _items(f.problems)
    lines += ["五、下一步改进措施"] + _items(f.measures)
    lines += ["六、绩效自评结果拟应用和公开情况",
              "我局严格按照财政部门相关要求，按时将本单位绩效自评情况在门户网站上公开，公开内容全面、真实、完整。",
              " "]
    f.self_score = total
    return "\n".join(lines) + "\n"


# --- provincial workbook (云南) -------------------------------------------------

def _workbook_indicator_rows(inds: list[Ind], scored: bool) -> list[list[str]]:
    out = []
    last_l1 = None
    for x in inds:
        l1 = x.l1 if x.l1 != last_l1 else ""
        last_l1 = x.l1
        l2 = x.l2 if x.l2 != "满意度指标" else "服务对象满意度指标等"
        op = {"≥": "≥", "≤": "≤", "=": "="}.get(x.operator, "=")
        if x.unit in ("%", "万元") or x.unit and x.target_value.replace(".", "").isdigit():
            tv, unit = x.target_value, x.unit
            actual = x.actual
        else:
            tv, unit, actual = x.target, "文字描述" if not scored else "", x.actual
        row = [l1, l2, x.name, op, tv, unit, actual]
        if scored:
            row += [str(x.weight), _num(x.score), x.deviation or "无偏差"]
        else:
            row += [x.deviation or "无偏差", ""]
        out.append(row)
    return out


def render_workbook(f: Facts) -> str:
    s, rng = f.slot, f.rng
    y = s.year
    exp = f.total.expenditure
    tot = exp["total"]
    lines = ["", "", f"{y}年度部门整体支出绩效自评情况", "", f"部门：{s.name}", ""]
    share = lambda c: f"{c / tot * 100:.2f}%" if tot else "0.00%"
    money_text = (f"{s.name}{y}年度支出合计{money(tot)}万元。其中：基本支出{money(exp['basic'])}万元，"
                  f"占总支出的{share(exp['basic'])}；项目支出{money(exp['project'])}万元，"
                  f"占总支出的{share(exp['project'])}。")
    written = [
        ["一、部门基本情况", "(一) 部门概况", "", _duties(f)
         + f"{s.short}{y}年末实有人员{f.staff_actual}人，退休{f.retired}人。"],
        ["", "(二) 部门绩效目标的设立情况", "", f"结合{s.place.county}实际，围绕" + "、".join(f.tasks[:3]) + "等重点工作设立部门整体绩效目标。"],
        ["", "(三) 部门整体收支情况", "", money_text],
        ["", "(四) 部门预算管理制度建设情况", "", _boilerplate(f)],
        ["", "(五) 年度工作完成情况", "", f.achievement],
        ["二、绩效自评工作情况", "(一) 绩效自评的目的", "", "通过绩效自评，促规范提绩效，确保财政资金安全高效运行。"],
        ["", "(二) 自评组织过程", "1. 前期准备", "成立了绩效评价工作小组"],
        ["", "", "2. 组织实施", "评价小组采取座谈等方式听取情况，检查基本支出、有关账目，收集整理支出相关资料。"],
        ["三、评价情况分析综合评价结论", "", "",
         f"我单位积极履职，强化管理，较好地完成了{s.place.county}{y}年度{s.kind.domain}工作目标。经综合评价，部门整体支出绩效自评得分为{_num(f.self_score)}分，等次为{f.grade}。"],
        ["四、存在的问题和整改情况", "", "",
         "存在问题：" + "".join(f"{k}. {p}。" for k, p in enumerate(f.problems, 1))
         + " 整改情况：" + "".join(f"{k}. {m}。" for k, m in enumerate(f.measures, 1))
         + f"截至{y}年底，{s.place.county}{s.kind.domain}领域已完成整改{rng.randint(1, 9)}项。"],
        ["五、绩效自评结果应用", "", "", f"将自评结果作为{y + 1}年度预算安排的重要依据。"],
        ["六、主要经验及做法", "", "", f"结合{s.place.county}{s.kind.domain}工作实际，" + "".join(f"{k}、{m}。" for k, m in enumerate(rng.sample(MEASURES, 2), 1))],
        ["七、其他需说明的情况", "", "", "无"],
    ]
    if f.copied:
        written.insert(5, ["", "(六) 其他工作情况", "", f.copied])
    lines += tsv(written)
    lines += ["", "备注：涉密部门和涉密信息按保密规定不公开。", "", f"{y}年度部门整体支出绩效自评表", ""]
    rows = [["部门名称", "", s.name, "", "", "", "", "", ""],
            ["", "", "内容", "", "", "", "", "说明", ""],
            ["部门总体目标", "部门职责", _duties(f), "", "", "", "",
             f"根据{s.place.suffix}政府有关要求归纳", ""],
            ["", "总体绩效目标", "全面完成" + "、".join(f.tasks[:2]) + "等各项目标任务。", "", "", "", "",
             "根据部门职责，中长期规划归纳", ""],
            ["<b>一、部门年度目标</b>", "", "", "", "", "", "", "", ""],
            ["财年", "目标", "", "", "", "", "实际完成情况", "", ""]]
    goal = "；".join(e.rstrip("。") for e, _ in f.goals) + "。"
    rows.append([str(y), goal, "", "", "", "", "全面完成各项目标任务。", "", ""])
    rows += [[str(y + k), goal, "", "", "", "", "---", "", ""] for k in (1, 2)]
    rows += [["<b>二、部门年度重点工作任务</b>", "", "", "", "", "", "", "", ""],
             ["任务名称", "项目级次", "主要内容", "批复金额（万元）", "", "", "实际支出金额（万元）", "预算执行率",
              "预算执行偏低原因及改进措施"],
             ["", "", "", "总额", "财政拨款", "其他资金", "", "", ""]]
    for p in f.projects:
        rate = f"{p.executed / p.adjusted * 100:.2f}%" if p.adjusted else "100%"
        rows.append([p.name, "一级预算", p.expected.rstrip("。"), money(p.adjusted), money(p.adjusted), "",
                     money(p.executed), rate, "无偏差"])
    rows += [["<b>三、部门整体支出绩效指标</b>", "", "", "", "", "", "", "", ""],
             ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值",
              "偏差原因分析及改进措施", ""]]
    rows += _workbook_indicator_rows(f.indicators, scored=False)
    rows.append(["其他需说明事项", "无", "", "", "", "", "", "", ""])
    lines += tsv(rows)
    lines += ["", "**备注：**", "", "- 涉密部门和涉密信息按保密规定不公开。",
              "- 一级指标包含产出指标、效益指标、满意度指标，二级指标和三级指标根据项目实际情况设置。", ""]
    for k, p in enumerate(f.projects):
        lines += [("### " if k else "") + f"{y}年度项目支出绩效自评表", ""]
        rate = p.executed / p.adjusted * 100 if p.adjusted else 100.0
        rows = [["项目名称", "", p.name, "", "", "", "", "", "", ""],
                ["主管部门", "", s.name, "", "", "实施单位", p.implementer, "", "", ""],
                ["项目资金 (万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "", ""],
                ["", "", "年度资金总额", money(p.initial), money(p.adjusted), money(p.executed),
                 str(p.budget_weight), f"{rate:.2f}%", _num(p.budget_score), ""],
                ["", "", "其中：当年财政拨款", money(p.initial), money(p.adjusted), money(p.executed), "—",
                 f"{rate:.2f}%", "—", ""],
                ["", "", "上年结转资金", "", "", "", "—", "", "—", ""],
                ["", "", "其他资金", "—", "—", "—", "—", "", "—", ""],
                ["年度 总体 目标", "预期目标", "", "", "实际完成情况", "", "", "", "", ""],
                ["", p.expected, "", "", p.actual, "", "", "", "", ""],
                ["绩效指标", "", "", "年度指标值", "", "", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
                ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "", "", "", ""]]
        rows += _workbook_indicator_rows(p.indicators, scored=True)
        rows.append(["总分", "", "", "", "", "", "", "100", _num(p.total_score), _grade(p.total_score, rng)])
        rows.append(["其他需要说明事项", "", "", "无", "", "", "", "", "", ""])
        lines += tsv(rows)
        lines += ["", "**备注：**", "", "- 涉密部门和涉密信息按保密规定不公开。",
                  "- 全年预算数=年初预算数+调整预算（年度新增项目）。", ""]
    return "\n".join(lines) + "\n"


def _projects(f: Facts) -> list[Project]:
    rng, s = f.rng, f.slot
    exp = f.total.expenditure
    count = rng.randint(1, 3)
    names = rng.sample(s.kind.projects, k=min(count, len(s.kind.projects)))
    amounts = _split(rng, max(exp["project"], 100 * len(names)), len(names), 50)
    out = []
    for k, (name, amount) in enumerate(zip(names, amounts)):
        adjusted = amount
        executed = amount if rng.random() < 0.8 else int(amount * rng.uniform(0.85, 1.0))
        if rng.random() < 0.04:
            executed = amount + rng.randint(10, 300)
        initial = adjusted if rng.random() < 0.7 else int(adjusted * rng.uniform(0.7, 1.0))
        inds = _indicators(rng, s.kind, rng.randint(4, 7))
        _weights(rng, inds, {"产出指标": 50, "效益指标": 30, "满意度指标": 10})
        rate = executed / adjusted if adjusted else 1.0
        bscore = 10 if rate >= 0.995 else round(10 * rate, 1)
        p = Project(name, s.name if rng.random() < 0.7 else s.short, initial, adjusted, executed, 10, bscore,
                    inds, f"完成{name}年度目标任务，" + rng.choice(s.kind.tasks) + "。",
                    f"已完成{name}年度目标任务，资金使用规范。")
        p.total_score = bscore + sum(x.score for x in inds)
        out.append(p)
    if f.inject == "overspent":
        p = out[0]
        p.executed = p.adjusted + rng.randint(50, 800)
    if f.inject == "score_exceeds_weight":
        x = rng.choice(out[0].indicators)
        x.score = x.weight + rng.choice((1, 2, 5))
        out[0].total_score = out[0].budget_score + sum(i.score for i in out[0].indicators)
    if f.inject == "total_score_mismatch":
        out[0].total_score += rng.choice((-3, -1, 2, 4))
    return out


# --- narrative (河北) -----------------------------------------------------------

def render_narrative(f: Facts) -> str:
    s, rng = f.slot, f.rng
    y = s.year
    e = dict(f.total.expenditure)
    inc = f.total.income
    if f.inject == "sum_mismatch":
        e["public"] += rng.choice((-1, 1)) * rng.randint(200, 3000)
    name = s.name if rng.random() < 0.6 else s.short
    title = [f"{name}{y}年度部门整体支出绩效自评报告"] if _names_in_title(f) else [
        f"{name}部门", f"{y}年度整体支出绩效自评报告"]
    lines = ["附件3", ""] + title + ["", fill(rng.choice(ACCORDING), rng, f.ctx),
             "     一、部门基本情况", "（一）部门概况", _intro(f)]
    lines += [d + "。" for d in f.duties]
    lines += ["部门机构设置情况"]
    lines += cells([["单位名称", "单位性质", "单位规格", "经费保障形式"], ["", "", "", ""],
                    [s.name, "行政", "正科级", "财政拨款"]])
    lines += ["", f"{s.short}共有在职在编人员{f.staff_actual}名，核定编制{f.staff_authorized}名。",
              "（二）部门收支预决算情况",
              f"{y}年财政拨款收入为{money(inc['general_budget'])}万元、支出为{money(e['total'])}万元，"
              f"支出分别为基本支出和项目支出，其中基本支出为{money(e['basic'])}万元，其中人员经费为"
              f"{money(e['personnel'])}万元，日常公用经费{money(e['public'])}万元；项目支出为{money(e['project'])}万元。",
              "（三）部门整体支出绩效目标、指标",
              f"{s.place.county}{s.kind.domain}工作围绕{'、'.join(f.tasks[:3])}等重点工作，合理安排财政资金，规范预算执行，提升资金使用效益，"
              f"全面完成{y}年度各项工作任务。"]
    groups = [("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
              ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
              ("满意度指标", ("满意度指标",))]
    cn = "一二三四五"
    for gk, (l1, l2s) in enumerate(groups):
        lines.append(f"（{cn[gk]}）{l1}")
        sub = 0
        for l2 in l2s:
            items = [x for x in f.indicators if x.l2 == l2]
            if not items:
                continue
            if l1 != "满意度指标":
                sub += 1
                label = l2.replace("效益指标", "效益").replace("可持续影响指标", "可持续影响")
                lines.append(f"{sub}. {label}")
            for k, x in enumerate(items, 1):
                sep = "：" if not x.target.startswith(("≥", "≤", "=")) or rng.random() < 0.7 else ""
                lines.append(f"（{k}）{x.name}{sep}{x.target}")
    lines += ["二、自评工作开展情况", "（一）自评的组织工作",
              "我局对部门整体支出进行核查，对相关文件、申报资料等进行收集整理，查询相关记账凭证进行核实、汇总。",
              "（二）自评的方法和过程",
              "本次绩效自评采用资料整理法，通过对相关记账凭证等财务资料查阅、核实、汇总分析，评价资金使用的规范性。",
              "三、部门整体支出绩效目标实现情况及指标分析", "（一）总体绩效目标实现情况", f.achievement]
    if f.copied:
        lines.append(f.copied)
    lines += _task_paragraphs(f)
    lines.append("（二）分项绩效目标实现情况及指标分析")
    for k, t in enumerate(f.tasks, 1):
        lines += [f"{k}、{t}", f"绩效目标：{t}，全面完成年度任务。", f"绩效指标：{rng.choice(f.achievements)}。"]
    lines += ["四、评价结论和评价等级",
              "根据部门职责定位和各项工作履职情况进行综合评价，满分100分。部门整体支出综合绩效评价分为4个等级："
              "得分≥85分为优秀；75≤得分＜85分为良好；60≤得分＜75分为一般；得分＜60分为较差。",
              f"根据部门职责定位和各项工作履职情况进行综合评价，部门整体支出绩效总分为{_num(f.self_score)}分，"
              f"等级为{_narrative_grade(f.self_score)}。",
              "五、存在的问题及改进措施", "（一）存在的主要问题"] + _items(f.problems) + [
              "（二）改进措施"] + _items(f.measures) + [" "]
    return "\n".join(lines) + "\n"


def _narrative_grade(score: float) -> str:
    return "优秀" if score >= 85 else "良好" if score >= 75 else "一般" if score >= 60 else "较差"


# ---------------------------------------------------------------------------- documents

@dataclass(frozen=True)
class Spec:
    """What a synthetic document was meant to be (the manifest row)."""
    file_name: str
    variant: str
    layout: str
    department: str
    fiscal_year: int
    region_code: str
    inject: str
    copied: bool

    def row(self) -> str:
        return "\t".join((self.file_name, self.variant, self.layout, self.department,
                          str(self.fiscal_year), self.region_code, self.inject or "-",
                          "1" if self.copied else "0"))


MANIFEST = ".manifest.tsv"
MANIFEST_HEAD = "file\tvariant\tlayout\tdepartment\tfiscal_year\tregion_code\tinject\tcopied"


def document(seed: int, i: int, n: int) -> tuple[str, bytes, Spec]:
    """Document i of a corpus of n: (relative file name, bytes, spec)."""
    f = facts(seed, i, n)
    v = f.slot.variant
    if v == "county_form":
        text = render_county_form(f)
    elif v == "county_form_rubric":
        f.rubric = _rubric_items(f.rng, f.self_score)
        f.self_score = sum(r[5] for r in f.rubric)
        if f.inject == "score_exceeds_weight":
            r = f.rng.choice(f.rubric)
            r[5] = r[4] + f.rng.choice((1, 2))
        f.grade = _grade(f.self_score, f.rng)
        text = render_county_form(f, rubric=True)
    elif v == "scored_form":
        text = render_scored_form(f)
    elif v == "workbook":
        f.projects = _projects(f)
        text = render_workbook(f)
    else:
        text = render_narrative(f)
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()[:16]
    name = f"{i // 1000:03d}/{i:06d}_{digest}.txt"
    s = f.slot
    return name, data, Spec(name, v, PARSER_LAYOUT[v], s.name, s.year, s.place.code,
                            f.inject or "", bool(f.copied))


def generate(n: int, seed: int = 1) -> Iterator[tuple[str, bytes, Spec]]:
    for i in range(n):
        yield document(seed, i, n)


def _write_range(args) -> list[str]:
    out, seed, n, start, stop = args
    rows = []
    root = Path(out)
    made = set()
    for i in range(start, stop):
        name, data, spec = document(seed, i, n)
        path = root / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)
        rows.append(spec.row())
    return rows


def write_corpus(out: Path, n: int, seed: int = 1, workers: int | None = None,
                 progress=None) -> Path:
    """Write n documents under `out` (created) and the manifest. Returns the manifest path.
    Documents are written by a process pool; the result does not depend on it."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    workers = workers_or_default(workers)
    step = 500
    jobs = [(str(out), seed, n, a, min(n, a + step)) for a in range(0, n, step)]
    manifest = out / MANIFEST
    tmp = out / (MANIFEST + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(MANIFEST_HEAD + "\n")
        if workers > 1 and len(jobs) > 1:
            import multiprocessing as mp
            places()    # load the gazetteer before forking
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
            with ctx.Pool(workers) as pool:
                for rows in pool.imap(_write_range, jobs):
                    fh.write("\n".join(rows) + "\n")
                    if progress:
                        progress(len(rows))
        else:
            for job in jobs:
                rows = _write_range(job)
                fh.write("\n".join(rows) + "\n")
                if progress:
                    progress(len(rows))
    tmp.replace(manifest)
    return manifest


def read_manifest(out: Path) -> list[dict]:
    lines = (Path(out) / MANIFEST).read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:] if ln]
