"""Each kind of layout, on small documents written here (no seed is named in code)."""
from ingest.layouts import choose, county_form, narrative, parse_document, workbook, scored_form
from ingest.read.text import read_text


def parse(src):
    doc = read_text(src, "x.txt")
    result = parse_document(doc)
    return result, result.reports[0] if result.reports else None


def fin(rep):
    return {f"{f.statement}.{f.item}": f.amount for f in rep.finance if f.unit == "all"}


# Shape of the Hunan county department form (seen in a Hunan prefecture's county reports).
COUNTY = """附件2
某某市2023年度部门整体支出

绩效评价自评报告

部门(单位)名称    某某市测试局

报告日期： 2024年 3月5 日

\t联系人
\t王五
\t联络电话
\t13812345678

\t人员编制
\t8
\t实有人数
\t7

\t机构名称
\t收入合计
\t其中：

\t
\t
\t上年结转
\t公共财政拨款
\t其他收入

\t局机关及二级机构汇总
\t100.5
\t
\t90.5
\t10

\t1、局机关
\t100.5
\t
\t90.5
\t10

\t机构名称
\t支出合计
\t其中：
\t结余

\t
\t
\t基本支出
\t其中：
\t项目支出
\t当年结余
\t累计结余

\t
\t
\t
\t人员支出
\t公用支出
\t
\t
\t

\t局机关及二级机构汇总
\t95
\t80
\t50
\t30
\t15
\t0
\t

\t整体支出绩效定量目标
\t评价内容
\t绩效目标
\t完成情况

\t
\t产出目标
\t数量指标
\t指标1：办结率
\t100%

\t
\t
\t
\t指标2：受理率


\t98%

\t
\t效益目标
\t社会效益
\t指标1：甲
指标2：乙
\t好

\t
\t
\t社会公众或服务对象满意度
\t群众满意
\t95%

\t绩效自评综合得分
\t96

\t评价等次
\t良好

\t姓  名
\t职务/职称
\t单  位
\t签  字

\t赵  六
\t局长
\t某某市测试局
\t

\t
\t
\t
\t

填报人（签名）：  王五                         联系电话：0730-1234567
\t五、评价报告综述（文字部分）

一、部门概况

某某市测试局负责测试工作。

二、存在的主要问题

一是制度不完善；二是人员不足。

三、改进措施

加强管理。
"""


def test_county_form_is_chosen_and_parsed():
    result, rep = parse(COUNTY)
    assert result.layout == county_form.NAME and result.status == "parsed"
    assert rep.department == "某某市测试局" and rep.fiscal_year == 2023
    assert rep.report_date == "2024-03-05"
    assert (rep.staff_authorized, rep.staff_actual) == (8, 7)
    assert (rep.contact_name, rep.contact_phone) == ("王五", "138****5678")
    assert (rep.self_score, rep.grade, rep.grade_level) == (96, "良好", "良")
    f = fin(rep)
    assert f["income.total"] == 100.5 and f["income.general_budget"] == 90.5 and f["income.other"] == 10
    assert "income.carryover" not in f            # a blank cell is no row
    assert (f["expenditure.basic"], f["expenditure.personnel"], f["expenditure.public"],
            f["expenditure.project"], f["expenditure.surplus_year"]) == (80, 50, 30, 15, 0)
    assert "expenditure.surplus_total" not in f
    units = {x.unit for x in rep.finance}
    assert units == {"all", "局机关"}


def test_county_form_indicators():
    _, rep = parse(COUNTY)
    names = [i.name for i in rep.indicators]
    assert names == ["办结率", "受理率", "甲", "乙", "群众满意"]
    by = {i.name: i for i in rep.indicators}
    assert (by["受理率"].level1, by["受理率"].level2, by["受理率"].actual_value) == ("产出指标", "数量指标", 98)
    assert by["乙"].level2 == "社会效益指标" and by["乙"].actual_text == "好"
    assert (by["群众满意"].level1, by["群众满意"].level2) == ("满意度指标", "满意度指标")


def test_county_form_people_and_findings():
    _, rep = parse(COUNTY)
    roles = {(p.role, p.name) for p in rep.people}
    assert {("evaluator", "赵六"), ("filler", "王五"), ("contact", "王五")} <= roles
    assert [f.text for f in rep.findings if f.kind == "problem"] == ["制度不完善；", "人员不足。"]
    assert [f.text for f in rep.findings if f.kind == "measure"] == ["加强管理。"]
    assert [s.heading for s in rep.sections] == ["一、部门概况", "二、存在的主要问题", "三、改进措施"]


# Shape of the scored one-page form (seen in a Hunan prefecture's districts).
SCORED = """2021年度某某县测试局
整体支出绩效自评表
\t预算部门名称
\t某某县测试局

\t年度预算申请（万元）
\t
\t年初预算数
\t全年预算数
\t全年执行数
\t分值
\t执行率
\t得分

\t
\t年度资金总额
\t100
\t110
\t112
\t10分
\t100%
\t10

\t
\t按收入性质分：110
\t按支出性质分：112

\t
\t其中：一般公共预算：110
\t其中：基本支出：112

\t年度总体目标
\t预期目标
\t实际完成情况

\t
\t目标甲

\t完成甲

\t绩效指标
\t一级指标
\t二级指标
\t三级指标
\t年度指标值
\t实际完成值
\t分值
\t得分
\t偏差原因分析及改进措施

\t
\t产出指标
\t数量指标
\t接待
\t=100%
\t100%
\t50
\t50
\t

\t
\t满意度指标
\t服务对象满意度指标
\t群众满意率
\t≥70
\t≥70
\t40
\t38
\t略低

\t总分
\t100
\t98
\t

填报人：李四  联系电话： 13900001111填报日期：2022年4月4日
"""


def test_scored_form():
    result, rep = parse(SCORED)
    assert result.layout == scored_form.NAME
    assert rep.department == "某某县测试局" and rep.fiscal_year == 2021
    f = fin(rep)
    assert (f["budget.initial"], f["budget.adjusted"], f["budget.executed"]) == (100, 110, 112)
    assert f["income.general_budget"] == 110 and f["expenditure.basic"] == 112
    assert (rep.budget_weight, rep.budget_score) == (10, 10)
    assert rep.self_score == 98 and rep.indicator_total_score == 98 and rep.indicator_total_weight == 100
    a, b = rep.indicators
    assert (a.operator, a.target_value, a.target_unit, a.weight, a.score) == ("=", 100, "%", 50, 50)
    assert (b.level1, b.level2, b.operator, b.target_value, b.deviation) == ("满意度指标", "满意度指标", "≥", 70, "略低")
    assert rep.goals[0].expected == "目标甲" and rep.goals[0].actual == "完成甲"
    assert [(p.role, p.name, p.phone) for p in rep.people] == [("filler", "李四", "139****1111")]


def _in_yuan(text: str) -> str:
    """SCORED with its money printed in 元 instead of 万元."""
    for wan, yuan in (("\t100\n", "\t1000000\n"), ("\t110\n", "\t1100000\n"),
                      ("\t112\n", "\t1120000\n"), ("：110\n", "：1100000\n"),
                      ("：112\n", "：1120000\n")):
        assert wan in text
        text = text.replace(wan, yuan)
    return text


def test_money_printed_in_yuan_is_stored_in_wan():
    # SCHEMA.md: money is always 万元; the printed text is kept beside it
    result, rep = parse(_in_yuan(SCORED).replace("年度预算申请（万元）", "年度预算申请（元）"))
    f = fin(rep)
    assert (f["budget.initial"], f["budget.adjusted"], f["budget.executed"]) == (100, 110, 112)
    assert f["income.general_budget"] == 110 and f["expenditure.basic"] == 112
    assert {x.amount_text for x in rep.finance if x.statement == "budget"} == {"1000000", "1100000", "1120000"}
    # the indicators keep their own units and values
    assert [i.target_value for i in rep.indicators] == [100, 70]


def test_a_caption_states_the_money_unit():
    result, rep = parse(_in_yuan(SCORED).replace("年度预算申请（万元）", "年度预算申请")
                        .replace("整体支出绩效自评表\n", "整体支出绩效自评表\n金额单位：元\n"))
    assert fin(rep)["budget.initial"] == 100


def test_units_that_are_not_the_tables_money_unit_change_nothing():
    # an indicator's own unit, and two units stated at once, leave the amounts as printed
    with_indicator = SCORED.replace("\t接待\n", "\t人均接待经费（元）\n").replace("年度预算申请（万元）", "年度预算申请")
    assert fin(parse(with_indicator)[1])["budget.initial"] == 100
    both = SCORED.replace("\t年初预算数\n", "\t年初预算数（元）\n")
    assert fin(parse(both)[1])["budget.initial"] == 100
    # a unit's name that begins with 元 (元江县, 元谋县) is no money unit
    named = SCORED.replace("年度预算申请（万元）", "年度预算申请").replace(
        "\t某某县测试局\n\n", "\t某某县测试局\n\n\t填报单位：元江县测试局\n\n", 1)
    assert "填报单位：元江县" in named
    assert fin(parse(named)[1])["budget.initial"] == 100


def test_project_funds_printed_in_yuan():
    result, rep = parse(
        "项目支出绩效自评表\n（2023年度）\n"
        "项目名称\t信访积案化解专项经费\n"
        "主管部门\t某县信访局\t实施单位\t某县信访局\n"
        "项目资金（元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分\n"
        "\t年度资金总额\t500000\t500000\t480000\t10\t96%\t9.6\n"
        "年度总体目标\t预期目标\t实际完成情况\n"
        "\t化解信访积案30件\t化解信访积案32件\n"
        "绩效指标\t一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\n"
        "\t产出指标\t数量指标\t化解积案数量\t≥30件\t32件\t90\t89\n"
        "总分\t\t\t\t100\t98.6\n")
    p = rep.projects[0]
    assert (p.budget_initial, p.budget_adjusted, p.budget_executed, p.execution_rate) == (50, 50, 48, 96)


# Shape of the provincial workbook (seen in Yunnan): tab-separated rows.
WORKBOOK = """2022年度部门整体支出绩效自评情况

部门：某某市某某区测试局

一、部门基本情况\t(一) 部门概况\t\t某某区测试局2022年末实有行政人员6人。
\t(三) 部门整体收支情况\t\t2022年度支出合计100.00万元。其中：基本支出80.00万元，占总支出的80%；项目支出20.00万元。
四、存在的问题和整改情况\t\t\t存在问题：1. 甲问题。2. 乙问题。 整改情况：1. 甲措施。

2022年度部门整体支出绩效自评表

部门名称\t\t某某市某某区测试局
一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\t实际完成值\t偏差原因分析及改进措施
产出指标\t质量指标\t办结率\t≥\t95.00\t%\t96%\t无偏差
满意度指标\t服务对象满意度指标等\t满意度\t≥\t90.00\t%\t92%\t无偏差

2022年度项目支出绩效自评表

项目名称\t\t工作经费
主管部门\t\t某某市某某区测试局\t\t\t实施单位\t某某市某某区测试局
项目资金 (万元)\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t\t年度资金总额\t10.00\t10.00\t12.00\t10\t100.00%\t10
年度总体目标\t预期目标\t\t\t实际完成情况
\t目标\t\t\t完成
绩效指标\t\t\t年度指标值\t\t\t实际完成值\t分值\t得分\t偏差原因分析及改进措施
一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位
产出指标\t数量指标\t次数\t≥\t10.00\t次\t10.00\t50\t50\t无偏差
\t质量指标\t质量\t≥\t95.00\t%\t95%\t40\t40\t无偏差
总分\t\t\t\t\t\t\t100\t100\t优
"""


def test_workbook_department_and_projects():
    result, rep = parse(WORKBOOK)
    assert result.layout == workbook.NAME
    assert rep.department == "某某市某某区测试局" and rep.fiscal_year == 2022
    assert rep.staff_actual == 6
    f = fin(rep)
    assert (f["expenditure.total"], f["expenditure.basic"], f["expenditure.project"]) == (100, 80, 20)
    assert [(i.name, i.operator, i.target_value, i.target_unit) for i in rep.indicators] == [
        ("办结率", "≥", 95, "%"), ("满意度", "≥", 90, "%")]
    (p,) = rep.projects
    assert (p.name, p.department, p.implementer) == ("工作经费", "某某市某某区测试局", "某某市某某区测试局")
    assert (p.budget_initial, p.budget_adjusted, p.budget_executed, p.execution_rate) == (10, 10, 12, 100)
    assert (p.budget_weight, p.budget_score, p.total_score, p.grade) == (10, 10, 100, "优")
    assert (p.goal_expected, p.goal_actual) == ("目标", "完成")
    assert [(i.level1, i.level2, i.name, i.weight, i.score) for i in p.indicators] == [
        ("产出指标", "数量指标", "次数", 50, 50), ("产出指标", "质量指标", "质量", 40, 40)]
    kinds = [(x.kind, x.text) for x in rep.findings]
    assert ("problem", "甲问题。") in kinds and ("problem", "乙问题。") in kinds and ("measure", "甲措施。") in kinds


# Shape of a narrative report with numbered indicator lists (seen in Hebei).
NARRATIVE = """附件3

某某区测试局部门
2024年度整体支出绩效自评报告

一、部门基本情况
某某区测试局共有在职在编人员9名。
2024年财政拨款收入为200.00万元、支出为200.00万元，其中基本支出为150.00万元，其中人员经费为100.00万元，日常公用经费50.00万元；项目支出为50.00万元。
（一）产出指标
1. 数量指标
（1）培训场次：≥4次
（2）督办数量：按需完成
2. 质量指标
（1）受理率≥99%
（二）满意度指标
\t1.\t群众满意度：≥90%
二、评价结论
部门整体支出绩效总分为95分，等级为优秀。
三、存在的问题及改进措施
（一）存在的主要问题
关注度不够。
（二）改进措施
加强管理。
"""


def test_narrative_report():
    result, rep = parse(NARRATIVE)
    assert result.layout == narrative.NAME
    assert rep.department == "某某区测试局" and rep.fiscal_year == 2024
    assert rep.staff_actual == 9 and (rep.self_score, rep.grade, rep.grade_level) == (95, "优秀", "优")
    f = fin(rep)
    assert f == {"income.general_budget": 200, "expenditure.total": 200, "expenditure.basic": 150,
                 "expenditure.personnel": 100, "expenditure.public": 50, "expenditure.project": 50}
    got = [(i.level1, i.level2, i.name, i.operator, i.target_value, i.target_unit) for i in rep.indicators]
    assert got == [("产出指标", "数量指标", "培训场次", "≥", 4, "次"),
                   ("产出指标", "数量指标", "督办数量", None, None, None),
                   ("产出指标", "质量指标", "受理率", "≥", 99, "%"),
                   ("满意度指标", "满意度指标", "群众满意度", "≥", 90, "%")]
    assert [(x.kind, x.text) for x in rep.findings] == [("problem", "关注度不够。"), ("measure", "加强管理。")]


def test_petition_statistics_with_signed_changes():
    from ingest.layouts import prose
    ls = [prose.Line(1, "我县今年信访总量518批601人次，分别同比下降12.35%和20.41%。办理网上投诉 143件，同比上升17.2 %；")]
    stats = {(s.metric, s.unit): (s.value, s.change_pct) for s in prose.petition_stats(ls)}
    assert stats == {("信访总量", "批"): (518, -12.35), ("信访总量", "人次"): (601, -20.41),
                     ("网上投诉", "件"): (143, 17.2)}


def test_a_document_that_is_not_a_self_evaluation_is_recorded_as_such():
    result, rep = parse("某某局2023年部门决算说明\n一、部门基本情况\n收入合计100万元。\n")
    assert rep is None and result.status == "failed" and result.kind != "self_evaluation"
    assert "不是绩效自评报告" in result.errors[0]


def test_layout_choice_goes_by_content():
    assert choose(read_text(COUNTY)) is county_form
    assert choose(read_text(SCORED)) is scored_form
    assert choose(read_text(WORKBOOK)) is workbook
    assert choose(read_text(NARRATIVE)) is narrative


def test_department_name_takes_the_fuller_form_only_when_printed_alone():
    from ingest.layouts import prose
    base = "长安区测试局部门\n2024年度整体支出绩效自评报告\n一、概况\n"
    alone = read_text(base + "\t单位名称\n\t单位性质\n\n\t石家庄市长安区测试局\n\t行政\n")
    inline = read_text(base + "协助石家庄市长安区测试局开展工作。\n")
    assert prose.department_name(alone, prose.lines(alone)) == "石家庄市长安区测试局"
    assert prose.department_name(inline, prose.lines(inline)) == "长安区测试局"


def test_a_column_headed_单位_is_not_a_department_label():
    from ingest.layouts import prose
    doc = read_text("\t姓  名\n\t单  位\n\t某某县审计局\n\n2023年度某某县测试局整体支出绩效自评表\n")
    assert prose.department_name(doc, prose.lines(doc)) == "某某县测试局"


def test_department_kind_keeps_place_like_characters_inside_the_kind():
    from ingest.layouts import department_kind
    assert department_kind("汨罗市信访局") == "信访局"
    assert department_kind("曲靖市麒麟区信访局") == "信访局"
    assert department_kind("汨罗市市场监督管理局") == "市场监督管理局"
