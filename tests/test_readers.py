"""Readers: every format and encoding gives the Document the text reader would.

Fixtures are written by the tests themselves; each one that stands for a real layout
says where that layout was seen.
"""
from __future__ import annotations

import codecs
import io
import sqlite3

import pytest

from ingest.document import Paragraph, Table
from ingest.layouts import parse_document
from ingest.pipeline import ingest_paths, parse_bytes
from ingest.read import detect_format, read_bytes
from ingest.read.chars import clean_artefacts


def blocks(doc):
    """Paragraph texts and table rows, for comparing Documents."""
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.append(b.text)
        else:
            out.append([r.texts for r in b.rows])
    return out


# ---------------------------------------------------------------- text encodings

SAMPLE = "2024年度部门整体支出绩效自评报告\n部门：临县信访局\n\t联系人\n\t张三\n"


@pytest.mark.parametrize("raw, encoding", [
    (SAMPLE.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8"),
    (SAMPLE.encode("gb18030"), "gb18030"),
    (SAMPLE.encode("gbk"), "gb18030"),
    (codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16"),
    (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16"),
    (SAMPLE.encode("utf-16-le"), "utf-16"),
    (SAMPLE.encode("utf-16-be"), "utf-16"),
])
def test_text_encodings_detected_and_recorded(raw, encoding):
    doc = read_bytes(raw, "report.txt")
    assert doc.encoding == encoding
    assert doc.format == "txt"
    assert blocks(doc) == blocks(read_bytes(SAMPLE.encode("utf-8"), "report.txt"))


def test_undecodable_bytes_fail_clearly():
    rec, result, _ = parse_bytes(b"\x00\x01\x02\x03\xff\xfe\x00" * 50 + b"\x00\x00\x01", "blob.txt")
    assert result.status == "failed"
    assert result.errors and ("二进制" in result.errors[0] or "编码" in result.errors[0])


# ---------------------------------------------------------------- characters

def test_inline_pinyin_removed():
    # seen in reports pasted from online dictionaries and input-method pages
    assert clean_artefacts("項(xiàng)目績效") == "項目績效"
    assert clean_artefacts("项（xiàng）目的(de)绩效") == "项目的绩效"
    assert clean_artefacts("指标(a)与(A)类") == "指标(a)与(A)类"   # no toned pinyin: left alone


def test_traditional_report_matched_simplified_stored_as_printed():
    # Traditional-character reports: seen from Hong Kong/Taiwan-configured Word exports
    text = ("汨羅市信訪局2024年度部門整體支出績效自評報告\n"
            "一、部門基本情況\n"
            "2024年度支出合計241.63萬元。其中：基本支出186.38萬元，項目支出55.25萬元。\n"
            "二、存在的主要問題\n"
            "一是預算編制不夠精細。二是資產管理有待加強。\n"
            "綜合評分為97分，績效自評結果為優。\n")
    doc = read_bytes(text.encode("utf-8"), "trad.txt")
    assert doc.meta.get("script") == "traditional"
    assert doc.text.startswith("汨羅市信訪局")          # documents.text: as printed
    assert doc.blocks[0].text.startswith("汨罗市信访局")  # matching view
    res = parse_document(doc)
    rep = res.reports[0]
    assert rep.department == "汨罗市信访局"   # a canonical name, joins the same department's reports
    assert rep.fiscal_year == 2024
    assert rep.self_score == 97
    assert rep.grade == "優" and rep.grade_level == "优"
    assert rep.finance_amount("expenditure", "total") == 241.63
    assert rep.finance_amount("expenditure", "project") == 55.25
    assert any("預算編制" in f.text for f in rep.findings)   # stored text as printed
    assert rep.title and "績效" in rep.title


def test_full_width_digits_and_symbols_matched():
    # full-width figures: seen in reports typed with a full-width input mode
    text = ("2023年度某县信访局部门整体支出绩效自评表\n"
            "部门名称\t某县信访局\n"
            "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\n"
            "产出指标\t数量指标\t信访事项办结率\t＝１００％\t﹦100％\t２０\t２０\n")
    doc = read_bytes(text.encode("utf-8"), "fw.txt")
    rep = parse_document(doc).reports[0]
    ind = rep.indicators[0]
    assert (ind.operator, ind.target_value, ind.target_unit) == ("=", 100, "%")
    assert ind.actual_value == 100 and ind.weight == 20 and ind.score == 20
    assert (ind.target_text, ind.actual_text) == ("＝１００％", "﹦100％")    # stored as printed


def test_section_body_keeps_each_line_as_printed():
    # a full-width '．' in one line (a sub-heading typed in a full-width input mode)
    # must not turn the ASCII '.' of the other lines into '．': the Markdown body is
    # not in the text verbatim, so it is restored line by line
    text = ("2022年度某县信访局部门整体支出绩效自评报告\n"
            "一、部门基本情况\n"
            "1．主要职能\n"
            "负责全县信访工作，2022年度一般公共预算支出312.40万元，比上年增加13.5万元。\n"
            "2．机构情况\n"
            "内设3个股室，实有人员12人。\n")
    rep = parse_document(read_bytes(text.encode("utf-8"), "fw-dot.txt")).reports[0]
    body = next(s.body for s in rep.sections if s.heading.startswith("一、"))
    assert "**1．主要职能**" in body and "**2．机构情况**" in body
    assert "312.40万元" in body and "13.5万元" in body and "．76" not in body


def test_section_body_drops_escape_before_full_width_symbol():
    # '＜' reads as '<', which a Markdown body escapes ('\\<'); printed back as '＜' the
    # backslash would show on the page (Markdown escapes ASCII punctuation only)
    text = ("2022年度某县信访局部门整体支出绩效自评报告\n"
            "一、评价结论\n"
            "**1．评分等级**\n"
            "得分≥85分为优秀；75≤得分＜85分为良好；得分<60分为差。\n")
    rep = parse_document(read_bytes(text.encode("utf-8"), "fw-lt.txt")).reports[0]
    body = next(s.body for s in rep.sections if s.heading.startswith("一、"))
    assert "75≤得分＜85分为良好" in body and "\\＜" not in body
    assert "得分\\<60分" in body          # an ASCII '<' keeps its escape


# ---------------------------------------------------------------- DOCX

def _docx_bytes(build) -> bytes:
    import docx
    d = docx.Document()
    build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_and_tables_in_order_with_merges():
    # the Hunan county form: label column merged down, header cells merged across
    def build(d):
        d.add_paragraph("2024年度部门整体支出绩效自评报告")
        t = d.add_table(rows=3, cols=4)
        t.cell(0, 0).text = "机构名称"
        t.cell(0, 1).text = "收入合计"
        t.cell(0, 2).merge(t.cell(0, 3)).text = "其中："
        t.cell(0, 0).merge(t.cell(1, 0))
        t.cell(1, 1).text = ""
        t.cell(1, 2).text = "上年结转"
        t.cell(1, 3).text = "财政拨款"
        for c, v in enumerate(["汇总", "231.4", "", "227.46"]):
            t.cell(2, c).text = v
        d.add_paragraph("填报人：张三")
    doc = read_bytes(_docx_bytes(build), "form.docx")
    assert doc.format == "docx" and doc.encoding is None
    assert blocks(doc) == [
        "2024年度部门整体支出绩效自评报告",
        [["机构名称", "收入合计", "其中："], ["", "", "上年结转", "财政拨款"], ["汇总", "231.4", "", "227.46"]],
        "填报人：张三"]
    table = doc.tables[0]
    assert table.rows[0].cells[2].span == 2
    assert table.grid()[0] == ["机构名称", "收入合计", "其中：", ""]


def test_docx_list_numbering_rendered():
    # Word's automatic numbering of headings ('一、', '（一）'): seen in most Word reports
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(d):
        numbering = d.part.numbering_part.element
        numbering.append(parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'))
        numbering.append(parse_xml(
            f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
        for text in ("部门基本情况", "存在的问题"):
            p = d.add_paragraph(text)
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'))
    doc = read_bytes(_docx_bytes(build), "numbered.docx")
    assert blocks(doc) == ["一、部门基本情况", "二、存在的问题"]


def test_docx_detected_by_content_whatever_its_name():
    data = _docx_bytes(lambda d: d.add_paragraph("绩效自评"))
    assert detect_format(data, "download.bin") == "docx"
    assert detect_format(data, "report") == "docx"


def test_corrupt_docx_is_a_failed_document():
    rec, result, _ = parse_bytes(b"PK\x03\x04" + b"\x00" * 200, "broken.docx")
    assert result.status == "failed"
    assert "docx" in result.errors[0].lower() or "读取" in result.errors[0]


# ---------------------------------------------------------------- HTML

PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>某县信访局2023年度部门整体支出绩效自评报告</title>
<script>var x = "脚本";</script><style>p {{ color: red }}</style></head>
<body><div id="nav"><a href="/">首页</a> <a href="/a">政务公开</a> <a href="/b">互动交流</a></div>
<table class="xxgk"><tr><td>索引号：</td><td>123/2024-001</td><td>主题分类：</td><td>财政</td></tr>
<tr><td>发布机构：</td><td>某县财政局</td><td>发文日期：</td><td>2024年05月06日</td></tr></table>
<div class="content"><h2>某县信访局2023年度部门整体支出绩效自评报告</h2>
<p>一、部门基本情况<br>本局实有人员10人。</p>
<p>&nbsp;</p>
<table border=1>
<tr><td rowspan=2>机构名称<td>支出合计<td colspan=2>其中：
<tr><td><td>基本支出<td>项目支出
<tr><td>汇总<td>241.63<td>186.38<td>55.25
</table>
<p>【打印本页】【关闭窗口】</p>
</div>
<div class="footer">版权所有：某县人民政府 ICP备0000号</div></body></html>"""


def test_html_tables_paragraphs_and_metadata():
    # a county government site page (template seen on Hunan and Yunnan county sites)
    data = PAGE.format().encode("gb18030")
    doc = read_bytes(data, "page.htm")
    assert doc.format == "html" and doc.encoding == "gb18030"
    assert doc.meta["publisher"] == "某县财政局"
    assert doc.meta["published_date"] == "2024-05-06"
    assert blocks(doc) == [
        "某县信访局2023年度部门整体支出绩效自评报告",
        "一、部门基本情况",
        "本局实有人员10人。",
        [["机构名称", "支出合计", "其中："], ["", "", "基本支出", "项目支出"], ["汇总", "241.63", "186.38", "55.25"]],
    ]
    assert doc.tables[0].rows[0].cells[2].span == 2
    for chrome in ("首页", "索引号", "版权所有", "打印本页", "脚本"):
        assert chrome not in doc.text


def test_html_layout_table_wrapper_is_not_data():
    # old portals lay the page out with a table holding the article and its tables
    page = ("<html><body><table><tr><td><a href='/'>首页</a></td></tr><tr><td>"
            "<p>2023年度部门整体支出绩效自评报告</p>"
            "<table><tr><td>一级指标</td><td>二级指标</td></tr><tr><td>产出指标</td><td>数量指标</td></tr></table>"
            "</td></tr></table></body></html>")
    doc = read_bytes(page.encode("utf-8"), "old.html")
    assert blocks(doc) == ["2023年度部门整体支出绩效自评报告", [["一级指标", "二级指标"], ["产出指标", "数量指标"]]]


def test_html_meta_tags_and_canonical_url():
    page = ('<html><head><meta name="PubDate" content="2023-04-05 10:00">'
            '<meta name="ContentSource" content="某市信访局"><link rel="canonical" href="https://example.org/a.html">'
            "</head><body><p>绩效自评报告</p></body></html>")
    doc = read_bytes(page.encode("utf-8"), "a.html")
    assert doc.meta["publisher"] == "某市信访局"
    assert doc.meta["published_date"] == "2023-04-05"
    assert doc.source_url == "https://example.org/a.html"


# ---------------------------------------------------------------- XLSX

def _xlsx_bytes(build) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_sheets_merges_and_number_formats():
    # the Yunnan provincial workbook: one sheet per form, merged label cells
    from openpyxl.styles import Border, Side

    def build(wb):
        ws = wb.active
        ws.title = "项目"
        ws["A1"] = "2023年度项目支出绩效自评表"
        ws.append(["项目名称", None, "信访联合工作组工作经费"])
        ws.merge_cells("A2:B2")
        ws.append(["项目资金（万元）", None, "年度资金总额", 10, 1, 0.5])
        ws["D3"].number_format = "0.00"
        ws["E3"].number_format = "0.00%"
        ws["F3"].number_format = "0%"
        ws.append([None, None, "其中：财政拨款", 1793.46, None, None])
        ws["D4"].number_format = "#,##0.00"
        ws.merge_cells("A3:B4")
        ruled = Border(left=Side(style="thin"))
        ws.append([None])
        ws["A5"].border = ruled            # an empty ruled row stays in the table
        ws.append(["总分", None, None, 100])
        ws2 = wb.create_sheet("说明")
        ws2["A1"] = "备注：涉密部门和涉密信息按保密规定不公开。"
        ws2["A2"] = "一级指标包含产出指标、效益指标、满意度指标。"
    doc = read_bytes(_xlsx_bytes(build), "book.xlsx")
    assert doc.format == "xlsx" and doc.encoding is None
    assert doc.meta["sheets"] == ["项目", "说明"]
    assert blocks(doc) == [
        "2023年度项目支出绩效自评表",
        [["项目名称", "", "信访联合工作组工作经费"],
         ["项目资金（万元）", "", "年度资金总额", "10.00", "100.00%", "50%"],
         ["", "", "其中：财政拨款", "1,793.46"],
         [""],
         ["总分", "", "", "100"]],
        "备注：涉密部门和涉密信息按保密规定不公开。",
        "一级指标包含产出指标、效益指标、满意度指标。",
    ]


def test_xlsx_number_format_printing():
    from ingest.read.xlsx import format_number as f
    assert f(10, "0.00") == "10.00"
    assert f(1, "0.00%") == "100.00%"
    assert f(44.4572, "General") == "44.4572"
    assert f(1793.46, "#,##0.00") == "1,793.46"
    assert f(-62.52, "0.00_);[Red](0.00)") == "(62.52)"
    assert f(0.5, "0.0_ ") == "0.5"
    assert f(97, '0"分"') == "97分"


# ---------------------------------------------------------------- PDF

def _cjk_font_file(tmp_path):
    import importlib.util

    from conftest import ROOT
    spec = importlib.util.spec_from_file_location("render_seeds", ROOT / "scripts" / "render_seeds.py")
    rs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rs)
    if rs.cjk_font() is None:
        pytest.skip("no CJK font (Debian fonts-noto-cjk; `make test` installs it)")
    return rs.truetype_cjk_font("2021年度离退休人员经费支出合计万元其中基本项目第页一二三四五级指标产出数量", tmp_path)


def _cjk_pdf(tmp_path, margins: float | None = None):
    """An FPDF document with one page, set in the CJK test font at 10 pt."""
    from fpdf import FPDF
    font = _cjk_font_file(tmp_path)
    pdf = FPDF()
    if margins is not None:
        pdf.set_margins(margins, margins, margins)
    pdf.add_page()
    pdf.add_font("cjk", "", str(font))
    pdf.set_font("cjk", size=10)
    return pdf


def test_pdf_text_tables_and_split_words(tmp_path):
    # PDFs exported from Word with tables; words split by spaces seen in PDFs made by
    # online converters ('2021 年', '离 退休')
    pdf = _cjk_pdf(tmp_path)
    pdf.multi_cell(0, 6, "2021 年度离 退休人员经费支出合计 1,793.46 万元", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    with pdf.table(col_widths=(1, 1, 1), first_row_as_headings=False) as t:
        r = t.row()
        r.cell("一级指标")
        r.cell("二级指标", colspan=2)
        r = t.row()
        r.cell("产出指标", rowspan=2)
        r.cell("数量指标")
        r.cell("10")
        r = t.row()
        r.cell("数量指标")
        r.cell("20")
    pdf.set_y(-15)
    pdf.cell(0, 5, "第 1 页", align="C")
    doc = read_bytes(bytes(pdf.output()), "r.pdf")
    assert doc.format == "pdf" and doc.encoding is None
    assert blocks(doc) == [
        "2021年度离退休人员经费支出合计1,793.46万元",
        [["一级指标", "二级指标"], ["产出指标", "数量指标", "10"], ["", "数量指标", "20"]],
    ]


def test_pdf_without_text_layer_fails_clearly(tmp_path):
    from fpdf import FPDF
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50)
    rec, result, _ = parse_bytes(bytes(pdf.output()), "scan.pdf")
    assert result.status == "failed"
    assert "OCR" in result.errors[0]


# ---------------------------------------------------------------- legacy Office

def test_legacy_doc_without_libreoffice_is_a_clear_error(monkeypatch):
    from ingest.read import legacy
    monkeypatch.setattr(legacy, "office_command", lambda: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for name, label in (("old.doc", ".doc"), ("old.xls", ".xls")):
        rec, result, _ = parse_bytes(ole, name)
        assert result.status == "failed"
        assert "LibreOffice" in result.errors[0] and label in result.errors[0]
        assert rec.format == name.split(".")[1]


# ---------------------------------------------------------------- no input crashes the run

def test_every_failure_is_a_documents_row(tmp_path, monkeypatch):
    from ingest.read import legacy
    monkeypatch.setattr(legacy, "office_command", lambda: None)
    folder = tmp_path / "in"
    folder.mkdir()
    files = {
        "empty.txt": b"",
        "blank.txt": b"   \n\n",
        "binary.txt": bytes(range(256)) * 4,
        "broken.docx": b"PK\x03\x04garbage",
        "broken.xlsx": b"PK\x03\x04other garbage",
        "broken.pdf": b"%PDF-1.4\ngarbage",
        "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
        "archive.zip": b"PK\x03\x04" + b"\x00" * 100,
        "notice.html": "<html><body><p>关于做好2024年春节放假安排的通知</p></body></html>".encode("utf-8"),
        "policy.txt": "某县2024年部门预算公开说明\n一、部门职责\n二、预算收支情况".encode("utf-8"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    db = tmp_path / "x.db"
    summary = ingest_paths([folder], db, progress=False)
    assert summary.total == len(files)
    conn = sqlite3.connect(db)
    rows = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT file_name, status, error FROM documents")}
    assert set(rows) == set(files)
    for name, (status, error) in rows.items():
        assert status == "failed", name
        assert error and len(error) > 8, name
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 0


def test_html_attachments_listed():
    # pages that only link the report as an attached Word/PDF file (common on county sites)
    page = ('<html><body><div class="nav"><a href="/">首页</a></div><p>现将我局绩效自评报告公开如下。</p>'
            '<div><a href="/files/zp.docx">2023年度部门整体支出绩效自评报告.docx</a></div></body></html>')
    doc = read_bytes(page.encode("utf-8"), "a.html")
    assert doc.meta["attachments"] == [{"text": "2023年度部门整体支出绩效自评报告.docx", "href": "/files/zp.docx"}]
    assert blocks(doc) == ["现将我局绩效自评报告公开如下。"]


def test_xlsx_long_empty_tail_is_not_read():
    def build(wb):
        ws = wb.active
        ws["A1"] = "2023年度部门整体支出绩效自评表"
        ws.cell(5000, 3).number_format = "0.00"   # a styled cell far below
        ws.cell(5000, 3).value = None
    doc = read_bytes(_xlsx_bytes(build), "tail.xlsx")
    assert blocks(doc) == ["2023年度部门整体支出绩效自评表"]


WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><meta name=Generator content="Microsoft Word 15">
<style><!-- p.MsoNormal {margin:0cm;} --></style><!--[if gte mso 9]><xml><w:WordDocument></w:WordDocument></xml><![endif]-->
</head><body lang=ZH-CN><div class=WordSection1>
<p class=MsoNormal align=center><b><span style='font-size:16.0pt'>某县信访局2023年度部门整体支出绩效自评报告<span lang=EN-US><o:p></o:p></span></span></b></p>
<p class=MsoNormal><span lang=EN-US><![if !supportLists]>一、<![endif]></span><span>部门基本情况</span></p>
<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>
 <tr><td width=100 rowspan=2><p class=MsoNormal><span>机构名称</span></p></td>
  <td width=100 colspan=2><p class=MsoNormal><span>支出</span><span lang=EN-US><o:p></o:p></span></p></td></tr>
 <tr><td><p class=MsoNormal>基本支出</p></td><td><p class=MsoNormal>项目支出</p></td></tr>
 <tr><td><p class=MsoNormal>汇总</p></td><td><p class=MsoNormal><span lang=EN-US>186.38</span></p></td>
  <td><p class=MsoNormal><span lang=EN-US>55.25<o:p></o:p></span></p></td></tr>
</table>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
</div></body></html>"""


def test_html_saved_from_word():
    # web pages published as Word's "save as web page" output (MsoNormal paragraphs,
    # conditional comments, <o:p> tags), seen on many county portals
    doc = read_bytes(WORD_HTML.encode("gb18030"), "word.htm")
    assert blocks(doc) == [
        "某县信访局2023年度部门整体支出绩效自评报告",
        "一、部门基本情况",
        [["机构名称", "支出"], ["", "基本支出", "项目支出"], ["汇总", "186.38", "55.25"]],
    ]


def test_pdf_wrapped_lines_joined_and_indented_paragraphs_kept(tmp_path):
    # Word PDFs: paragraphs with a two-character first-line indent, wrapped at the margin
    pdf = _cjk_pdf(tmp_path, margins=20)
    em = pdf.get_string_width("一")
    per_line = int((pdf.w - 40) // em)
    y = 30
    lines = [(20 + 2 * em, "一" * (per_line - 2)),   # paragraph 1, first line indented, full
             (20, "二" * per_line),                  # its second line, full
             (20, "三" * 5),                         # its last line
             (20 + 2 * em, "四" * (per_line - 2)),   # paragraph 2, indented
             (20, "五" * 3)]
    for x, text in lines:
        pdf.text(x, y, text)
        y += 6
    doc = read_bytes(bytes(pdf.output()), "p.pdf")
    assert blocks(doc) == ["一" * (per_line - 2) + "二" * per_line + "三" * 5,
                           "四" * (per_line - 2) + "五" * 3]


def test_html_with_thousands_of_unclosed_tags():
    # old pages edited in WYSIWYG tools leave <font> tags open by the thousand
    page = "<html><body>" + "<font size=3>" * 5000 + "<p>2023年度部门整体支出绩效自评报告</p>" + \
           "<div>" * 3000 + "<p>支出合计100万元。</p></body></html>"
    doc = read_bytes(page.encode("utf-8"), "deep.html")
    assert blocks(doc) == ["2023年度部门整体支出绩效自评报告", "支出合计100万元。"]


def test_utf8_with_a_stray_byte_or_cut_mid_character_is_still_utf8():
    text = "2024年度部门整体支出绩效自评报告\n" + "支出合计100万元。\n" * 200
    data = text.encode("utf-8")
    cut = data[:-2]                                          # cut inside the last character
    glitch = data[:500] + b"\xff" + data[500:]               # one stray byte
    for raw in (cut, glitch):
        doc = read_bytes(raw, "r.txt")
        assert doc.encoding == "utf-8"
        assert doc.blocks[0].text == "2024年度部门整体支出绩效自评报告"
    # GB18030 text is not mistaken for UTF-8 with glitches
    assert read_bytes(text.encode("gb18030"), "r.txt").encoding == "gb18030"


def test_legacy_doc_converted_through_libreoffice(tmp_path, monkeypatch):
    # a stand-in for `soffice --headless --convert-to docx --outdir DIR FILE` that writes
    # a prepared .docx where LibreOffice would, so the conversion path itself is tested
    from ingest.read import legacy
    prepared = tmp_path / "prepared.docx"
    prepared.write_bytes(_docx_bytes(lambda d: d.add_paragraph("2023年度部门整体支出绩效自评报告")))
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\n"
                    "while [ $# -gt 0 ]; do case \"$1\" in --outdir) out=\"$2\"; shift;; "
                    "--convert-to) fmt=\"$2\"; shift;; esac; shift; done\n"
                    f"cp '{prepared}' \"$out/source.$fmt\"\n")
    fake.chmod(0o755)
    monkeypatch.setattr(legacy, "office_command", lambda: str(fake))
    doc = read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "old.doc")
    assert doc.format == "doc" and doc.meta["converted_with"] == "libreoffice"
    assert blocks(doc) == ["2023年度部门整体支出绩效自评报告"]


def test_pdf_unruled_table_rows_and_split_words(tmp_path):
    # tables printed without rules (columns set apart by wide gaps), and words the PDF
    # set as separate pieces a little apart ('2021 年')
    pdf = _cjk_pdf(tmp_path)
    em = pdf.get_string_width("一")
    pdf.text(20, 30, "2021")
    pdf.text(20 + pdf.get_string_width("2021") + 0.4 * em, 30, "年度离")
    pdf.text(20 + pdf.get_string_width("2021年度离") + 0.8 * em, 30, "退休人员经费")
    for y, cells in ((40, ("一级指标", "二级指标", "10")), (46, ("产出指标", "数量指标", "20"))):
        for k, text in enumerate(cells):
            pdf.text(20 + k * 8 * em, y, text)
    doc = read_bytes(bytes(pdf.output()), "u.pdf")
    assert blocks(doc) == ["2021年度离退休人员经费",
                           [["一级指标", "二级指标", "10"], ["产出指标", "数量指标", "20"]]]


def test_docx_text_box_read_once():
    # report titles set in a Word text box (stored twice: DrawingML and a VML fallback)
    from docx.oxml import parse_xml
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    box = "<w:txbxContent><w:p><w:r><w:t>2023年度部门整体支出绩效自评报告</w:t></w:r></w:p></w:txbxContent>"

    def build(d):
        p = d.add_paragraph("")
        p._p.append(parse_xml(
            f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}'
            f'</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>{box}</v:textbox>'
            '</w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
        d.add_paragraph("正文")
    doc = read_bytes(_docx_bytes(build), "tb.docx")
    assert blocks(doc) == ["2023年度部门整体支出绩效自评报告", "正文"]
    assert [b.line for b in doc.blocks] == [2, 3]
