"""Word (.docx) -> Document, with python-docx.

Body paragraphs and tables in document order. A table row yields one cell per
`<w:tc>`, as a text export of the same document prints it: a horizontally merged
cell (gridSpan) is one cell, and a vertically merged cell continued from above
(vMerge) arrives as an empty cell. Each cell remembers its span (`Cell.span`), so
`Table.grid()` gives the rectangular view with empties after a horizontal merge.
A cell's paragraphs are its lines. Automatic list numbering ('一、', '1.', '（1）')
is rendered where Word would print it, since layouts find headings by it.

Line numbers count paragraphs in reading order (one per body paragraph, one per
paragraph inside a cell), which is where a text export would put them.
"""
from __future__ import annotations

import io
import re

from ..document import Cell, Document, Paragraph, Row, Table, trim_lines
from .chars import clean_artefacts

try:
    import docx  # python-docx
    from docx.oxml.ns import qn
except ImportError as e:  # pragma: no cover - a declared dependency
    raise ImportError("python-docx is required to read .docx files") from e


class DocxError(ValueError):
    pass


_W_P, _W_TBL, _W_SDT, _W_TR, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tr"), qn("w:tc")
_W_R, _W_T, _W_TAB, _W_BR, _W_CR = qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_HYPER, _W_SDTC, _W_SMART, _W_INS = qn("w:hyperlink"), qn("w:sdtContent"), qn("w:smartTag"), qn("w:ins")
_W_FLD = qn("w:fldSimple")
_W_VAL = qn("w:val")
_CONTAINERS = {_W_HYPER, _W_SDT, _W_SDTC, _W_SMART, _W_INS, _W_FLD, qn("w:customXml")}


def _run_text(r) -> str:
    out = []
    for child in r:
        tag = child.tag
        if tag == _W_T:
            out.append(child.text or "")
        elif tag == _W_TAB:
            out.append("\t")
        elif tag in (_W_BR, _W_CR):
            if child.get(qn("w:type")) not in ("page", "column"):
                out.append("\n")
        elif tag == qn("w:noBreakHyphen"):
            out.append("-")
        elif tag == qn("w:sym"):
            ch = child.get(qn("w:char"))
            try:
                code = int(ch, 16)
                out.append(chr(code - 0xF000 if code >= 0xF000 else code))
            except (TypeError, ValueError):
                pass
    return "".join(out)


def _para_text(p) -> str:
    """The text of a <w:p>: runs, including those inside hyperlinks, fields, content
    controls and insertions; deleted text is left out."""
    out = []
    stack = list(p)[::-1]
    while stack:
        el = stack.pop()
        if el.tag == _W_R:
            out.append(_run_text(el))
        elif el.tag in _CONTAINERS:
            stack.extend(list(el)[::-1])
    return "".join(out)


# ---------------------------------------------------------------- list numbering

_CN_DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "ideographTraditional", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "ideographDigital"):
        if fmt == "ideographTraditional" and n <= 10:
            return "甲乙丙丁戊己庚辛壬癸"[n - 1]
        return _chinese(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """Renders automatic list labels ('%1、' with numFmt chineseCounting -> '一、')."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        self.styles: dict[str, tuple[str, int]] = {}   # paragraph style -> (numId, ilvl)
        try:
            styles_root = document.styles.element
            based: dict[str, str] = {}
            for st in styles_root.findall(qn("w:style")):
                sid = st.get(qn("w:styleId"))
                b = st.find(qn("w:basedOn"))
                if b is not None:
                    based[sid] = b.get(_W_VAL)
                ppr = st.find(qn("w:pPr"))
                numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
                if numpr is not None and numpr.find(qn("w:numId")) is not None:
                    ilvl = numpr.find(qn("w:ilvl"))
                    self.styles[sid] = (numpr.find(qn("w:numId")).get(_W_VAL),
                                        int(ilvl.get(_W_VAL)) if ilvl is not None else 0)
            for sid, parent in based.items():
                if sid not in self.styles and parent in self.styles:
                    self.styles[sid] = self.styles[parent]
        except (KeyError, AttributeError, ValueError, TypeError):
            pass
        try:
            part = document.part.numbering_part
        except (KeyError, NotImplementedError, AttributeError):
            return
        root = part.element
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.findall(qn("w:abstractNum")):
            lv = {}
            for lvl in an.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl"), "0"))
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                lv[ilvl] = (fmt.get(_W_VAL) if fmt is not None else "decimal",
                            text.get(_W_VAL) if text is not None else "",
                            int(start.get(_W_VAL)) if start is not None else 1)
            abstract[an.get(qn("w:abstractNumId"))] = lv
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is None:
                continue
            for ilvl, spec in abstract.get(ref.get(_W_VAL), {}).items():
                self.levels[(num.get(qn("w:numId")), ilvl)] = spec

    def label(self, p) -> str:
        ppr = p.find(qn("w:pPr"))
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        num_id = None
        ilvl = 0
        if numpr is not None:
            num_id_el, ilvl_el = numpr.find(qn("w:numId")), numpr.find(qn("w:ilvl"))
            num_id = num_id_el.get(_W_VAL) if num_id_el is not None else None
            ilvl = int(ilvl_el.get(_W_VAL)) if ilvl_el is not None else 0
        elif ppr is not None and ppr.find(qn("w:pStyle")) is not None:
            num_id, ilvl = self.styles.get(ppr.find(qn("w:pStyle")).get(_W_VAL), (None, 0))
        if not num_id or num_id == "0":
            return ""
        if (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        fmt, text, start = self.levels[(num_id, ilvl)]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        if fmt in ("bullet", "none"):
            return ""

        def sub(m):
            k = int(m.group(1)) - 1
            kfmt = self.levels.get((num_id, k), (fmt, "", 1))[0]
            return _format_number(counters[k] or 1, kfmt)
        return re.sub(r"%(\d)", sub, text)


# ---------------------------------------------------------------- reading

class _Reader:
    def __init__(self, document):
        self.numbering = _Numbering(document)
        self.line = 0
        self.blocks: list = []

    def paragraph_lines(self, p) -> list[str]:
        self.line += 1
        text = clean_artefacts(_para_text(p))
        label = self.numbering.label(p)
        if label and text.strip():
            text = label + text.lstrip()
        lines = text.split("\n") + _text_box_lines(p)
        self.line += len(lines) - 1   # a text export prints each of them on a line
        return lines

    def body(self, parent) -> None:
        for el in parent:
            if el.tag == _W_P:
                start = self.line + 1
                for k, ln in enumerate(self.paragraph_lines(el)):
                    t = re.sub(r"[ \t]*\t[ \t]*", " ", ln).strip()
                    if t:
                        self.blocks.append(Paragraph(t, start + k))
            elif el.tag == _W_TBL:
                self.blocks.append(self.table(el))
            elif el.tag in (_W_SDT, _W_SDTC, qn("w:customXml")):
                self.body(el if el.tag != _W_SDT else (el.find(_W_SDTC) if el.find(_W_SDTC) is not None else []))

    def cell_lines(self, tc) -> tuple[list[str], int]:
        lines: list[str] = []
        first = self.line + 1
        for el in tc.iter(_W_P):
            if _TXBX in {a.tag for a in el.iterancestors()}:
                continue   # read with the paragraph that anchors its text box
            lines.extend(self.paragraph_lines(el))
        return lines, first

    def table(self, tbl) -> Table:
        table = Table([], line=self.line + 1)
        for tr in tbl.iter(_W_TR):
            if tr.getparent() is not None and _nearest_table(tr) is not tbl:
                continue   # a nested table's rows are read with their cell
            cells = []
            for tc in _row_cells(tr):
                tcpr = tc.find(qn("w:tcPr"))
                span, continued = 1, False
                if tcpr is not None:
                    gs = tcpr.find(qn("w:gridSpan"))
                    if gs is not None:
                        try:
                            span = max(1, int(gs.get(_W_VAL)))
                        except (TypeError, ValueError):
                            span = 1
                    vm = tcpr.find(qn("w:vMerge"))
                    if vm is not None and vm.get(_W_VAL) in (None, "continue"):
                        continued = True
                lines, first = self.cell_lines(tc)
                text = "" if continued else _tidy("\n".join(lines))
                cells.append(Cell(text, first, span=span))
            if cells:
                table.rows.append(Row(cells, line=cells[0].line))
        if table.rows:
            table.line = table.rows[0].line
        return table


_TXBX = qn("w:txbxContent")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _text_box_lines(p) -> list[str]:
    """Text in text boxes anchored in the paragraph (titles are often set in one).
    Word stores a text box twice (DrawingML and a VML fallback): the fallback is
    skipped."""
    out: list[str] = []
    for box in p.iter(_TXBX):
        anc = box.getparent()
        skip = False
        while anc is not None and anc is not p:
            if anc.tag == _MC_FALLBACK:
                skip = True
                break
            anc = anc.getparent()
        if skip:
            continue
        for inner in box.iter(_W_P):
            out.extend(clean_artefacts(_para_text(inner)).split("\n"))
    return out


def _nearest_table(el):
    p = el.getparent()
    while p is not None and p.tag != _W_TBL:
        p = p.getparent()
    return p


def _row_cells(tr):
    for el in tr:
        if el.tag == _W_TC:
            yield el
        elif el.tag in (_W_SDT, qn("w:customXml")):
            inner = el.find(_W_SDTC) if el.tag == _W_SDT else el
            if inner is not None:
                yield from (x for x in inner if x.tag == _W_TC)


def _tidy(text: str) -> str:
    return trim_lines(re.sub(r"[ \t]*\t[ \t]*", " ", text))


def read_docx(data: bytes, file_name: str = "") -> Document:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:   # zip, XML and zlib errors alike: the file is damaged
        raise DocxError(f"无法打开 Word 文件（文件损坏或不是 .docx） / not a readable .docx: {e}") from e
    reader = _Reader(document)
    reader.body(document.element.body)
    meta = {}
    props = document.core_properties
    if props.title:
        meta["title"] = props.title
    if props.author:
        meta["author"] = props.author
    return Document(blocks=reader.blocks, file_name=file_name, format="docx", encoding=None, meta=meta)
