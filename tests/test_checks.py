"""Quality flags (issue 6): each code with a passing and a failing example, built from
small report graphs shaped like the layouts in the wild (Hunan county form, Yunnan
workbook, Zhuzhou form, narrative reports)."""
from __future__ import annotations

import sqlite3

import pytest

from ingest import schema
from ingest.checks import check_report
from ingest.crosscheck import copied_text_flags, normalise_paragraph
from ingest.model import FinanceItem, Indicator, Project, Report, RubricItem, Section


def codes(report, names=()):
    return [f.code for f in check_report(report, names)]


def flags_of(report, code, names=()):
    return [f for f in check_report(report, names) if f.code == code]


def fi(statement, item, amount, text=None, unit="all", label="", line=0):
    if text is None:
        text = f"{amount:.2f}" if amount is not None else ""
    return FinanceItem(statement, item, label, amount, text, unit, line)


def ind(name, weight=None, score=None, l1="", l2=""):
    return Indicator(name=name, level1_raw=l1, level2_raw=l2, weight=weight, score=score,
                     weight_text=None if weight is None else f"{weight:g}",
                     score_text=None if score is None else f"{score:g}")


# ---------------------------------------------------------------- report shapes

def hunan_county_form(**kw) -> Report:
    """A county form: money tables with a 汇总 row and a 局机关 row, blanks where
    nothing is printed, unscored indicators, a self score."""
    fin = []
    for unit in ("all", "局机关"):
        fin += [
            fi("income", "total", 231.4, "231.4", unit, "收入合计"),
            fi("income", "general_budget", 227.46, "227.46", unit, "公共财政拨款"),
            fi("income", "other", 3.94, "3.94", unit, "其他收入"),
            fi("expenditure", "total", 227.46, "227.46", unit, "支出合计"),
            fi("expenditure", "basic", 227.46, "227.46", unit, "基本支出"),
            fi("expenditure", "personnel", 131.22, "131.22", unit, "人员支出"),
            fi("expenditure", "public", 96.24, "96.24", unit, "公用支出"),
            fi("expenditure", "surplus_year", 0, "0", unit, "当年结余"),
            fi("expenditure", "surplus_total", 0, "0", unit, "累计结余"),
            fi("assets", "total", 52.5, "52.5", unit, "固定资产合计"),
            fi("assets", "in_use", 52.5, "52.5", unit, "在用固定资产"),
        ]
    fin += [
        fi("three_public", "total", 0.5, "0.5", "all", "三公经费合计"),
        fi("three_public", "reception", 0.5, "0.5", "all", "公务接待费"),
        fi("three_public", "vehicle_running", 0, "0", "all", "公务用车运维费"),
        fi("three_public", "vehicle_purchase", 0, "0", "all", "公务用车购置费"),
        fi("three_public", "overseas", 0, "0", "all", "因公出国费"),
    ]
    r = Report(department="汨罗市信访局", department_kind="信访局", fiscal_year=2024,
               self_score=98.5, self_score_text="98.5", finance=fin,
               indicators=[ind("三公经费控制率", l1="产出目标", l2="质量指标"),
                           ind("信访受理办结率", l1="产出目标", l2="数量指标")])
    for k, v in kw.items():
        setattr(r, k, v)
    return r


def scored_form(scores=(20, 10, 10, 8, 5, 5, 10, 10, 10), total=98.0, budget=True) -> Report:
    """The Zhuzhou form: one indicator table whose 总分 row prints 100 and the score,
    level-1 labels with their points, a 年度资金总额 row scored like an indicator."""
    weights = (20, 10, 10, 10, 5, 5, 10, 10, 10)
    l1 = ["产出指标\n(50分)"] * 4 + ["效益指标\n（30分）"] * 4 + ["满意度指标\n（10分）"]
    inds = [ind(f"指标{i}", w, s, l1[i]) for i, (w, s) in enumerate(zip(weights, scores))]
    r = Report(department="株洲市天元区信访局", self_score=total, self_score_text=f"{total:g}",
               indicators=inds, indicator_total_weight=100, indicator_total_score=total,
               finance=[fi("budget", "initial", 312.40), fi("budget", "adjusted", 335.60),
                        fi("budget", "executed", 335.60),
                        fi("income", "total", 335.60), fi("income", "general_budget", 335.60),
                        fi("expenditure", "total", 335.60), fi("expenditure", "basic", 335.60)])
    if budget:
        r.budget_weight, r.budget_score = 10, 10
    return r


def yunnan_project(name="信访联合工作组工作经费", adjusted=10.0, executed=10.0,
                   scores=(20, 30, 20, 20), total=100.0) -> Project:
    weights = (20, 30, 20, 20)
    return Project(name=name, budget_initial=adjusted, budget_adjusted=adjusted,
                   budget_executed=executed, execution_rate=100, execution_rate_text="100.00%",
                   budget_weight=10, budget_score=10, total_score=total, total_weight=100,
                   indicators=[ind(f"指标{i}", w, s) for i, (w, s) in
                               enumerate(zip(weights, scores))])


RUBRIC_ROWS = [  # (level1, level2, name, weight, score): 15 points merged over three rows
    ("投入", "预算配置", "财政供养人员控制率", 5, 5), ("", "", "三公经费变动率", 5, 5),
    ("", "", "重点支出安排率", 5, 5),
    ("过程", "预算执行", "预算调整率", 3, 2), ("", "", "支付进度", 3, 3), ("", "", "资金结余", 3, 3),
    ("", "", "三公经费控制率", 6, 6),
    ("", "预算管理", "管理制度健全性", 3, 3), ("", "", "资金使用合规性", 3, 3),
    ("", "", "预决算信息公开性和完善性", 3, 3), ("", "", "政府采购执行率", 3, 3),
    ("", "", "公务卡刷卡率", 3, 3),
    ("", "资产管理", "管理制度健全性", 3, 3), ("过程", "资产管理", "资产管理安全性", 4, 3),
    ("", "", "固定资产利用率", 3, 3),
    ("产出", "职责履行", "推进全面小康建设指标任务完成情况", 5, 5), ("", "", "新增极目标", 7, 7),
    ("", "", "政府工作报告目标任务", 5, 5), ("", "", "重点民生实事", 2, 2),
    ("", "", "重点工程和重大项目", 2, 2), ("", "", "其他工作实绩", 4, 4),
    ("效果", "履职效益", "经济效益", 15, 5), ("", "", "社会效益", None, 5),
    ("", "", "生态效益", None, 5), ("", "", "社会公众或服务对象满意度", 5, 5),
]


def rubric_form(rows=RUBRIC_ROWS, total=98.0, self_score=98.0, fill_down=False) -> Report:
    items = []
    last_w = None
    for l1, l2, name, w, s in rows:
        if fill_down and w is None:
            w = last_w
        last_w = w
        items.append(RubricItem(name=name, level1=l1 or None, level2=l2 or None,
                                weight=w, score=s))
    return Report(department="岳阳市云溪区信访局", self_score=self_score, self_score_text="98",
                  rubric=items, rubric_total=total,
                  finance=[fi("income", "total", 271.35), fi("income", "carryover", 4.05),
                           fi("income", "general_budget", 267.30),
                           fi("expenditure", "total", 268.2, "268.20"),
                           fi("expenditure", "basic", 268.2, "268.20"),
                           fi("expenditure", "personnel", 121.70),
                           fi("expenditure", "public", 146.50),
                           fi("expenditure", "project", 0, "0"),
                           fi("expenditure", "surplus_year", -0.9),
                           fi("expenditure", "surplus_total", 3.15),
                           fi("three_public", "total", 5.12), fi("three_public", "reception", 5.12),
                           fi("assets", "total", 72.18), fi("assets", "in_use", 72.18)])


def narrative_report() -> Report:
    """Every figure from prose; the layout records them in narrative_figures too."""
    figs = {"income.general_budget": (512.36, "财政拨款收入为512.36万元", 20),
            "expenditure.total": (512.36, "支出为512.36万元", 20),
            "expenditure.basic": (371.22, "基本支出为371.22万元", 20),
            "expenditure.personnel": (141.14, "人员经费为141.14万元", 20),
            "expenditure.public": (20.41, "日常公用经费20.41万元", 20),
            "expenditure.project": (141.14, "项目支出为141.14万元", 20)}
    labels = {"income.general_budget": "财政拨款收入", "expenditure.total": "支出",
              "expenditure.basic": "基本支出", "expenditure.personnel": "人员经费",
              "expenditure.public": "日常公用经费", "expenditure.project": "项目支出"}
    fin = [fi(*k.split("."), v[0], f"{v[0]:.2f}", "all", labels[k], v[2]) for k, v in figs.items()]
    return Report(department="石家庄市桥西区信访局", self_score=98, finance=fin,
                  narrative_figures=figs,
                  indicators=[ind("信访业务培训场次", l1="产出指标", l2="数量指标")],
                  sections=[Section("一、部门基本情况", "（一）部门概况\n桥西区信访局为区委工作机关，机构规格正科级。\n"
                                    "协助国家信访局、省信访局、市信访局处理桥西区群众进京上访工作。")])


# ---------------------------------------------------------------- sum_mismatch

def test_sums_that_add_up_raise_nothing():
    for r in (hunan_county_form(), scored_form(), rubric_form(),
              Report(department="曲靖市麒麟区信访局", finance=[
                  fi("expenditure", "total", 241.63), fi("expenditure", "basic", 186.38),
                  fi("expenditure", "project", 55.25)],
                  projects=[yunnan_project()])):
        assert "sum_mismatch" not in codes(r), check_report(r)


def test_personnel_plus_public_not_basic():
    r = narrative_report()
    flags = flags_of(r, "sum_mismatch")
    assert len(flags) == 1
    msg = flags[0].message
    assert flags[0].severity == "error"
    for part in ("人员经费 141.14", "日常公用经费 20.41", "161.55", "基本支出 371.22", "209.67"):
        assert part in msg, msg


def test_rounding_of_printed_figures_is_tolerated():
    r = hunan_county_form()
    basic = next(f for f in r.finance if f.item == "basic" and f.unit == "all")
    basic.amount, basic.amount_text = 227.47, "227.47"      # 131.22 + 96.24 = 227.46
    total = next(f for f in r.finance if f.item == "total" and f.statement == "expenditure"
                 and f.unit == "all")
    total.amount, total.amount_text = 227.47, "227.47"
    assert "sum_mismatch" not in codes(r)
    basic.amount, basic.amount_text = 227.49, "227.49"
    assert any("人员支出 131.22 + 公用支出 96.24 = 227.46" in f.message
               for f in flags_of(r, "sum_mismatch"))


def test_precision_comes_from_printed_text():
    r = Report(department="汨罗市信访局", finance=[
        fi("income", "total", 231.4, "231.4"), fi("income", "general_budget", 227.46, "227.46"),
        fi("income", "other", 3.89, "3.89")])
    assert "sum_mismatch" not in codes(r)        # 231.35 vs 231.4 printed to one decimal
    r.finance[0].amount_text = "231.40"
    assert "sum_mismatch" in codes(r)


def test_blank_parts_are_unknown_unless_the_breakdown_is_printed():
    # only basic and total: basic == total is fine, basic < total is not provable
    r = Report(department="x", finance=[fi("expenditure", "total", 338.90),
                                        fi("expenditure", "basic", 300.00)])
    assert "sum_mismatch" not in codes(r)
    # a single printed part above the total is always wrong
    r.finance[1].amount = 340.0
    assert "sum_mismatch" in codes(r)
    # two printed parts of a table breakdown: the blanks are zeros
    r = Report(department="x", finance=[fi("income", "total", 231.4, "231.4"),
                                        fi("income", "general_budget", 222.46),
                                        fi("income", "other", 3.94)])
    assert [f.message for f in flags_of(r, "sum_mismatch")] == [
        "一般公共预算财政拨款 222.46 + 其他收入 3.94 = 226.40，与收入合计 231.4 不符（差 5.00 万元）"]


def test_prose_figures_with_parts_missing_are_not_summed():
    r = Report(department="x", finance=[fi("income", "total", 100.0, line=3),
                                        fi("income", "general_budget", 60.0, line=3),
                                        fi("income", "carryover", 10.0, line=3)],
               narrative_figures={"income.total": (100.0, "收入100万元", 3),
                                  "income.general_budget": (60.0, "财政拨款60万元", 3),
                                  "income.carryover": (10.0, "上年结转10万元", 3)})
    assert "sum_mismatch" not in codes(r)


def test_sub_units_are_checked_separately():
    r = hunan_county_form()
    pub = next(f for f in r.finance if f.item == "public" and f.unit == "局机关")
    pub.amount, pub.amount_text = 90.77, "90.77"
    msgs = [f.message for f in flags_of(r, "sum_mismatch")]
    assert len(msgs) == 1 and msgs[0].startswith("【局机关】"), msgs


def test_three_public_and_assets():
    r = hunan_county_form()
    next(f for f in r.finance if f.statement == "three_public" and f.item == "total").amount = 1.5
    next(f for f in r.finance if f.statement == "assets" and f.item == "in_use"
         and f.unit == "all").amount = 55.0
    msgs = [f.message for f in flags_of(r, "sum_mismatch")]
    assert any("三公经费合计" in m for m in msgs) and any("固定资产合计" in m for m in msgs)


def test_indicator_weights_with_budget_row_make_100():
    assert "sum_mismatch" not in codes(scored_form())
    # the budget row's weight was not captured: 90 may be completed by it, no alarm
    assert "sum_mismatch" not in codes(scored_form(budget=False))
    r = scored_form()
    r.indicators[0].weight = 25       # 95 + 10, and 产出指标 55 ≠ 50
    msgs = [f.message for f in flags_of(r, "sum_mismatch")]
    assert any("分值合计 105" in m for m in msgs)
    assert any("产出指标下各项分值合计 55" in m for m in msgs)


def test_project_weights_with_budget_weight_make_100():
    r = Report(department="曲靖市麒麟区信访局", projects=[yunnan_project()])
    assert "sum_mismatch" not in codes(r)
    r.projects[0].indicators[1].weight = 20
    assert any("项目「信访联合工作组工作经费」" in f.message for f in flags_of(r, "sum_mismatch"))


def test_rubric_weights_with_merged_cell():
    assert codes(rubric_form()) == []
    # a layout that filled the merged 15 down must not turn 100 into 130
    assert codes(rubric_form(fill_down=True)) == []
    rows = list(RUBRIC_ROWS)
    rows[0] = ("投入", "预算配置", "财政供养人员控制率", 4, 4)
    r = rubric_form(rows, total=97, self_score=97)
    assert [f.code for f in check_report(r)] == ["sum_mismatch"]
    assert "评分表" in check_report(r)[0].message and "99" in check_report(r)[0].message


def test_unscored_indicators_are_not_summed():
    r = hunan_county_form()
    assert all(i.weight is None for i in r.indicators)
    assert codes(r) == []


# ---------------------------------------------------------------- score_exceeds_weight

def test_score_within_weight():
    for r in (scored_form(), rubric_form(), rubric_form(fill_down=True),
              Report(department="x", projects=[yunnan_project()])):
        assert "score_exceeds_weight" not in codes(r)


def test_score_above_weight():
    r = scored_form(scores=(20, 20, 20, 8, 5, 5, 10, 10, 10), total=98)
    flags = flags_of(r, "score_exceeds_weight")
    assert len(flags) == 2 and flags[0].severity == "error"
    assert "得分 20 高于分值 10" in flags[0].message
    p = yunnan_project(scores=(20, 31, 20, 20), total=101)
    assert flags_of(Report(department="x", projects=[p]), "score_exceeds_weight")
    rows = list(RUBRIC_ROWS)
    rows[3] = ("过程", "预算执行", "预算调整率", 3, 4)
    assert flags_of(rubric_form(rows, total=100, self_score=100), "score_exceeds_weight")


def test_merged_weight_cell_scores_together():
    rows = list(RUBRIC_ROWS)
    rows[22] = ("", "", "社会效益", None, 10)     # 5 + 10 + 5 > 15
    r = rubric_form(rows, total=103, self_score=103)
    flags = flags_of(r, "score_exceeds_weight")
    assert len(flags) == 1 and "经济效益、社会效益、生态效益" in flags[0].message


def test_budget_score_above_budget_weight():
    r = scored_form()
    r.budget_score = 12
    r.indicator_total_score = r.self_score = 100.0
    assert any("预算执行得分 12" in f.message for f in flags_of(r, "score_exceeds_weight"))


# ---------------------------------------------------------------- total_score_mismatch

def test_totals_that_add_up():
    assert "total_score_mismatch" not in codes(scored_form(scores=(20, 10, 10, 8, 5, 5, 10, 10, 10), total=88 + 10))
    assert "total_score_mismatch" not in codes(rubric_form())
    assert "total_score_mismatch" not in codes(
        Report(department="x", projects=[yunnan_project(), yunnan_project("维稳工作经费")]))
    assert "total_score_mismatch" not in codes(narrative_report())   # no scored table
    r = rubric_form(total=None)                  # the self score is the rubric's total
    assert "total_score_mismatch" not in codes(r)


def test_stated_total_is_not_the_item_sum():
    r = scored_form(scores=(20, 20, 20, 8, 5, 5, 10, 10, 10), total=98)
    flags = flags_of(r, "total_score_mismatch")
    assert len(flags) == 1 and flags[0].severity == "error"
    assert "108" in flags[0].message and "118" in flags[0].message and "98" in flags[0].message
    # without the budget row's score the items alone already exceed the total
    r.budget_score = r.budget_weight = None
    assert flags_of(r, "total_score_mismatch")


def test_unknown_budget_score_may_fill_the_gap_but_no_more():
    r = scored_form(total=98, budget=False)     # items 88 + unknown budget score ≤ 10
    assert "total_score_mismatch" not in codes(r)
    r = scored_form(total=97.5, budget=False)
    assert "total_score_mismatch" not in codes(r)
    r = scored_form(total=99.5, budget=False)   # 88 + at most 10 < 99.5
    assert "total_score_mismatch" in codes(r)
    r.indicator_total_score = r.self_score = 100
    r.indicators[0].score = 15                   # 83 + at most 10 < 100
    assert "total_score_mismatch" in codes(r)


def test_project_total_and_rubric_total_and_self_score():
    p = yunnan_project(scores=(20, 30, 20, 15), total=100)
    assert any("项目「" in f.message for f in flags_of(Report(department="x", projects=[p]),
                                                      "total_score_mismatch"))
    assert flags_of(rubric_form(total=97), "total_score_mismatch")
    r = rubric_form(total=None, self_score=96)
    assert any("自评得分" in f.message for f in flags_of(r, "total_score_mismatch"))


def test_rounded_total_of_decimal_scores():
    rows = list(RUBRIC_ROWS)
    rows[3] = ("过程", "预算执行", "预算调整率", 3, 2.5)    # items 98.5, total printed 98.5 / 99
    assert "total_score_mismatch" not in codes(rubric_form(rows, total=98.5, self_score=98.5))
    assert "total_score_mismatch" not in codes(rubric_form(rows, total=99, self_score=99))
    assert "total_score_mismatch" in codes(rubric_form(rows, total=100, self_score=100))


# ---------------------------------------------------------------- overspent

def test_within_budget():
    assert "overspent" not in codes(scored_form())
    assert "overspent" not in codes(Report(department="x", projects=[yunnan_project()]))


def test_department_overspent():
    r = scored_form()
    ex = next(f for f in r.finance if f.item == "executed")
    ex.amount, ex.amount_text = 338.90, "338.90"
    flags = flags_of(r, "overspent")
    assert len(flags) == 1 and flags[0].severity == "warning"
    assert "338.90" in flags[0].message and "335.60" in flags[0].message and "3.3" in flags[0].message


def test_project_overspent_with_stated_rate():
    r = Report(department="x", projects=[yunnan_project(),
                                         yunnan_project("信访救助金经费", 20.0, 22.45)])
    flags = flags_of(r, "overspent")
    assert len(flags) == 1
    assert "信访救助金经费" in flags[0].message and "22.45" in flags[0].message
    assert "112.25%" in flags[0].message and "100.00%" in flags[0].message


def test_overspent_precision():
    r = Report(department="x", finance=[fi("budget", "adjusted", 20.0, "20"),
                                        fi("budget", "executed", 20.3, "20.3")])
    assert "overspent" not in codes(r)      # 20 may be a rounded 20.4
    r.finance[1].amount, r.finance[1].amount_text = 20.6, "20.6"
    assert "overspent" in codes(r)


# ---------------------------------------------------------------- other_department_named

COPIED_OVERVIEW = (
    "一、部门（单位）概况\n\n汨罗市行政审批局为独立的行政机构，为促进区域经济的跨越式发展，"
    "大力推进依法行政。行政审批局是我市集信息与咨询、审批与收费于一体的综合性政务服务机构。\n\n"
    "2024年度财政拨款基本支出227.46万元。")


def test_another_department_presented_as_self():
    r = hunan_county_form(sections=[Section("五、评价报告综述（文字部分）", COPIED_OVERVIEW)])
    flags = flags_of(r, "other_department_named")
    assert len(flags) == 1 and flags[0].severity == "warning"
    assert "汨罗市行政审批局" in flags[0].message and "汨罗市信访局" in flags[0].message


@pytest.mark.parametrize("text", [
    "本单位（汨罗市行政审批局）2024年度预算执行情况良好。",
    "（一）部门概况\n1、汨罗市行政审批局的主要职责是：负责全市行政审批事项。",
    "汨罗市城市管理和综合执法局成立于2019年，现有股室5个。",
    "平江县信访局的主要职责是受理群众来信来访。",           # a peer bureau elsewhere
])
def test_other_self_presentations(text):
    r = hunan_county_form(sections=[Section("概况", text)])
    assert "other_department_named" in codes(r), text


@pytest.mark.parametrize("text", [
    "汨罗市信访局的主要职责是：（一）负责处理人民群众给市委、市政府的来信。",
    "汨罗市财政局（制）",
    "根据《汨罗市财政局关于开展2024年度绩效自评工作的通知》文件精神，我局开展了自评。",
    "区委、区政府高度重视信访工作。协助国家信访局、省信访局、市信访局处理进京上访工作。",
    "协助公安机关维护重点区域的正常工作秩序。",
    "本单位成立于2002年7月，系区财政全额预算拨款单位。",
    "区信访局严格遵循把财政资金使用好、管理好的宗旨。",
    "本局是区人民政府主管信访工作的正科级行政机关。",
    "汨罗市财政局为我局下达了一级预算单位的年度预算。",
    "汨罗市公安局是信访联席会议成员单位，积极配合化解矛盾。",
    "岳阳市信访局为全市信访工作的主管部门。",              # the prefecture above us
    "汨罗市信访办为市委市政府的工作部门。",                  # another name of ourselves
])
def test_mentions_are_not_self_presentation(text):
    r = hunan_county_form(sections=[Section("概况", text)])
    assert "other_department_named" not in codes(r), check_report(r)


def test_own_short_name_and_seed_like_narratives():
    assert "other_department_named" not in codes(narrative_report())
    r = Report(department="岳阳市云溪区信访局", sections=[
        Section("岳阳市云溪区信访局\n2020年部门整体支出绩效评价报告",
                "根据《云溪区财政局关于开展2021年度财政支出绩效自评工作的通知》文件精神，"
                "我局对2020年部门整体支出开展了绩效自评。\n本单位成立于2002年7月，系区财政全额预算拨款单位。"
                "\n(一)专项组织情况分析:区信访局严格遵循把财政资金使用好、管理好的宗旨。")])
    assert codes(r) == []


def test_heading_naming_another_department():
    r = hunan_county_form(sections=[Section("汨罗市行政审批局2024年度部门整体支出绩效评价报告", "正文")])
    assert "other_department_named" in codes(r)


def test_abbreviated_own_name_is_not_another_department():
    r = Report(department="汨罗市市场监督管理局", sections=[Section("概况", (
        "汨罗市市场监管局为市政府工作部门，机构规格正科级。\n"
        "汨罗市人社局为市政府工作部门。"))])
    flags = flags_of(r, "other_department_named")
    assert len(flags) == 1 and "汨罗市人社局" in flags[0].message


def test_known_department_names_extend_the_suffixes():
    text = "汨罗市政务服务中心为市政府直属事业单位。"
    r = hunan_county_form(sections=[Section("概况", text)])
    assert "other_department_named" not in codes(r)
    assert "other_department_named" in codes(r, ["汨罗市政务服务中心", "汨罗市信访局"])


def test_no_department_no_check():
    r = Report(sections=[Section("概况", COPIED_OVERVIEW)])
    assert codes(r) == []


# ---------------------------------------------------------------- narrative_table_mismatch

def test_narrative_agrees_with_tables():
    r = Report(department="x", finance=[fi("expenditure", "project", 55.25, line=40),
                                        fi("expenditure", "total", 241.63, line=40)],
               narrative_figures={"expenditure.project": (55.25, "项目支出55.25万元", 5),
                                  "expenditure.total": {"amount": 241.6, "text": "支出合计241.6万元",
                                                        "line": 5}})
    assert "narrative_table_mismatch" not in codes(r)
    assert "narrative_table_mismatch" not in codes(narrative_report())   # prose only


def test_narrative_disagrees_with_tables():
    r = Report(department="x", self_score=98.5,
               finance=[fi("expenditure", "project", 55.25, line=40),
                        fi("expenditure", "basic", 186.38, line=40)],
               narrative_figures={"expenditure.project": (141.14, "项目支出为141.14万元", 7),
                                  "expenditure.basic": [(186.38, "基本支出186.38万元", 6),
                                                        (186.48, "基本支出186.48万元", 9)],
                                  "self_score": (95, "自评得分95分", 12)})
    flags = flags_of(r, "narrative_table_mismatch")
    assert len(flags) == 3 and all(f.severity == "warning" for f in flags)
    msgs = " ".join(f.message for f in flags)
    assert "项目支出为141.14万元" in msgs and "55.25" in msgs and "85.89" in msgs
    assert "186.48" in msgs and "第 9 行" in msgs and "自评得分" in msgs


# ---------------------------------------------------------------- check_report

def test_check_report_is_pure_and_stable():
    r = scored_form(scores=(20, 20, 20, 8, 5, 5, 10, 10, 10), total=98)
    before = repr(r)
    a, b = check_report(r), check_report(r)
    assert a == b and repr(r) == before and r.flags == []


# ---------------------------------------------------------------- copied_text

LONG = ("严格按规定要求管理和使用各项资金。所有资金的日常财务管理均按单位相关管理制度执行，"
        "建立了工作有计划、实施有方案、日常有监督的管理机制，工作取得了好的成效，效能得到了提高。")
TEMPLATE = ("一级指标包含产出指标、效益指标、满意度指标，二级指标和三级指标根据项目实际情况设置，"
            "涉密部门和涉密信息按保密规定不公开，全年预算数等于年初预算数加调整预算。")


def _db(tmp_path, reports):
    """reports: (department name, year, [section bodies])."""
    conn = sqlite3.connect(tmp_path / "t.db")
    schema.create(conn)
    depts: dict[str, int] = {}
    for n, (dept, year, bodies) in enumerate(reports, 1):
        if dept not in depts:
            depts[dept] = conn.execute("INSERT INTO departments (name) VALUES (?)", [dept]).lastrowid
        doc = conn.execute("INSERT INTO documents (sha256, file_name, status) VALUES (?, ?, 'parsed')",
                           [f"h{n}", f"f{n}.txt"]).lastrowid
        rid = conn.execute("INSERT INTO reports (document_id, department_id, fiscal_year) "
                           "VALUES (?, ?, ?)", [doc, depts[dept], year]).lastrowid
        for i, body in enumerate(bodies, 1):
            conn.execute("INSERT INTO sections (report_id, ordinal, heading, body) VALUES (?, ?, ?, ?)",
                         [rid, i, "二、管理情况", body])
    conn.commit()
    return conn


def _flags(conn):
    return conn.execute("SELECT report_id, code, severity, message FROM quality_flags "
                        "ORDER BY id").fetchall()


def test_copied_paragraph_between_departments(tmp_path):
    conn = _db(tmp_path, [
        ("汨罗市信访局", 2024, ["开头。\n\n" + LONG + "\n\n结尾。"]),
        ("汨罗市行政审批局", 2023, ["**" + LONG.replace("。", "。 ") + "**"]),
        ("平江县信访局", 2024, ["本单位独有的一段文字，与其他报告都不相同。" * 4]),
    ])
    conn.execute("INSERT INTO quality_flags (report_id, code, severity, message) "
                 "VALUES (3, 'sum_mismatch', 'error', 'keep me')")
    assert copied_text_flags(conn) == 2
    rows = _flags(conn)
    assert rows[0][1:] == ("sum_mismatch", "error", "keep me")
    copied = [r for r in rows if r[1] == "copied_text"]
    assert [r[0] for r in copied] == [1, 2]
    assert all(r[2] == "warning" for r in copied)
    assert "汨罗市行政审批局2023 年度报告（/reports/2）" in copied[0][3]
    assert "/reports/1" in copied[1][3] and "1 段" in copied[1][3]
    # idempotent and deterministic
    assert copied_text_flags(conn) == 2
    assert [r[1:] for r in _flags(conn)] == [r[1:] for r in rows]


def test_copy_with_the_department_name_swapped(tmp_path):
    text = "汨罗市信访局为独立的行政机构，" + LONG
    conn = _db(tmp_path, [("汨罗市信访局", 2024, [text]),
                          ("汨罗市行政审批局", 2024, [text.replace("信访局", "行政审批局")]),
                          ("平江县信访局", 2024, [text.replace("汨罗市", "平江县")])],)
    # three departments share it: a template by default, copying with a higher threshold
    assert copied_text_flags(conn) == 0
    assert copied_text_flags(conn, threshold=4) == 6
    msgs = [m for (m,) in conn.execute("SELECT message FROM quality_flags WHERE report_id = 1")]
    assert len(msgs) == 2 and "汨罗市信访局为独立的行政机构" in msgs[0]
    assert "/reports/2" in msgs[0] and "/reports/3" in msgs[1]


def test_same_department_other_year_and_short_text_are_fine(tmp_path):
    short = "所有经费支出均按相关管理制度执行。"
    conn = _db(tmp_path, [
        ("汨罗市信访局", 2023, [LONG, short]),
        ("汨罗市信访局", 2024, [LONG]),
        ("平江县信访局", 2024, [short]),
    ])
    assert copied_text_flags(conn) == 0
    assert _flags(conn) == []


def test_template_boilerplate_is_not_copying(tmp_path):
    conn = _db(tmp_path, [(f"县{i}信访局", 2024, [TEMPLATE]) for i in range(3)])
    assert copied_text_flags(conn) == 0


def test_boilerplate_threshold_parameter(tmp_path):
    conn = _db(tmp_path, [(f"县{i}信访局", 2024, [TEMPLATE]) for i in range(3)])
    assert copied_text_flags(conn, threshold=4) == 6
    assert copied_text_flags(conn) == 0
    assert _flags(conn) == []


def test_normalise_paragraph():
    assert normalise_paragraph("- **一、 概况** \u3000 正文") == "一、概况正文"


def test_paragraphs_skip_only_lines_that_cannot_reach_the_length():
    """paragraphs() leaves lines too short for min_chars unnormalised: the same paragraphs
    as normalising every line, however short the masked name (masking can lengthen a
    line)."""
    import random

    from ingest.crosscheck import MASK, paragraphs

    def every_line(body, mask, min_chars):
        out = []
        for line in body.split("\n"):
            norm = normalise_paragraph(line)
            for name in mask:
                norm = norm.replace(name, MASK)
            if len(norm) >= min_chars:
                out.append((norm, line.strip()))
        return out

    rng = random.Random(7)
    pieces = ["信访", "局", "某县", "工作", " ", "\u3000", "**", "- ", "|", "、", "。", "a1"]
    for mask in ([], ["局"], ["某县信访局", "信访局"], ["单位"], ["本单位"], ["县局"]):
        for _ in range(400):
            words = [rng.choice(pieces + mask * 3) for _ in range(rng.randint(0, 40))]
            body = "\n".join("".join(words[i::3]) for i in range(3))
            for min_chars in (1, 5, 20, 60):
                want = every_line(body, mask, min_chars)
                assert paragraphs(body, mask, min_chars) == want, (body, mask)
    # a line of 24 characters that masking brings to 60: a one-character name, 24 times
    line = "局" * 24
    assert paragraphs(line, ["局"], 60) == [(MASK * 24, line)]


# ---------------------------------------------------------------- the bundled corpus

def test_corpus_flags_match_gold(corpus_db):
    """The hand-checked gold says which flags each bundled report must (not) get."""
    import json
    from pathlib import Path

    gold_dir = Path(__file__).resolve().parent.parent / "gold"
    conn = sqlite3.connect(corpus_db)
    checked = 0
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        for rep in gold["reports"]:
            rid = conn.execute(
                "SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id "
                "JOIN departments p ON p.id = r.department_id "
                "WHERE d.file_name = ? AND p.name = ?", [gold["document"], rep["department"]]
            ).fetchone()
            assert rid, (gold["document"], rep["department"])
            got = {c for (c,) in conn.execute(
                "SELECT code FROM quality_flags WHERE report_id = ?", rid)}
            for code in rep.get("flags") or []:
                assert code in got, (gold["document"], code, got)
            for code in rep.get("flags_absent") or []:
                assert code not in got, (gold["document"], code, got)
            checked += 1
    assert checked
