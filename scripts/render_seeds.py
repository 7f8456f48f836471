#!/usr/bin/env python3
"""Render the bundled seeds (data/raw/*.txt) as DOCX, XLSX, HTML and PDF.

Each seed is read through the real text reader into a Document; its paragraphs and
tables are then written the way such files are published:

* DOCX (python-docx): paragraphs, and tables on a grid as wide as the widest row; a
  row with fewer cells than the grid ends in a horizontally merged cell (gridSpan),
  and an empty first cell under a label is a vertical merge (vMerge), as in the
  Word forms the text exports came from.
* XLSX (openpyxl): one sheet per form (a new sheet at each '…自评表/自评情况'
  title), figures stored as numbers with the number format that prints them as
  published ('10.00', '100.00%'), single-cell table rows merged across the table,
  empty label cells merged into the label above.
* HTML: the report inside a government site page: navigation, a 索引号 / 发布机构 /
  发文日期 header table, share and print links, a footer, scripts and styles; tables
  with colspan and rowspan.
* PDF (fpdf2, Noto CJK from Debian's fonts-noto-cjk): ruled tables, text wrapped
  inside cells, paragraphs wrapped at the page width.

Usage: render_seeds.py OUT_DIR [--formats docx,xlsx,html,pdf] [SEED ...]
Writes OUT_DIR/<format>/<seed stem>.<ext>. The test tests/test_renditions.py
ingests every rendition and checks its gold score equals the text's.
"""
from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.document import Document, Paragraph, Table  # noqa: E402
from ingest.read import read_bytes  # noqa: E402

FORMATS = ("docx", "xlsx", "html", "pdf")
PUBLISHER = "示例县人民政府办公室"   # the site chrome's publisher (not the department)
PUBLISHED = "2024-06-28"


def seeds(raw: Path = ROOT / "data" / "raw") -> list[Path]:
    return sorted(raw.glob("*.txt"))


def load(path: Path) -> Document:
    return read_bytes(path.read_bytes(), path.name)


def printed(x) -> str:
    return x.printed or x.text


def _grid(table: Table) -> tuple[int, list[list[tuple[str, int]]]]:
    """Grid width and rows of (text, span): a short row's last cell spans the rest."""
    width = max(len(r.cells) for r in table.rows) if table.rows else 1
    rows = []
    for r in table.rows:
        texts = [printed(c) for c in r.cells] or [""]
        spans = [1] * len(texts)
        spans[-1] = width - len(texts) + 1
        rows.append(list(zip(texts, spans)))
    return width, rows


def _vertical_merges(rows) -> set[tuple[int, int]]:
    """(row, col) of empty first cells that continue the label cell above."""
    out = set()
    for r in range(1, len(rows)):
        text, span = rows[r][0]
        above_text, above_span = rows[r - 1][0]
        if (not text and span == 1 and above_span == 1 and len(rows[r]) > 1
                and (above_text or (r - 1, 0) in out)):
            out.add((r, 0))
    return out


# ---------------------------------------------------------------- DOCX

def render_docx(doc: Document, path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document()
    style = d.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "宋体"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            d.add_paragraph(printed(block))
            continue
        width, rows = _grid(block)
        vmerged = _vertical_merges(rows)
        table = d.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        tbl = table._tbl
        for r, row in enumerate(rows):
            tr = OxmlElement("w:tr")
            for c, (text, span) in enumerate(row):
                tc = OxmlElement("w:tc")
                tcpr = OxmlElement("w:tcPr")
                if span > 1:
                    gs = OxmlElement("w:gridSpan")
                    gs.set(qn("w:val"), str(span))
                    tcpr.append(gs)
                if (r, c) in vmerged:
                    tcpr.append(OxmlElement("w:vMerge"))
                elif c == 0 and (r + 1, 0) in vmerged:
                    vm = OxmlElement("w:vMerge")
                    vm.set(qn("w:val"), "restart")
                    tcpr.append(vm)
                tc.append(tcpr)
                for line in (text.split("\n") if text else [""]):
                    p = OxmlElement("w:p")
                    if line:
                        run = OxmlElement("w:r")
                        t = OxmlElement("w:t")
                        t.set(qn("xml:space"), "preserve")
                        t.text = line
                        run.append(t)
                        p.append(run)
                    tc.append(p)
                tr.append(tc)
            tbl.append(tr)
        d.add_paragraph("")
    d.core_properties.title = next((printed(b) for b in doc.blocks if isinstance(b, Paragraph)), "")
    d.save(str(path))


# ---------------------------------------------------------------- XLSX

_NUMBER = re.compile(r"^-?\d{1,9}(?:\.(\d+))?(%?)$")


def _xlsx_value(text: str):
    """A figure as a number and the format that prints it as published."""
    m = _NUMBER.match(text)
    if not m or (text.startswith("0") and len(text) > 1 and text[1] != "."):
        return text, None
    decimals, pct = m.group(1) or "", m.group(2)
    number = float(text.rstrip("%"))
    if pct:
        number /= 100
        return number, "0" + ("." + "0" * len(decimals) if decimals else "") + "%"
    if decimals:
        if decimals.endswith("0"):
            return number, "0." + "0" * len(decimals)
        return number, None   # General prints 215.13 as 215.13
    return int(text), None


def _sheets(doc: Document) -> list[list]:
    """Blocks split into sheets at form titles ('…自评表', '…自评情况')."""
    sheets: list[list] = [[]]
    for b in doc.blocks:
        if (isinstance(b, Paragraph) and re.search(r"自评(表|情况)$", b.text.strip())
                and any(isinstance(x, Table) for x in sheets[-1])):
            sheets.append([])
        sheets[-1].append(b)
    return sheets


def render_xlsx(doc: Document, path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Border, Side

    thin = Side(style="thin")
    ruled = Border(left=thin, right=thin, top=thin, bottom=thin)

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n, blocks in enumerate(_sheets(doc), 1):
        ws = wb.create_sheet(f"表{n}")
        r = 1
        for b in blocks:
            if isinstance(b, Paragraph):
                ws.cell(r, 1, printed(b))
                r += 1
                continue
            width, rows = _grid(b)
            vmerged = _vertical_merges(rows)
            start = r
            for i, row in enumerate(b.rows):
                cells = [printed(c) for c in row.cells]
                for c, text in enumerate(cells, 1):
                    value, fmt = _xlsx_value(text) if text else (None, None)
                    cell = ws.cell(r, c, value)
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"   # text such as '=100%', not a formula
                    if fmt:
                        cell.number_format = fmt
                    if isinstance(value, str) and "\n" in value:
                        cell.alignment = Alignment(wrap_text=True)
                for c in range(1, width + 1):
                    ws.cell(r, c).border = ruled
                if len(cells) < width:   # a short row's last cell is merged to the end
                    ws.merge_cells(start_row=r, start_column=len(cells), end_row=r, end_column=width)
                r += 1
            # an empty label cell under a label is merged into it
            k = 0
            while k < len(b.rows):
                if (k + 1, 0) in vmerged and (k, 0) not in vmerged:
                    end = k + 1
                    while (end + 1, 0) in vmerged:
                        end += 1
                    ws.merge_cells(start_row=start + k, start_column=1, end_row=start + end, end_column=1)
                    k = end
                k += 1
            r += 1   # a blank row after a table
        ws.column_dimensions["A"].width = 24
    wb.save(str(path))


# ---------------------------------------------------------------- HTML

_CHROME_TOP = """<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="utf-8">
<meta name="SiteName" content="示例县人民政府门户网站">
<meta name="ColumnName" content="财政预决算">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{date} 09:30">
<meta name="ContentSource" content="{publisher}">
<title>{title}_示例县人民政府门户网站</title>
<link rel="stylesheet" href="/css/site.css">
<style>body{{font-family:SimSun}} .nav li{{display:inline}}</style>
<script>var _hmt = _hmt || []; (function(){{ var s = "统计代码"; }})();</script>
</head><body>
<div class="header"><div class="logo">示例县人民政府门户网站</div>
<div class="search"><form action="/search"><input name="q" placeholder="请输入关键字"><button>搜索</button></form></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxx/">走进示例</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/czyjs/">财政预决算</a></div>
<table class="xxgk_table">
<tr><td>索引号：</td><td>000014349/2024-01234</td><td>主题分类：</td><td>财政、金融、审计</td></tr>
<tr><td>发布机构：</td><td>{publisher}</td><td>发文日期：</td><td>{date_cn}</td></tr>
<tr><td>标&nbsp;&nbsp;题：</td><td colspan="3">{title}</td></tr>
<tr><td>文&nbsp;&nbsp;号：</td><td></td><td>有效性：</td><td>有效</td></tr>
</table>
<div class="article">
<div class="info">发布时间：{date} 09:30 &nbsp; 来源：{publisher} &nbsp; 浏览次数：1024
&nbsp; 【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="TRS_Editor" id="zoom">
"""

_CHROME_BOTTOM = """</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> &nbsp; <a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/a/1.html">示例县2023年部门预算公开</a></li>
<li><a href="/a/2.html">示例县2023年政府信息公开工作年度报告</a></li></ul></div>
</div>
<div class="footer"><p>主办单位：示例县人民政府办公室 &nbsp; 承办：示例县政务服务中心</p>
<p>版权所有 © 示例县人民政府 &nbsp; 网站标识码：0000000000 &nbsp; ICP备00000000号</p>
<p><a href="/sitemap">网站地图</a> | <a href="/contact">联系我们</a></p></div>
<script src="/js/jquery.min.js"></script><script>$(function(){ /* 分享 */ });</script>
</body></html>
"""


def _esc(text: str) -> str:
    """Escaped text; runs of spaces kept as &nbsp; (a browser would collapse them)."""
    return re.sub(r"(?<= ) ", "&nbsp;", html.escape(text))


def render_html(doc: Document, path: Path) -> None:
    title = next((printed(b) for b in doc.blocks if isinstance(b, Paragraph)), path.stem)
    y, m, d = PUBLISHED.split("-")
    out = [_CHROME_TOP.format(title=html.escape(title), date=PUBLISHED, publisher=PUBLISHER,
                              date_cn=f"{y}年{int(m)}月{int(d)}日")]
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.append(f'<p style="text-indent:2em">{_esc(printed(b))}</p>\n')
            continue
        width, rows = _grid(b)
        vmerged = _vertical_merges(rows)
        out.append('<table border="1" cellspacing="0" cellpadding="4" width="100%">\n<tbody>\n')
        for r, row in enumerate(rows):
            out.append("<tr>")
            for c, (text, span) in enumerate(row):
                if (r, c) in vmerged:
                    continue
                attrs = f' colspan="{span}"' if span > 1 else ""
                if c == 0 and (r + 1, 0) in vmerged:
                    down = 1
                    while (r + down, 0) in vmerged:
                        down += 1
                    attrs += f' rowspan="{down}"'
                inner = "".join(f"<p>{_esc(x)}</p>" for x in text.split("\n")) if "\n" in text \
                    else _esc(text)
                out.append(f"<td{attrs}>{inner}</td>")
            out.append("</tr>\n")
        out.append("</tbody></table>\n")
    out.append(_CHROME_BOTTOM)
    path.write_text("".join(out), encoding="utf-8")


# ---------------------------------------------------------------- PDF

def cjk_font() -> tuple[str, int] | None:
    """(file, index in the collection) of a Simplified Chinese Noto CJK font, from
    Debian's fonts-noto-cjk; None when it is not installed."""
    import subprocess
    try:
        out = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{family}\n", ":lang=zh-cn"],
                             capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    best = None
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) < 3:
            continue
        file, index, family = parts[0], parts[1], parts[2]
        if "Sans CJK SC" in family and "Regular" in file and not file.endswith(".otf"):
            return file, int(index or 0)
        if "CJK SC" in family and best is None:
            best = (file, int(index or 0))
    for file in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",):
        if best is None and Path(file).exists():
            best = (file, 2)
    return best


def truetype_cjk_font(chars: str, cache_dir: Path) -> Path:
    """A small TrueType (glyf) font with the given characters, cut from Noto CJK SC.

    Noto CJK is CFF-based; fpdf2 embeds a CFF CID font with an embedded encoding CMap
    that pdfminer (under pdfplumber) cannot decode, so its text would not be found.
    Word's PDFs embed TrueType with Identity-H, which every extractor reads; a
    subset converted to quadratic outlines makes the renditions read the same way."""
    import hashlib

    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    chars = "".join(sorted(set(chars) | set(map(chr, range(0x20, 0x7F))) | set("第页")))
    key = hashlib.sha256(chars.encode("utf-8")).hexdigest()[:16]
    target = Path(cache_dir) / f"cjk-{key}.ttf"
    if target.exists():
        return target
    found = cjk_font()
    if found is None:
        raise RuntimeError("no CJK font: install Debian's fonts-noto-cjk")
    font = TTFont(found[0], fontNumber=found[1], lazy=False)
    opts = subset.Options()
    opts.desubroutinize = True
    opts.notdef_outline = True
    opts.layout_features = []
    opts.name_IDs = ["*"]
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(order)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\x00\x01\x00\x00"
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target


_PAGE_ROWS_MM = 200   # a table row taller than this is split so it fits on a page
_EM_MM = 9 * 0.3528   # a CJK character at 9 pt


def _text_mm(text: str) -> float:
    return sum(_EM_MM * (0.55 if ord(ch) < 0x2E80 else 1.0) for ch in text)


def _lines_needed(text: str, width_mm: float) -> int:
    usable = max(width_mm - 2.5, _EM_MM)
    return sum(max(1, -(-int(_text_mm(ln) * 100) // int(usable * 100))) for ln in text.split("\n"))


def _column_widths(rows, width: int, total_mm: float) -> list[float]:
    """Column widths in proportion to what the columns hold, none too narrow."""
    want = [0.0] * width
    for row in rows:
        col = 0
        for text, span in row:
            longest = max((_text_mm(ln) for ln in text.split("\n")), default=0)
            if span == 1:
                want[col] = max(want[col], min(longest, 90.0))
            col += span
    want = [max(w, 14.0) for w in want]
    scale = total_mm / sum(want)
    return [w * scale for w in want]


def _split_tall_row(row, widths, line_h):
    """A row too tall for a page becomes several rows, each cell's lines in turn."""
    col, cell_w = 0, []
    for _, span in row:
        cell_w.append(sum(widths[col:col + span]))
        col += span
    max_lines = int(_PAGE_ROWS_MM / line_h)
    if max(_lines_needed(t, w) for (t, _), w in zip(row, cell_w)) <= max_lines:
        return [row]
    pieces = []
    for (text, span), w in zip(row, cell_w):
        chunks, cur, n = [], [], 0
        for ln in text.split("\n"):
            k = _lines_needed(ln, w)
            while k > max_lines:   # one paragraph longer than a page: cut it
                per = max(1, int(len(ln) * max_lines / k) - 1)
                if cur:
                    chunks.append("\n".join(cur))
                    cur, n = [], 0
                chunks.append(ln[:per])
                ln = ln[per:]
                k = _lines_needed(ln, w)
            if cur and n + k > max_lines:
                chunks.append("\n".join(cur))
                cur, n = [], 0
            cur.append(ln)
            n += k
        chunks.append("\n".join(cur))
        pieces.append(chunks)
    parts = max(len(p) for p in pieces)
    return [[(p[i] if i < len(p) else "", span) for p, (_, span) in zip(pieces, row)] for i in range(parts)]


def _doc_chars(doc: Document) -> str:
    out = set()
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.update(printed(b))
        else:
            for row in b.rows:
                for c in row.cells:
                    out.update(printed(c))
    return "".join(out)


def render_pdf(doc: Document, path: Path, font_file: Path | None = None) -> None:
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    if font_file is None:
        font_file = truetype_cjk_font(_doc_chars(doc), Path(path).parent / ".fonts")

    class _PDF(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font("cjk", size=8)
            self.cell(0, 6, f"第 {self.page_no()} 页", align="C")

    pdf = _PDF(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("cjk", "", str(font_file))
    pdf.set_font("cjk", size=9)
    pdf.add_page()
    line_h = 4.6
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            pdf.multi_cell(0, line_h, printed(b), wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
            continue
        width, rows = _grid(b)
        vmerged = _vertical_merges(rows)
        widths = _column_widths(rows, width, pdf.epw)
        out_rows = []
        for r, row in enumerate(rows):
            out_rows.extend((r, part) for part in _split_tall_row(row, widths, line_h))
        with pdf.table(col_widths=widths, text_align="LEFT", wrapmode=WrapMode.CHAR,
                       first_row_as_headings=False, line_height=line_h, padding=1) as table:
            for k, (r, row) in enumerate(out_rows):
                trow = table.row()
                first_part = k == 0 or out_rows[k - 1][0] != r
                for c, (text, span) in enumerate(row):
                    if (r, c) in vmerged and first_part:
                        continue
                    down = 1
                    if c == 0 and (r + 1, 0) in vmerged and (k + 1 >= len(out_rows) or out_rows[k + 1][0] != r):
                        while (r + down, 0) in vmerged:
                            down += 1
                    trow.cell(text, colspan=span, rowspan=down)
        pdf.ln(3)
    pdf.output(str(path))


RENDERERS = {"docx": render_docx, "xlsx": render_xlsx, "html": render_html, "pdf": render_pdf}


def render_all(out_dir: Path, formats=FORMATS, paths=None) -> dict[str, list[Path]]:
    """Render every seed in every format; returns {format: [written paths]}."""
    out_dir = Path(out_dir)
    written: dict[str, list[Path]] = {}
    docs = [(seed, load(seed)) for seed in paths or seeds()]
    for fmt in formats:
        folder = out_dir / fmt
        folder.mkdir(parents=True, exist_ok=True)
        extra = {}
        if fmt == "pdf":   # one font cut for all the seeds
            extra["font_file"] = truetype_cjk_font("".join(_doc_chars(d) for _, d in docs),
                                                   out_dir / ".fonts")
        for seed, doc in docs:
            target = folder / f"{seed.stem}.{fmt}"
            RENDERERS[fmt](doc, target, **extra)
            written.setdefault(fmt, []).append(target)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("seeds", nargs="*", type=Path)
    args = ap.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    for fmt, paths in render_all(args.out_dir, formats, args.seeds or None).items():
        print(f"{fmt}: {len(paths)} files in {args.out_dir / fmt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
