"""Layout variants seen in the wild, on small documents written here.

Where a fixture stands for a real layout, its comment says where it was seen; the
variants listed in issue 5 ("Layout variants seen in the wild") are marked so. No
fixture names a seed's department, place or figure in ingest code.
"""
from __future__ import annotations

import pytest

from ingest import checks
from ingest.document import Paragraph, Table
from ingest.layouts import parse_document
from ingest.read import read_bytes


def read(text: str):
    return read_bytes(text.encode("utf-8"), "fixture.txt")


def parse(text: str):
    result = parse_document(read(text))
    return result, (result.reports[0] if result.reports else None)


def money(rep, key):
    st, item = key.split(".")
    return rep.finance_amount(st, item)


# ---------------------------------------------------------------- tables printed differently

def test_pipe_rows_with_runs_of_pipes_for_merged_cells():
    # issue 5: tables printed as pipe rows (Markdown-style text exports)
    doc = read("2023年度某县信访局部门整体支出绩效自评表\n"
               "| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |\n"
               "|---|---|---|:---:|---|---|---|\n"
               "| 产出指标 | 数量指标 | 信访事项办结率 | ≥95% | 98% | 20 | 20 |\n"
               "| | 质量指标 | 群众满意度 | ≥90% | 95% | 20 | 18 |\n"
               "| 总分 |||||  40 | 38 |\n")
    table = doc.tables[0]
    assert [r.texts for r in table.rows][-1] == ["总分", "", "", "", "", "40", "38"]
    assert [r.line for r in table.rows] == [2, 4, 5, 6]    # source lines kept
    rep = parse_document(doc).reports[0]
    got = [(i.level1, i.level2, i.name, i.target_value, i.actual_value, i.score) for i in rep.indicators]
    assert got == [("产出指标", "数量指标", "信访事项办结率", 95, 98, 20),
                   ("产出指标", "质量指标", "群众满意度", 90, 95, 18)]


def test_short_value_header_sits_over_the_columns_it_fits():
    # the 指标值 heading's 符号/值/单位 row, the heading above it lost, printed as
    # tab-separated rows: the export drops the row's trailing empty cell, so the short
    # header no longer ends at the last column (seen in a Hebei district's report)
    text = ("2024年度某区信访局部门整体支出绩效自评报告\n"
            "符号\t值\t单位\n"
            "产出指标\t数量指标\t受理信访事项数量\t按时受理\t全年\t文字描述\t\t年度受理数量\t依据往年测评\n"
            "\t质量指标\t按期办结率\t做好办结工作\t全年\t≥\t95.00\t百分比\t依据往年测评\n"
            "\t时效指标\t及时受理率\t及时受理\t全年\t\t99.00\t百分比\t依据往年测评\n")
    result, rep = parse(text)
    got = [(i.name, i.operator, i.target_value, i.target_unit) for i in rep.indicators]
    assert got == [("受理信访事项数量", None, None, None), ("按期办结率", "≥", 95, "%"),
                   ("及时受理率", None, 99, "%")]


def test_one_cell_per_line_ending_in_a_bar():
    # issue 5: one cell per line ending in ' |', blank lines between rows
    text = ("2024年度某县信访局部门整体支出绩效自评报告\n"
            "联系人 |\n张三 |\n联络电话 |\n0730-1234567 |\n\n"
            "人员编制 |\n12 |\n实有人数 |\n10 |\n")
    doc = read(text)
    assert [r.texts for r in doc.tables[0].rows] == [["联系人", "张三", "联络电话", "0730-1234567"],
                                                      ["人员编制", "12", "实有人数", "10"]]
    rep = parse_document(doc).reports[0]
    assert (rep.contact_name, rep.staff_authorized, rep.staff_actual) == ("张三", 12, 10)


def test_table_flattened_onto_one_line():
    # issue 5: a whole table flattened onto one line (text copied out of a PDF viewer)
    doc = read("2023年度某县信访局部门整体支出绩效自评报告\n"
               "一级指标 二级指标 三级指标 年度指标值 实际完成值 "
               "产出指标 数量指标 信访事项办结率 ≥95% 98% 满意度指标 满意度指标 群众满意度 ≥90% 95%\n")
    assert isinstance(doc.blocks[1], Table)
    assert [r.texts for r in doc.blocks[1].rows][1] == ["产出指标", "数量指标", "信访事项办结率", "≥95%", "98%"]
    rep = parse_document(doc).reports[0]
    assert [(i.name, i.target_value, i.actual_value) for i in rep.indicators] == [
        ("信访事项办结率", 95, 98), ("群众满意度", 90, 95)]


@pytest.mark.parametrize("line", [
    "一级指标 二级指标 三级指标 是本表的三列，下面逐项说明",          # prose about the headings
    "一级指标 二级指标 三级指标 年度指标值 产出指标 数量指标 办结率",     # rows do not fill the width
])
def test_a_line_that_is_not_clearly_a_table_stays_text(line):
    doc = read("2023年度绩效自评报告\n" + line + "\n")
    assert all(isinstance(b, Paragraph) for b in doc.blocks)


# ---------------------------------------------------------------- narrative figures

def test_narrative_figures_and_score_in_words():
    # issue 5: narrative figures, split spending without a 基本支出 line, thousands
    # separators with a space before 万元, four decimals, a change that is no figure,
    # the score and grade only in words
    result, rep = parse(
        "2023年度某县信访局部门整体支出绩效自评报告\n"
        "一、部门整体支出情况\n"
        "2023年度支出合计1,793.46 万元，比上年减少62.52万元。其中：人员经费1,500.00万元，公用经费293.46万元。\n"
        "“三公”经费支出合计44.4572万元，其中公务接待费44.4572万元。\n"
        "二、绩效自评结论\n"
        "经综合评价，本部门整体支出绩效综合评分为97分，绩效自评结果为良。\n")
    assert money(rep, "expenditure.total") == 1793.46
    assert money(rep, "expenditure.personnel") == 1500.0
    assert money(rep, "expenditure.public") == 293.46
    assert money(rep, "expenditure.basic") is None        # not printed: not made up
    assert money(rep, "three_public.total") == 44.4572
    assert money(rep, "three_public.reception") == 44.4572
    assert 62.52 not in [f.amount for f in rep.finance]  # 减少62.52万元 is a change
    assert (rep.self_score, rep.grade, rep.grade_level) == (97, "良", "良")


def test_numbered_income_and_spending_with_a_colon():
    # seen in a Hunan county body's report: '1、收入：…万元' and '2、支出：…万元。其中：…'
    result, rep = parse("某县政协2022年度部门整体支出绩效评价报告\n一、基本情况\n"
                        "1、收入:612.5万元。同比上年度增加40.1万元。其中:财政拨款收入600万元。\n"
                        "2、支出：620.75万元。其中：人员经费支出400.25万元，公用经费支出80.5万元，项目支出140万元。\n")
    assert (money(rep, "income.total"), money(rep, "income.general_budget")) == (612.5, 600)
    assert money(rep, "expenditure.total") == 620.75
    assert (money(rep, "expenditure.personnel"), money(rep, "expenditure.public"),
            money(rep, "expenditure.project")) == (400.25, 80.5, 140)
    # a bare 收入/支出 inside a longer word is not the total
    result, rep = parse("某县政协2022年度部门整体支出绩效评价报告\n一、基本情况\n"
                        "本年度基本支出：500万元，财政拨款收入：600万元。\n")
    assert money(rep, "expenditure.total") is None and money(rep, "income.total") is None
    assert (money(rep, "expenditure.basic"), money(rep, "income.general_budget")) == (500, 600)


def test_projects_and_findings_told_in_running_text():
    # the wording of the 部门决算 notes on project outturns (seen in a Shaanxi county
    # bureau's report), each project's problems and measures labelled inline
    result, rep = parse(
        "某县信访局2022年度部门整体支出绩效自评报告\n"
        "本部门在2022年度部门决算中反映“接访补助”“信访事务(宣传费)”2个项目绩效目标实际完成情况。\n"
        "(1)\n接访补助项目绩效目标完成情况综述。项目全年预算数3.5万元,执行数为3.15万元,完成预算的90%。"
        "通过项目实施，保障了接访工作。\n"
        "(2)信访事务(宣传费)项目绩效目标完成情况综述。项目全年预算数12,000元,执行数为12,000元,"
        "完成预算的100%。发现的主要问题:宣传经费不足，覆盖面小。下一步改进措施:一是争取经费；二是用好新媒体。\n")
    got = [(p.name, p.budget_adjusted, p.budget_executed, p.execution_rate) for p in rep.projects]
    assert got == [("接访补助", 3.5, 3.15, 90), ("信访事务(宣传费)", 1.2, 1.2, 100)]
    assert [(f.kind, f.text) for f in rep.findings] == [
        ("problem", "宣传经费不足，覆盖面小。"), ("measure", "争取经费；"), ("measure", "用好新媒体。")]


def test_total_then_parts_in_one_sentence():
    # the Yunnan workbook's written part: '支出合计…。其中：基本支出…项目支出…'
    result, rep = parse("2023年度部门整体支出绩效自评情况\n部门：某县信访局\n"
                        "某县信访局2023年度支出合计241.63万元。其中：基本支出186.38万元，占总支出的77.13%；"
                        "项目支出55.25万元，占总支出的22.87%。\n")
    assert (money(rep, "expenditure.total"), money(rep, "expenditure.basic"),
            money(rep, "expenditure.project")) == (241.63, 186.38, 55.25)


def test_narrative_figures_printed_in_yuan_are_stored_in_wan():
    # money is always 万元 in the data (SCHEMA.md); some reports write amounts in 元
    result, rep = parse(
        "某县信访局2023年度部门整体支出绩效自评报告\n一、部门基本情况\n"
        "2023年度收入合计3,280,000.00元，支出合计3,105,600.00元，其中基本支出3,105,600.00元。\n"
        "“三公”经费支出6,000.00元，其中公务接待费6,000.00元。\n"
        "日常公用经费人均6,000元。\n"
        "二、自评结论\n自评得分98.5分，等次为优。\n")
    assert (money(rep, "income.total"), money(rep, "expenditure.total"),
            money(rep, "expenditure.basic")) == (328.0, 310.56, 310.56)
    assert (money(rep, "three_public.total"), money(rep, "three_public.reception")) == (0.6, 0.6)
    assert money(rep, "expenditure.public") is None      # 人均6,000元 is no total
    printed = {f.item: f.amount_text for f in rep.finance if f.statement == "expenditure"}
    assert printed["total"] == "支出合计3,105,600.00元"   # the printed text is kept
    assert not {f.code for f in checks.check_report(rep)} & {"sum_mismatch", "overspent"}


@pytest.mark.parametrize("printed, wan", [("1.2亿元", 12000.0), ("350千元", 35.0), ("88万元", 88.0)])
def test_narrative_figures_in_other_money_units(printed, wan):
    result, rep = parse("某县信访局2023年度部门整体支出绩效自评报告\n一、部门基本情况\n"
                        f"2023年度支出合计{printed}，全部为基本支出。\n")
    assert money(rep, "expenditure.total") == wan


@pytest.mark.parametrize("sentence, score", [
    ("综合得分：96.5，评价等级：优秀。", 96.5),
    ("自评得分为88.5", 88.5),
    ("总分：100，自评得分95分，等次为优。", 95),      # 总分：100 without 分 is the full marks
    ("自评得分：95%以上的指标已完成。", None),          # a share, not a score
])
def test_scores_printed_without_fen(sentence, score):
    result, rep = parse("某县信访局2023年度部门整体支出绩效自评报告\n一、基本情况\n支出合计88万元。\n"
                        f"二、自评结论\n{sentence}\n")
    assert rep.self_score == score


@pytest.mark.parametrize("sentence, staff", [
    ("本局编制人数12人，实有人数10人。", (12, 10)),
    ("核定编制12名，实有在编人员10名。", (12, 10)),
    ("单位编制数为12人，在职人数10人。", (12, 10)),
    # seen in a Yunnan city bureau's narrative report: 共计, and 实有人数 with its parts
    ("2023年在职人员编制数共计14名，2023年末实有人数17人，其中：在职15人，退休2人。", (14, 17)),
    ("人员编制：9人；实有人员合计8人。", (9, 8)),
    # a total written '共有编制' or '编制为'; a part of it ('行政编制8人') is not the total
    ("2020年末，我单位共有编制13人，其中行政编制8人，工勤编制1人，年末实有人数11人。", (13, 11)),
    ("其中行政编制为8人，事业编制为4人，实有人数11人。", (None, 11)),
    ("单位编制为12人，实有10人。", (12, 10)),
])
def test_staffing_written_several_ways(sentence, staff):
    result, rep = parse("某县信访局2023年度部门整体支出绩效自评报告\n一、基本情况\n"
                        f"{sentence}支出合计88万元。\n")
    assert (rep.staff_authorized, rep.staff_actual) == staff


def test_contact_and_signature_date_in_running_text():
    result, rep = parse("某县信访局2023年度部门整体支出绩效自评报告\n一、基本情况\n支出合计88万元。\n"
                        "填报人：王五 联系电话：13900001111\n联系人：张三，联系电话：0730-5551234\n"
                        "某县信访局\n二〇二四年三月十五日\n")
    assert (rep.contact_name, rep.contact_phone) == ("张三", "0730-5551234")
    assert [(p.role, p.name, p.phone) for p in rep.people] == [
        ("filler", "王五", "139****1111"), ("contact", "张三", "0730-5551234")]
    assert rep.report_date == "2024-03-15"
    # a sentence ending in a date is no signature
    result, rep = parse("某县信访局2023年度部门整体支出绩效自评报告\n一、基本情况\n支出合计88万元。\n"
                        "以上数据截至2023年12月31日\n")
    assert rep.report_date is None


# The county department form as a web page's text: every cell a paragraph of its own,
# blank lines between them, no tabs (seen on a Hunan city's site for the form whose
# Word export prints the cells indented).
FORM_AS_PARAGRAPHS = ("某市2023年度部门整体支出\n\n绩效评价自评报告\n\n"
                      "部门(单位)名称:  某市城市管理局\n\n报告日期:2024年05月20日\n\n"
                      "某市财政局(制)\n\n一、部门(单位)基本概况\n\n"
                      "联系人\n\n李四\n\n联络电话\n\n8123456\n\n"
                      "人员编制\n\n23\n\n实有人数\n\n19\n\n"
                      "职能职责概述\n\n负责全市城市管理工作。\n\n"
                      "绩效自评综合得分\n\n93.5\n\n评价等次\n\n优\n")


def test_form_printed_one_cell_per_paragraph():
    result, rep = parse(FORM_AS_PARAGRAPHS)
    assert rep.department == "某市城市管理局"
    assert (rep.contact_name, rep.contact_phone) == ("李四", "8123456")
    assert [(p.role, p.name) for p in rep.people] == [("contact", "李四")]
    assert (rep.staff_authorized, rep.staff_actual) == (23, 19)
    assert (rep.self_score, rep.grade, rep.grade_level) == (93.5, "优", "优")
    assert rep.report_date == "2024-05-20"


@pytest.mark.parametrize("text", [
    # labels in a header row, their values in the next row: which is which is unknown
    "某县信访局2023年度部门整体支出绩效自评报告\n\n人员编制\n\n实有人数\n\n23\n\n19\n",
    # a label followed by what is not its value
    "某县信访局2023年度部门整体支出绩效自评报告\n\n人员编制\n\n见附表\n\n实有人数\n\n约二十人\n"
    "\n联系人\n\n办公室\n\n绩效自评综合得分\n\n120\n\n评价等次\n\n见下文所述的评价结论\n",
])
def test_form_paragraphs_that_are_not_label_and_value(text):
    result, rep = parse(text)
    assert (rep.staff_authorized, rep.staff_actual, rep.contact_name) == (None, None, None)
    assert (rep.self_score, rep.grade) == (None, None)


def test_figures_in_text_wrapped_at_a_fixed_width():
    # a PDF's text: lines cut at the page width, in the middle of a figure
    from test_text_reader import WRAPPED
    result, rep = parse(WRAPPED)
    assert money(rep, "income.general_budget") == 321.45
    assert (money(rep, "expenditure.basic"), money(rep, "expenditure.project")) == (250.12, 71.33)
    assert [f.kind for f in rep.findings] == ["problem", "problem"]


def test_form_cells_with_other_label_words():
    result, rep = parse("2023年度某县信访局部门整体支出绩效自评报告\n\n\t联系人\n\t王五\n\t联系电话\n"
                        "\t0731-1234567\n\n\t编制人数\n\t15\n\t实有人员\n\t13\n")
    assert (rep.contact_name, rep.contact_phone) == ("王五", "0731-1234567")
    assert (rep.staff_authorized, rep.staff_actual) == (15, 13)


def test_totals_printed_as_zongji():
    result, rep = parse("2023年度某县信访局部门整体支出绩效自评报告\n"
                        "2023年收入总计300万元，支出总计290万元，年末结转和结余10万元。\n"
                        "绩效评价结论：优\n")
    assert (money(rep, "income.total"), money(rep, "expenditure.total")) == (300, 290)
    assert rep.grade_level == "优"


# ---------------------------------------------------------------- department and year

@pytest.mark.parametrize("text, department, year", [
    # year first (the Zhuzhou form's title) and name last (signed at the end)
    ("2022年度某县信访局整体支出绩效自评报告\n一、基本情况\n支出合计88万元。\n", "某县信访局", 2022),
    ("关于2023年度部门整体支出绩效自评情况的报告\n一、基本情况\n本单位支出合计100万元。\n"
     "自评得分95分，等次为优秀。\n某县人力资源和社会保障局（本级）\n2024年3月1日\n",
     "某县人力资源和社会保障局", 2023),
    # a long joint name with its second name in brackets
    ("中共某县委政法委员会（某县社会治安综合治理委员会办公室）2022年度部门整体支出绩效自评报告\n"
     "一、基本情况\n支出合计50万元。\n",
     "中共某县委政法委员会（某县社会治安综合治理委员会办公室）", 2022),
    # the page is headed by the finance bureau that publishes it; the name appears deep in the text
    ("县财政局\n2022年度部门整体支出绩效自评报告\n一、基本情况\n根据县财政局通知要求，我局开展了自评。\n"
     "二、绩效情况\n某县信访局在县委县政府领导下完成了各项工作，支出合计88万元。某县信访局全年接待来访。\n",
     "某县信访局", 2022),
    ("2023年度部门整体支出绩效自评表\n填报单位：某县民政局（盖章）\n一、基本情况\n支出合计60万元。\n",
     "某县民政局", 2023),
    # the year in Chinese numerals in the title (a later date in Arabic numerals is not it)
    ("某县信访局二〇二三年度部门整体支出绩效自评报告\n一、基本情况\n支出合计88万元。\n"
     "自评得分95分，等次为优。\n填报日期：2024年3月1日\n", "某县信访局", 2023),
    # the finance bureau's own report: its name heads the title and no other department is named
    ("平江县财政局\n2023年度部门整体支出绩效自评报告\n一、部门基本情况\n我局负责全县财政收支管理。\n"
     "二、绩效情况\n支出合计318.2万元，自评得分95分，等次为优。\n", "平江县财政局", 2023),
    # 机关整体支出 in the title; the text names other units ('X中心和Y中心'), which are not it
    ("沅江市财政局2021年度 机关整体支出绩效评价报告\n一、自评得分情况\n综合评分为96分。\n"
     "二、单位基本概况\n内设事业单位2个，财政事务中心和沅江市国库集中支付中心。\n",
     "沅江市财政局", 2021),
    # the title run into the paragraph after it, below a form; the years of cited titles
    # (《…》) are not it
    ("一、部门基本概况\n联系人\n张三\n人员编制\n10\n实有人数\n9\n职能职责概述\n"
     "某县信访局负责全县信访工作。\n二、收支情况\n支出合计88万元。\n"
     "某县信访局 2021年部门整体支出绩效评价报告 根据《关于做好2016年度综合绩效考评工作的通知》"
     "和《2016年度考评细则》，现将自评情况报告如下。\n", "某县信访局", 2021),
    # no title at all: the most frequent 年度 outside cited titles
    ("一、部门基本概况\n联系人\n张三\n人员编制\n10\n实有人数\n9\n职能职责概述\n"
     "某县信访局负责全县信访工作。\n二、绩效自评情况\n"
     "按照《关于做好2016年度综合绩效考评工作的通知》《2016年度考评细则》要求，"
     "2022年度支出合计88万元，2022年度项目支出10万元。\n", "某县信访局", 2022),
    # a web page's metadata dates come first; the year is on the line under the title,
    # spaced out
    ("发文单位：某县信访局 发文日期：2022年11月04日\n项目支出绩效自评表\n( 2021 年度)\n"
     "项目名称\t信访接待经费\n支出合计88万元。\n", "某县信访局", 2021),
    # a project form with no year but its period (the report is dated the year after)
    ("某县财政支出项目绩效评价自评报告\n项目名称\t优抚\n项目单位\t某县民政局\n主管部门\n"
     "评价方式：部门（单位）绩效自评\n评价机构：部门（单位）评价组\n报告日期：2017年7月15日\n"
     "某县财政局（制）\n一、项目基本概况\n项目负责人\t张三\n"
     "项目起止时间\t2016年1月起至2016年12月止\n实际支出179.6万元。\n", "某县民政局", 2016),
])
def test_department_and_year_found_where_they_are(text, department, year):
    result, rep = parse(text)
    assert (rep.department, rep.fiscal_year) == (department, year)
    assert result.status == "parsed"


# ---------------------------------------------------------------- not a self-evaluation

@pytest.mark.parametrize("text, kind", [
    ("某县信访局2023年度部门决算说明\n一、部门基本情况\n收入合计100万元。\n"
     "三、预算绩效情况说明\n本局开展了绩效评价，绩效目标全部完成。\n", "budget_or_final_accounts"),
    ("某县2024年部门预算公开说明\n一、部门职责\n二、预算收支情况\n", "budget_or_final_accounts"),
    ("关于开展2023年度部门整体支出绩效自评工作的通知\n各预算单位：\n请按要求开展绩效自评，于3月底前报送。\n"
     "附件：部门整体支出绩效自评表\n", "policy"),
    ("关于做好2024年春节放假安排的通知\n各单位：\n现将放假安排通知如下。\n", "policy"),
    ("某县信访局2023年工作总结\n一、主要工作\n全年接待来访群众500人次。\n", "not_self_evaluation"),
])
def test_documents_that_are_not_self_evaluations(text, kind):
    result, rep = parse(text)
    assert rep is None and result.status == "failed" and result.kind == kind
    assert "不是绩效自评报告" in result.errors[0]


@pytest.mark.parametrize("title, kind", [
    # the self-evaluation heads the title though a budget is named first (Sichuan's form)
    ("部门预算项目支出绩效自评表（2023年度）", "self_evaluation"),
    ("某县信访局部门预算整体支出绩效自评报告", "self_evaluation"),
    # a self-evaluation in brackets, or named before the statement, does not head it
    ("某县信访局2023年度部门决算（含绩效自评情况）", "budget_or_final_accounts"),
    ("某县信访局绩效自评情况及2023年度部门决算说明", "budget_or_final_accounts"),
])
def test_the_head_noun_of_a_title_decides_its_kind(title, kind):
    from ingest.layouts import prose
    ls = prose.lines(read(title + "\n一、基本情况\n收入合计100万元。\n"))
    assert prose.document_kind(ls)[0] == kind


# A province's 项目支出绩效自评表 exported from Word, one cell per line and a blank line
# after each row, a merged cell's other rows printed empty (as the seeds' exporter does):
# the budget block headed 年初预算 / 调整后预算数 / 预算执行数 / 预算执行率 / 权重 with a
# 总额 row, the goal under 项目年度目标 / 年度目标完成情况, and signatures after 改进措施
# (seen in Sichuan, 510000 forms).
PROJECT_FORM = [
    ["部门预算项目支出绩效自评表（2023年度）"],
    ["项目名称", "51000021R000000054321-信访接待经费"],
    ["主管部门", "犍为县信访局", "实施单位（盖章）", "犍为县信访局"],
    ["项目基本情况", "1.项目年度目标完成情况"],
    ["", "项目年度目标", "年度目标完成情况"],
    ["", "保障来访接待和矛盾调处正常开展。", "全年接待来访412批次，按期办结率97%。"],
    ["预算执行情况（10分）", "年度预算数（万元）", "年初预算", "调整后预算数", "预算执行数", "预算执行率",
     "权重", "得分", "原因"],
    ["", "总额", "42.00", "45.00", "43.65", "97.00%", "10", "9.7", ""],
    ["", "其中：财政资金", "42.00", "45.00", "43.65", "97.00%", "/", "/", ""],
    ["绩效指标（90分）", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值",
     "权重", "得分", "未完成原因分析"],
    ["", "产出指标", "数量指标", "接待来访批次", "≥", "350", "批次", "412", "30", "30", ""],
    ["", "", "质量指标", "按期办结率", "≥", "95", "%", "97", "30", "30", ""],
    ["", "满意度指标", "服务对象满意度指标", "来访群众满意度", "≥", "90", "%", "93", "30", "29", "个别诉求未解决"],
    ["合计", "", "", "", "", "", "", "", "100", "98.7", ""],
    ["存在问题", "部分诉求涉及多个部门，协调耗时较长。"],
    ["改进措施", "建立联席会议制度，缩短办理时限。"],
    ["项目负责人：赵强", "", "财务负责人：孙丽"],
]


def test_project_form_exported_from_word():
    text = "\n".join("\n".join("\t" + c for c in row) + "\n" for row in PROJECT_FORM)
    result, rep = parse(text)
    assert result.kind == "self_evaluation" and result.status == "parsed"
    assert (rep.department, rep.fiscal_year) == ("犍为县信访局", 2023)
    [p] = rep.projects
    assert (p.budget_initial, p.budget_adjusted, p.budget_executed, p.execution_rate) == (42, 45, 43.65, 97)
    assert (p.budget_weight, p.budget_score, p.total_weight, p.total_score) == (10, 9.7, 100, 98.7)
    assert (p.goal_expected, p.goal_actual) == ("保障来访接待和矛盾调处正常开展。", "全年接待来访412批次，按期办结率97%。")
    got = [(i.level1, i.level2, i.name, i.operator, i.target_value, i.target_unit, i.actual_value, i.score)
           for i in p.indicators]
    assert got == [("产出指标", "数量指标", "接待来访批次", "≥", 350, "批次", 412, 30),
                   ("产出指标", "质量指标", "按期办结率", "≥", 95, "%", 97, 30),
                   ("满意度指标", "满意度指标", "来访群众满意度", "≥", 90, "%", 93, 29)]
    # the signatures after 改进措施 are not measures
    assert [(f.kind, f.text) for f in rep.findings] == [
        ("problem", "部分诉求涉及多个部门，协调耗时较长。"), ("measure", "建立联席会议制度，缩短办理时限。")]


# The national 部门（单位）整体支出绩效自评表 on its own, with no written report: its grid's
# last column is headed 偏差原因分析及改进措施 and its grade sits in a two-cell row
# (seen in Sichuan and Hunan counties' forms).
DEPARTMENT_FORM = [
    ["部门（单位）整体支出绩效自评表"],
    ["（2023年度）"],
    ["部门（单位）名称", "犍为县信访局"],
    ["年度部门整体支出预算执行情况（万元）", "", "年初预算数", "全年预算数", "全年执行数"],
    ["", "年度资金总额：", "312.40", "335.60", "330.15"],
    ["年度绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
     "偏差原因分析及改进措施"],
    ["", "产出指标", "数量指标", "接待来访批次", "≥350批次", "412批次", "50", "50", ""],
    ["", "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", "50", "47", "个别诉求未解决"],
    ["总分", "", "", "", "", "", "100", "97", ""],
    ["自评等级", "优"],
]


def test_department_form_without_a_written_report():
    text = "\n".join("\n".join("\t" + c for c in row) + "\n" for row in DEPARTMENT_FORM)
    result, rep = parse(text)
    assert (rep.department, rep.fiscal_year, rep.self_score) == ("犍为县信访局", 2023, 97)
    assert (rep.grade, rep.grade_level) == ("优", "优")             # from the 自评等级 row
    assert [i.name for i in rep.indicators] == ["接待来访批次", "群众满意度"]
    assert rep.findings == []        # the grid's cells under 偏差原因分析及改进措施 are not measures


# Chongqing's 部门整体绩效自评表: the self-score and contact in label/value cells of the
# head rows, a budget block whose header's first cell labels it (its figures in the row
# below, under their headings, with no 年度资金总额 label), three goal columns (年初 /
# 全年（调整）/ 实际完成) and 全年实际值 for the actual values (seen on Chongqing sites).
CHONGQING_FORM = [
    ["部门整体绩效自评表"],
    ["（2021年度）"],
    ["主管部门", "重庆市渝北区信访办公室", "财政处室", "行政政法处", "自评总分（分）", "96.5"],
    ["部门联系人", "王丽", "联系电话", "023-68881234"],
    ["部门预算执行情况（万元）", "年初预算数", "全年（调整）预算数", "全年执行数", "执行率（%）", "执行率权重",
     "执行率得分（分）"],
    ["", "560.20", "585.60", "571.30", "97.56%", "10", "9.76"],
    ["当年绩效目标", "年初绩效目标", "全年（调整）绩效目标", "全年目标实际完成情况"],
    ["", "畅通信访渠道，及时受理群众信访事项。", "同年初目标", "全年受理信访事项1520件，按期办结率99.2%。"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "全年（调整）指标值", "全年实际值",
     "权重（分）", "得分（分）", "未完成原因和改进措施"],
    ["", "产出指标", "数量指标", "信访事项受理件数", "≥1200件", "≥1200件", "1520件", "10", "10", ""],
    ["", "", "质量指标", "信访事项按期办结率", "≥95%", "≥95%", "99.2%", "10", "10", ""],
    ["", "效益指标", "社会效益指标", "群众信访满意率", "≥90%", "≥90%", "93.5%", "20", "19", "个别诉求过高"],
]


def test_chongqing_department_form():
    result, rep = parse(_rows_as_word_table(CHONGQING_FORM))
    assert result.status == "parsed"
    assert (rep.department, rep.fiscal_year) == ("重庆市渝北区信访办公室", 2021)
    assert (rep.self_score, rep.contact_name, rep.contact_phone) == (96.5, "王丽", "023-68881234")
    assert [(f.item, f.amount) for f in rep.finance if f.statement == "budget"] == [
        ("initial", 560.2), ("adjusted", 585.6), ("executed", 571.3)]
    assert (rep.budget_execution_rate, rep.budget_weight, rep.budget_score) == (97.56, 10, 9.76)
    assert [(g.expected, g.actual) for g in rep.goals] == [
        ("畅通信访渠道，及时受理群众信访事项。", "全年受理信访事项1520件，按期办结率99.2%。")]
    assert [(i.name, i.target_text, i.actual_text, i.weight, i.score) for i in rep.indicators] == [
        ("信访事项受理件数", "≥1200件", "1520件", 10, 10),
        ("信访事项按期办结率", "≥95%", "99.2%", 10, 10),
        ("群众信访满意率", "≥90%", "93.5%", 20, 19)]


def test_chongqing_department_form_in_yuan():
    rows = [list(r) for r in CHONGQING_FORM]
    rows[4][0] = "部门预算执行情况（元）"
    rows[5] = ["", "5602000.00", "5856000.00", "5713000.00", "97.56%", "10", "9.76"]
    result, rep = parse(_rows_as_word_table(rows))
    assert [(f.item, f.amount, f.amount_text) for f in rep.finance if f.statement == "budget"] == [
        ("initial", 560.2, "5602000.00"), ("adjusted", 585.6, "5856000.00"), ("executed", 571.3, "5713000.00")]


def test_national_department_form_with_amounts_beside_their_labels():
    # the national 部门（单位）整体支出绩效自评表 prints each amount in the cell after its
    # label ('其中：基本支出：' | '176.30'); the Hunan form puts both in one cell
    rows = [
        ["部门（单位）整体支出绩效自评表"], ["（2022年度）"],
        ["部门（单位）名称", "某县信访局"],
        ["年度部门整体支出预算执行情况（万元）", "", "年初预算数", "全年预算数", "全年执行数", "执行率"],
        ["", "年度资金总额：", "240.00", "248.00", "234.80", "94.68%"],
        ["", "按收入性质分：", "", "", "按支出性质分：", ""],
        ["", "其中：一般公共预算：", "", "234.80", "其中：基本支出：", "176.30"],
        ["", "政府性基金预算：", "", "0", "项目支出：", "58.50"],
        ["年度总体目标", "预期目标", "", "", "实际完成情况", ""],
        ["", "畅通信访渠道，化解矛盾纠纷。", "", "", "全年受理信访事项860件，化解积案12件。", ""],
        ["年度绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
        ["", "产出指标", "数量指标", "受理信访事项", "≥800件", "860件", "30", "30", ""],
        ["总分", "", "", "", "", "", "100", "97", ""],
    ]
    result, rep = parse(_rows_as_word_table(rows))
    assert (rep.department, rep.fiscal_year, rep.self_score) == ("某县信访局", 2022, 97)
    got = {(f.statement, f.item): (f.amount, f.amount_text) for f in rep.finance}
    assert got == {("budget", "initial"): (240, "240.00"), ("budget", "adjusted"): (248, "248.00"),
                   ("budget", "executed"): (234.8, "234.80"),
                   ("income", "general_budget"): (234.8, "234.80"), ("income", "gov_fund"): (0, "0"),
                   ("expenditure", "basic"): (176.3, "176.30"), ("expenditure", "project"): (58.5, "58.50")}


def _rows_as_word_table(rows):
    return "\n".join("\n".join("\t" + c for c in row) + "\n" for row in rows)


# Hunan's 部门整体支出绩效评价基础数据表, attached after a written report: staffing over
# its figures, and 经费控制情况 with a column per year (seen in Hunan county reports).
BASIC_DATA = [
    ["财政供养人员情况", "编制数", "2021年实际在职人数", "控制率"],
    ["", "12", "11", "91.67%"],
    ["经费控制情况", "2020年决算数", "2021年预算数", "2021年决算数"],
    ["三公经费", "3.20", "3.00", "2.45"],
    ["1、公务用车购置和维护经费", "2.10", "2.00", "1.60"],
    ["其中：公车购置", "0", "0", "0"],
    ["公车运行维护", "2.10", "2.00", "1.60"],
    ["2、出国经费", "0", "0", "0"],
    ["3、公务接待", "1.10", "1.00", "0.85"],
    ["公用经费", "30.50", "28.00", "29.10"],
]
REPORT_HEAD = ("某县信访局2021年度部门整体支出绩效自评报告\n一、部门基本情况\n本局为县政府工作部门。\n"
               "二、绩效自评结论\n综合评分为95分，等级为优。\n附件\n部门整体支出绩效评价基础数据表\n")


def test_basic_data_table_gives_staffing_and_three_public_of_the_year():
    result, rep = parse(REPORT_HEAD + _rows_as_word_table(BASIC_DATA))
    assert (rep.staff_authorized, rep.staff_actual) == (12, 11)
    got = {f.item: (f.amount, f.amount_text) for f in rep.finance if f.statement == "three_public"}
    assert got == {"total": (2.45, "2.45"), "vehicle_purchase": (0, "0"), "vehicle_running": (1.6, "1.60"),
                   "overseas": (0, "0"), "reception": (0.85, "0.85")}    # the 2021 决算 column
    assert not any(f.statement == "expenditure" for f in rep.finance)   # 公用经费 is not read here


def test_basic_data_table_in_yuan_is_converted():
    rows = [["单位：元"], ["经费控制情况", "2020年决算数", "2021年决算数"],
            ["三公经费", "32000.00", "24500.00"], ["3、公务接待", "11000.00", "8500.00"]]
    result, rep = parse(REPORT_HEAD + _rows_as_word_table(rows))
    got = {f.item: (f.amount, f.amount_text) for f in rep.finance if f.statement == "three_public"}
    assert got == {"total": (2.45, "24500.00"), "reception": (0.85, "8500.00")}


def test_basic_data_table_of_other_years_only_is_not_read():
    rows = [["经费控制情况", "2019年决算数", "2020年决算数"], ["三公经费", "3.20", "2.90"]]
    result, rep = parse(REPORT_HEAD + _rows_as_word_table(rows))
    assert not any(f.statement == "three_public" for f in rep.finance)


def test_a_staffing_word_inside_an_indicator_row_is_not_a_basic_data_table():
    rows = [["一级指标", "二级指标", "三级指标", "评分标准", "分值", "得分"],
            ["", "", "财政供养人员控制率", "在职人员控制率≦100%，计5分", "5", "5"],
            ["", "", "三公经费变动率", "12", "5", "5"]]
    result, rep = parse(REPORT_HEAD + _rows_as_word_table(rows))
    assert (rep.staff_authorized, rep.staff_actual) == (None, None)


def test_final_accounts_statement_embedding_a_self_evaluation_yields_it():
    # issue 5: a 部门决算说明 with the self-evaluation as one of its parts
    result, rep = parse("某县信访局2023年度部门决算说明\n一、部门基本情况\n收入合计300万元，支出合计290万元。\n"
                        "第四部分 部门整体支出绩效自评报告\n一、基本情况\n"
                        "2023年度支出合计241.63万元。其中：基本支出186.38万元，项目支出55.25万元。\n"
                        "二、绩效自评结论\n综合评分为97分，绩效自评结果为良。\n")
    assert result.kind == "self_evaluation" and result.status == "parsed"
    assert (rep.department, rep.fiscal_year, rep.self_score) == ("某县信访局", 2023, 97)
    assert money(rep, "expenditure.total") == 241.63           # the report's, not the statement's
    assert money(rep, "income.total") is None


def test_not_self_evaluation_is_a_documents_row(tmp_path):
    import sqlite3

    from ingest.pipeline import ingest_paths
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "js.txt").write_text("某县信访局2023年度部门决算说明\n一、部门基本情况\n", encoding="utf-8")
    ingest_paths([tmp_path / "in"], tmp_path / "x.db", progress=False)
    row = sqlite3.connect(tmp_path / "x.db").execute("SELECT status, kind, error FROM documents").fetchone()
    assert row[0] == "failed" and row[1] == "budget_or_final_accounts" and "决算" in row[2]


def test_pipe_rows_and_preformatted_tables_inside_pages_and_word_files():
    # text tables pasted into a web page or a Word file, and a <pre> block of tab rows
    import io

    import docx
    page = ("<html><body><p>2023年度某县信访局部门整体支出绩效自评表</p>"
            "<p>| 一级指标 | 二级指标 | 三级指标 |</p><p>|---|---|---|</p><p>| 产出指标 | 数量指标 | 办结率 |</p>"
            "<pre>\n联系人\t张三\n人员编制\t12\n</pre></body></html>")
    doc = read_bytes(page.encode("utf-8"), "p.html")
    assert [[r.texts for r in t.rows] for t in doc.tables] == [
        [["一级指标", "二级指标", "三级指标"], ["产出指标", "数量指标", "办结率"]],
        [["联系人", "张三"], ["人员编制", "12"]]]
    d = docx.Document()
    for line in ("| 一级指标 | 二级指标 |", "| 产出指标 ||"):
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    doc = read_bytes(buf.getvalue(), "w.docx")
    assert [r.texts for r in doc.tables[0].rows] == [["一级指标", "二级指标"], ["产出指标"]]


def test_the_traditional_only_characters_all_change_under_t2s():
    """The pre-check lists characters only Traditional text uses: each must differ from
    its Simplified form (查, the same in both, made most Simplified reports pay for a
    full OpenCC conversion)."""
    import opencc

    from ingest.read import chars

    cc = opencc.OpenCC("t2s")
    listed = chars._TRADITIONAL_ONLY.pattern[1:-1]
    assert len(listed) > 50 and len(set(listed)) == len(listed)
    assert [c for c in listed if cc.convert(c) == c] == []
    assert not chars.is_traditional("检查了本单位的预算执行情况。" * 20)


# ---------------------------------------------------------------- names and kinds on web pages

def test_a_name_from_running_text_starts_with_a_known_place():
    # no title names the department: the running text does, after a label run into it
    result, rep = parse("部门整体支出绩效评价自评报告\n部门(单位)名称汨罗市住房和城乡建设局预算编码302001\n"
                        "一、基本情况\n支出合计88万元。\n")
    assert rep.department == "汨罗市住房和城乡建设局"
    # a phrase that only ends like a name ('…交办', '…西部') is none
    result, rep = parse("本部门按要求对2021年部门整体支出开展绩效自评。\n"
                        "通过项目实施，较好地完成了中省市书记信箱交办的所有案件。\n"
                        "为建设成渝地区双城经济圈和西部营造良好氛围。\n支出合计88万元。\n")
    assert "未能识别部门名称 department" in result.errors
    result, rep = parse("本部门按要求对2021年部门整体支出开展绩效自评。\n"
                        "经常性与国家机关及北京市各机关各行业协会建立更加广泛和紧密的联系。\n")
    assert "未能识别部门名称 department" in result.errors
    # an autonomous prefecture by its everyday name
    result, rep = parse("部门整体支出绩效自评报告\n一、基本情况\n2023年，楚雄州数据发展中心实施项目3个。\n"
                        "支出合计88万元。\n")
    assert rep.department == "楚雄州数据发展中心"


def test_a_breadcrumb_is_not_the_title():
    # the last crumb ('城乡规划') reads like a plan's title; the report's title follows
    result, rep = parse("当前位置: 首页 > 公开领域 > 城乡规划\n\n"
                        "汨罗市住房和城乡建设局2018年度整体支出 绩效评价报告\n\n"
                        "一、基本情况\n行政事业总编制为249个，其中行政编13个。全局现有在职人员246人。\n"
                        "支出合计88万元。\n")
    assert result.status != "failed" and result.kind == "self_evaluation"
    assert (rep.department, rep.fiscal_year) == ("汨罗市住房和城乡建设局", 2018)
    assert (rep.staff_authorized, rep.staff_actual) == (249, 246)


# A project form on a government web page, one cell per line ending in " |", rows parted
# by runs of "|", and amounts printed with a bare 万 in a table headed (万元) (seen on a
# Hubei city's page).
WEB_PROJECT_FORM = """项目支出绩效自评表 |
|||||||||
( 2022 年度) |
|||||||||
项目名称 |
某某中心运行经费 |
||||||||
主管部门 |
|
实施单位 |
|
||||||||
项目资金 (万元) |
|
年初预算数 |
全年预算数 |
全年执行数 |
分值 |
执行率 |
得分 |
||||||
年度资金总额 |
86.4万 |
90万 |
72.9万 |
10 |
81% |
8.1 |
|||||||
绩 效 指 标 |
一级指标 |
二级指标 |
三级指标 |
年度 指标值 |
实际 完成值 |
分值 |
得分 |
|||||
产出指标 |
数量指标 |
窗口服务人次 |
≥3000人次 |
3400人次 |
30 |
30 |
|||||
"""


def test_web_project_form_with_amounts_printed_in_wan():
    result, rep = parse(WEB_PROJECT_FORM)
    (p,) = rep.projects
    assert p.name == "某某中心运行经费"
    assert (p.budget_initial, p.budget_adjusted, p.budget_executed) == (86.4, 90, 72.9)
    assert (p.execution_rate, p.budget_weight, p.budget_score) == (81, 10, 8.1)


# ---------------------------------------------------------------- key tasks

def test_key_tasks_under_a_spanning_money_header():
    # the provincial workbook's 部门年度重点工作任务: 批复金额 spans 总额 / 财政拨款 / 其他资金
    result, rep = parse(
        "某县民政局2022年度部门整体支出绩效自评表\n\n"
        "二、部门年度重点工作任务\t\t\t\t\t\t\t\t\n"
        "任务名称\t项目级次\t主要内容\t批复金额（万元）\t\t\t实际支出金额（万元）\t预算执行率\t预算执行偏低原因及改进措施\n"
        "\t\t\t总额\t财政拨款\t其他资金\t\t\t\n"
        "救助帮扶\t一级预算\t困难群众临时救助\t64.50\t60.00\t4.50\t58.05\t90%\t部分救助对象年末申报\n"
        "\t一级预算\t机关运行\t112.00\t112.00\t\t112.00\t100%\t无偏差\n"
        "三、部门整体支出绩效指标\t\t\t\t\t\t\t\t\n"
        "一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t实际完成值\t偏差原因分析及改进措施\n"
        "产出指标\t数量指标\t救助人次\t≥\t300\t人次\t320\t无\n")
    assert [(t.name, t.level, t.content, t.budget, t.budget_fiscal, t.budget_other, t.spent,
             t.execution_rate, t.note) for t in rep.tasks] == [
        ("救助帮扶", "一级预算", "困难群众临时救助", 64.5, 60, 4.5, 58.05, 90, "部分救助对象年末申报"),
        # a blank name stays blank: the row is not given the task above it
        (None, "一级预算", "机关运行", 112, 112, None, 112, 100, "无偏差")]
    assert (rep.tasks[0].budget_text, rep.tasks[0].spent_text, rep.tasks[0].execution_rate_text) == (
        "64.50", "58.05", "90%")


def test_key_tasks_of_the_national_department_form():
    # 部门（单位）整体支出绩效自评表: a 年度主要任务 label column, 预算数 / 执行数, amounts in 元,
    # a total row that is not a task, and a rate printed without % kept as printed
    result, rep = parse(
        "某市司法局2023年度部门（单位）整体支出绩效自评表\n\n"
        "年度主要任务\t任务名称\t主要内容\t预算数（元）\t执行数（元）\t执行率\n"
        "\t法律援助\t为困难群众提供法律援助\t350000\t341200\t97.49%\n"
        "\t普法宣传\t开展法治宣传进社区\t120000\t96000\t80\n"
        "金额合计\t\t\t470000\t437200\t\n"
        "年度总体目标\t预期目标\t实际完成情况\n")
    assert [(t.name, t.content, t.budget, t.spent, t.execution_rate, t.execution_rate_text)
            for t in rep.tasks] == [
        ("法律援助", "为困难群众提供法律援助", 35, 34.12, 97.49, "97.49%"),
        ("普法宣传", "开展法治宣传进社区", 12, 9.6, None, "80")]
    assert [t.budget_text for t in rep.tasks] == ["350000", "120000"]
    # the block after the tasks, whose label stands in the task table's label column
    result, rep = parse(
        "某市司法局2023年度部门（单位）整体支出绩效自评表\n\n"
        "年度主要任务\t任务名称\t\t主要内容\n"
        "\t法律援助\t\t为困难群众提供法律援助\n"
        "年度部门整体支出预算执行情况（万元）\t\t年初预算数\t全年预算数\t全年执行数\n"
        "\t年度资金总额：\t212.40\t235.60\t230.15\n")
    assert [(t.name, t.content, t.budget) for t in rep.tasks] == [("法律援助", "为困难群众提供法律援助", None)]


def test_a_task_word_in_other_tables_is_no_task_table():
    result, rep = parse(
        "某县信访局2023年度部门整体支出绩效自评报告\n一、基本情况\n支出合计88万元。\n"
        "年度主要任务\t完成信访接待、矛盾化解\n"
        "任务\t完成情况\n接待来访\t已完成\n")
    assert rep.tasks == []


@pytest.mark.parametrize("cell, contents", [
    # the county form's label cell beside the year's tasks, numbered two ways
    ("\t任务1：完善接访制度；\n任务2：办好网上信访，提高及时受理率；\n任务3：化解积案3.5件以上；",
     ["完善接访制度", "办好网上信访，提高及时受理率", "化解积案3.5件以上"]),
    ("\t1、完善接访制度；2、办好网上信访；3、其他工作任务。",
     ["完善接访制度", "办好网上信访", "其他工作任务"]),
    # running text, not a numbered list: no tasks
    ("\t全年围绕接访和化解积案两项工作，完成了年度目标。", []),
])
def test_key_tasks_listed_in_one_cell(cell, contents):
    text = ("某县信访局2023年度部门整体支出绩效自评报告\n\n"
            "\t一、部门（单位）基本概况\n\n\t联系人\n\t张三\n\n"
            f"\t年度主要\n工作内容\n{cell}\n\n\t二、部门（单位）收支情况\n\n支出合计88万元。\n")
    result, rep = parse(text)
    assert [(t.name, t.content, t.budget) for t in rep.tasks] == [(None, c, None) for c in contents]
    # each item cites the source line it is printed on
    source = text.split("\n")
    for t in rep.tasks:
        assert t.content in source[t.line - 1], (t.line, t.content)
