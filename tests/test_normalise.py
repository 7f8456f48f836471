"""Numbers, operators, units, levels, grades, dates and masking."""
import pytest

from ingest.normalise import finance, labels
from ingest.normalise.values import parse_value, to_number


@pytest.mark.parametrize("text,op,num,unit", [
    ("≥90%", "≥", 90, "%"), ("=100%", "=", 100, "%"), ("150万元", None, 150, "万元"),
    ("≥4次", "≥", 4, "次"), ("98.00 百分比", None, 98, "%"), ("≥70", "≥", 70, None),
    ("＝100％", "=", 100, "%"), ("﹦100%", "=", 100, "%"), ("1,234.5万元", None, 1234.5, "万元"),
    ("118.64万元", None, 118.64, "万元"), ("≤0", "≤", 0, None), ("９５%", None, 95, "%"),
    ("不低于95%", "≥", 95, "%"), ("90%以上", "≥", 90, "%"),
])
def test_parse_value(text, op, num, unit):
    v = parse_value(text)
    assert (v.operator, v.number, v.unit) == (op, num, unit)


@pytest.mark.parametrize("text", ["保持", "第一时间", "", None, "通过信访信息系统办理信访事项92件"])
def test_text_targets_have_no_number(text):
    assert parse_value(text).number is None


def test_unit_column_is_a_hint():
    v = parse_value("95.00", unit_hint="%")
    assert (v.number, v.unit) == (95, "%")


@pytest.mark.parametrize("text,value", [("206.18", 206.18), ("  206.18", 206.18), ("10分", 10),
                                        ("-0.72", -0.72), ("1,793.46", 1793.46), ("", None), ("—", None),
                                        ("86.4万", 86.4), ("86.4万元", 86.4), ("万", None)])
def test_to_number(text, value):
    assert to_number(text) == value


@pytest.mark.parametrize("raw,canon", [
    ("产出指标\n(50分)", "产出指标"), ("产出目标（部门工作实绩）", "产出指标"), ("效益目标", "效益指标"),
    ("满意度指标（10分）", "满意度指标"), ("成本与预算管理指标", "成本指标"), ("投入", "其他")])
def test_level1(raw, canon):
    assert labels.level1(raw) == canon


@pytest.mark.parametrize("raw,canon", [
    ("数量\n指标", "数量指标"), ("社会效益", "社会效益指标"), ("经济效\n益指标", "经济效益指标"),
    ("生态效益", "生态效益指标"), ("可持续影响", "可持续影响指标"), ("服务对象满意度指标等", "满意度指标"),
    ("社会公众或服务对象满意度", "满意度指标"), ("管理效益", "管理效益")])
def test_level2(raw, canon):
    assert labels.level2(raw) == canon


@pytest.mark.parametrize("grade,level", [("优", "优"), ("优秀", "优"), ("良好", "良"), ("良", "良"),
                                         ("一般", "中"), ("合格", "中"), ("较差", "差"), ("不合格", "差"),
                                         ("", None)])
def test_grade_level(grade, level):
    assert labels.grade_level(grade) == level


def test_dates():
    assert labels.parse_date(" 2025年 9月24 日") == "2025-09-24"
    assert labels.parse_date("2023年4月4日") == "2023-04-04"
    assert labels.parse_date("年    月    日") is None


@pytest.mark.parametrize("text, iso", [
    ("二〇二四年三月一日", "2024-03-01"), ("二〇二四年三月十五日", "2024-03-15"),
    ("二〇二三年十二月三十一日", "2023-12-31"), ("二零二四年十月二十日", "2024-10-20"),
    ("二〇二四年十三月一日", None), ("二〇二四年三月三十二日", None), ("二〇二四年", None),
])
def test_dates_written_in_chinese_numerals(text, iso):
    # an official document is dated in words at its end
    assert labels.parse_date(text) == iso


def test_mobile_numbers_are_masked_and_office_numbers_kept():
    assert labels.mask_phone("13974175388") == "139****5388"
    assert labels.mask_phone("186 7307 2559") == "186****2559"
    assert labels.mask_phone("5551234") == "5551234"
    assert labels.mask_phone("0730-5551234") == "0730-5551234"


def test_person_names_lose_alignment_spaces():
    assert labels.person_name("王  磊") == "王磊"
    assert labels.person_name("欧阳明") == "欧阳明"


@pytest.mark.parametrize("label,statement,code", [
    ("公共财政拨款", None, ("income", "general_budget")),
    ("纳入专户管理的非税收入拨款", None, ("income", "special_nontax")),
    ("人员经费", None, ("expenditure", "personnel")),
    ("日常公用经费", None, ("expenditure", "public")),
    ("公务用车运维费", None, ("three_public", "vehicle_running")),
    ("因公出国（境）费", None, ("three_public", "overseas")),
    ("其他", "assets", ("assets", "other")),
    ("全年执行数", None, ("budget", "executed")),
])
def test_finance_labels(label, statement, code):
    assert finance.classify(label, statement) == code
