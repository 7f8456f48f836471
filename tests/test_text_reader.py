"""The text reader rebuilds the tables that text exports flatten."""
from ingest.document import Paragraph, Table
from ingest.read import read_bytes
from ingest.read.encoding import NotText, decode
from ingest.read.text import parse_text

import pytest


def tables(blocks):
    return [b for b in blocks if isinstance(b, Table)]


def texts(table):
    return [[c.text for c in row.cells] for row in table.rows]


def test_cell_per_line_rows_split_on_blank_lines():
    src = "标题\n\n\t联系人\n\t张三\n\t联络电话\n\t1234567\n\n\t人员编制\n\t12\n"
    blocks = parse_text(src)
    assert isinstance(blocks[0], Paragraph) and blocks[0].text == "标题"
    (t,) = tables(blocks)
    assert texts(t) == [["联系人", "张三", "联络电话", "1234567"], ["人员编制", "12"]]


def test_tab_only_line_is_an_empty_cell_not_a_row_break():
    # a merged or blank cell prints as a lone tab
    src = "\t机构名称\n\t收入合计\n\n\t汇总\n\t\n\t206.18\n\t  \n\t4.26\n"
    (t,) = tables(parse_text(src))
    assert texts(t)[1] == ["汇总", "", "206.18", "", "4.26"]


def test_cell_text_with_trailing_empty_paragraphs_stays_in_its_row():
    # '指标2' has two empty paragraphs after it: the row goes on with '100%'
    src = ("\t\n\t\n\t数量指标\n\t指标1：甲\n\t100%\n\n"
           "\t\n\t\n\t\n\t指标2：乙\n\n\n\t100%\n\n")
    (t,) = tables(parse_text(src))
    assert texts(t) == [["", "", "数量指标", "指标1：甲", "100%"],
                        ["", "", "", "指标2：乙", "100%"]]


def test_continuation_lines_belong_to_the_cell():
    src = "\t预期目标\n\t实际完成\n\n\t（一）甲。\n（二）乙。\n\t（一）丙。\n\n（二）丁。\n\n\t下一行\n"
    (t,) = tables(parse_text(src))
    rows = texts(t)
    assert rows[1] == ["（一）甲。\n（二）乙。", "（一）丙。\n\n（二）丁。"]
    assert rows[2] == ["下一行"]


def test_running_text_after_the_last_table_is_paragraphs():
    src = "\t总分\n\t100\n\n\n\n填报人：李四\n\n附件2\n一、概况\n"
    blocks = parse_text(src)
    paras = [b.text for b in blocks if isinstance(b, Paragraph)]
    assert paras == ["填报人：李四", "附件2", "一、概况"]


def test_caption_between_two_tables_starts_a_new_table():
    src = ("\t一级指标\n\t分值\n\n\t投入\n\t5\n\n\n\n评分表（续）\n\t一级指标\n\t分值\n\n\t产出\n\t7\n")
    blocks = parse_text(src)
    ts = tables(blocks)
    assert len(ts) == 2
    assert any(isinstance(b, Paragraph) and b.text == "评分表（续）" for b in blocks)
    assert texts(ts[1])[0] == ["一级指标", "分值"]


def test_tab_separated_rows_are_a_table_with_empty_merged_cells():
    src = "前言\n一级指标\t二级指标\t三级指标\n产出指标\t数量指标\t甲\n\t质量指标\t乙\n备注\n"
    blocks = parse_text(src)
    (t,) = tables(blocks)
    assert texts(t) == [["一级指标", "二级指标", "三级指标"], ["产出指标", "数量指标", "甲"],
                        ["", "质量指标", "乙"]]
    assert isinstance(blocks[-1], Paragraph) and blocks[-1].text == "备注"


def test_numbered_list_items_with_tabs_are_paragraphs():
    blocks = parse_text("（三）满意度指标\n\t1.\t信访群众满意度：≥90%\n")
    assert [b.text for b in blocks] == ["（三）满意度指标", "1. 信访群众满意度：≥90%"]


def test_export_artefacts_are_removed():
    blocks = parse_text("[bookmark: _GoBack]正文\n<b>一、目标</b>\t\t\n")
    assert blocks[0].text == "正文"


def test_page_breaks_inside_a_table_do_not_cut_it():
    # a form feed on its own line and a printed page number ('— 2 —', '第 3 页 共 9 页')
    # with the blank line printed after it: the table reads as if unbroken
    plain = "\t项目\n\t金额\n\n\t甲\n\t\n\t1.5\n\n\t乙\n\t2\n"
    paged = ("\t项目\n\t金额\n\f\n\n\t甲\n\t\n— 2 —\n\n\t1.5\n\n第 3 页 共 9 页\n\n"
             "\t乙\n\t2\n")
    assert texts(tables(parse_text(paged))[0]) == texts(tables(parse_text(plain))[0]) == [
        ["项目", "金额"], ["甲", "", "1.5"], ["乙", "2"]]
    # source line numbers still count the dropped lines
    assert tables(parse_text(paged))[0].rows[2].cells[0].line == 13


def test_a_form_feed_starting_a_line_is_stripped_and_is_no_binary():
    text = "第一页的文字。\n\f第二页的文字。\n" * 3
    assert decode(text.encode("utf-8"))[0] == text
    paras = [b.text for b in parse_text(text)]
    assert paras == ["第一页的文字。", "第二页的文字。"] * 3


def test_page_like_lines_that_are_text_stay():
    blocks = parse_text("第三章\n\n- 2023 -年\n\n—— 一 ——\n\n2\n")
    assert [b.text for b in blocks] == ["第三章", "- 2023 -年", "—— 一 ——", "2"]


def test_double_spaced_export_keeps_its_rows():
    # two blank lines between rows throughout: a row break, not a cell's empty paragraphs
    src = ("\t一级指标\n\t二级指标\n\t分值\n\t得分\n\n\n\t产出\n\t数量\n\n\n"
           "\t投入\n\t5\n\n\n\t效益\n\t5\n")
    assert texts(tables(parse_text(src))[0]) == [["一级指标", "二级指标", "分值", "得分"],
                                                 ["产出", "数量"], ["投入", "5"], ["效益", "5"]]


def test_an_ideographic_space_before_the_tab_is_still_a_cell():
    src = "\t甲\n\u3000\t乙\n\t丙\n\n\t丁\n"
    assert texts(tables(parse_text(src))[0]) == [["甲", "乙", "丙"], ["丁"]]


WRAPPED = (
    "某县信访局2023年度部门整体支出绩效自评报告\n"
    "一、部门基本情况\n"
    "本局内设办公室、接访股、办信股、督查股四个股室，负责全县信访工作的统\n"
    "筹协调。2023年度财政拨款收入为321.45万元、支出为321.45万元，其中基本支\n"
    "出为250.12万元，项目支出为71.33万元。全年共受理群众来信来访1024件，\n"
    "办结率达到98%，群众满意度达到95%，信访形势总体平稳向好，全年化解积案1\n"
    "28件。\n"
    "二、存在的问题\n"
    "（一）预算编制还不够精细，部分项目支出的绩效目标设置不够科学合理，指\n"
    "标的可衡量性有待加强。\n"
    "（二）基层信访工作力量较为薄弱，业务培训的覆盖面和针对性仍需进一步提\n"
    "高，信息化建设水平有待提升。\n")


def test_text_wrapped_at_a_fixed_width_is_rejoined():
    paras = [b.text for b in parse_text(WRAPPED)]
    assert paras[2].startswith("本局内设办公室") and paras[2].endswith("全年化解积案128件。")
    assert "财政拨款收入为321.45万元" in paras[2] and "其中基本支出为250.12万元" in paras[2]
    assert paras[3] == "二、存在的问题"            # a heading is not joined to the line above
    assert paras[4].endswith("指标的可衡量性有待加强。") and paras[5].startswith("（二）")
    assert [b.line for b in parse_text(WRAPPED)] == [1, 2, 3, 8, 9, 11]


def test_text_with_a_paragraph_per_line_is_not_rejoined():
    # the same sentences, one paragraph per line, several not ending in 。
    lines = [ln for ln in WRAPPED.replace("\n", "").replace("。", "。\n").split("\n") if ln]
    text = "\n".join(ln.rstrip("。") for ln in lines) + "\n"
    assert [b.text for b in parse_text(text)] == [ln.rstrip("。") for ln in lines]


def test_source_lines_are_kept():
    blocks = parse_text("甲\n\n\t乙\n\t丙\n")
    t = tables(blocks)[0]
    assert t.rows[0].cells[1].line == 4


@pytest.mark.parametrize("encoding,name", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"),
                                            ("gb18030", "gb18030"), ("utf-16", "utf-16")])
def test_encodings_are_detected(encoding, name):
    text = "醴陵市信访局2024年度部门整体支出绩效自评报告\n联系人：李四\n"
    decoded, detected = decode(text.encode(encoding))
    assert decoded.lstrip("\ufeff") == text
    assert detected == name


def test_binary_is_not_text():
    with pytest.raises(NotText):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_read_bytes_records_format_and_encoding():
    doc = read_bytes("\t联系人\n\t张三\n".encode("gb18030"), "a.txt")
    assert doc.format == "txt" and doc.encoding in ("gb18030", "utf-8")
    assert tables(doc.blocks)
