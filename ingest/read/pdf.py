"""PDF -> Document, with pdfplumber.

* Ruled tables (`find_tables`, lines strategy) become Tables: one cell per cell
  box, as a text export of the same table prints it: a box spanning several
  columns is one cell (`Cell.span`), a box spanning several rows arrives as empty
  cells below it. A table that goes on at the top of the next page with the same
  columns is one table.
* Text outside tables becomes Paragraphs. Lines that a PDF wrapped are joined
  back: a line continues onto the next when the next line's first character would
  not have fitted after it, within the cell or the text column.
* Words and numbers that the PDF split by spaces are joined: spaces between two
  CJK characters or CJK punctuation, and between a digit and a CJK character,
  are dropped ('2021 年' -> '2021年', '离 退休' -> '离退休').
* Page numbers in the page margins ('第 3 页', '- 3 -', '3/12') are left out.

A PDF without a text layer (a scan) raises a clear error: it needs OCR. Lines are
counted in reading order over the whole document; `meta['pages']` holds the first
line of each page.
"""
from __future__ import annotations

import io
import re

from ..document import Cell, Document, Paragraph, Row, Table, trim_lines
from .chars import clean_artefacts

try:
    import pdfplumber
except ImportError as e:  # pragma: no cover - a declared dependency
    raise ImportError("pdfplumber is required to read .pdf files") from e


class PdfError(ValueError):
    pass


_CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPLIT_CJK = re.compile(r"(?<=[" + _CJK + r"])[ \u00a0]+(?=[" + _CJK + r"])")
_SPLIT_DIGIT_CJK = re.compile(r"(?<=\d)[ \u00a0]+(?=[" + _CJK + r"])|(?<=[" + _CJK + r"])[ \u00a0]+(?=\d)")
_PAGE_NUMBER = re.compile(r"^(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|"
                          r"\d{1,4}\s*/\s*\d{1,4}|page\s*\d+(?:\s*of\s*\d+)?)$", re.I)


def join_split(text: str) -> str:
    """Drop the spaces a PDF put between CJK characters, and between digits and CJK."""
    text = _SPLIT_CJK.sub("", text)
    return _SPLIT_DIGIT_CJK.sub("", text)


# ---------------------------------------------------------------- lines of characters

class _Line:
    __slots__ = ("chars", "top", "bottom", "x0", "x1", "size")

    def __init__(self, ch):
        self.chars = [ch]
        self.top, self.bottom = ch["top"], ch["bottom"]
        self.x0, self.x1 = ch["x0"], ch["x1"]
        self.size = ch.get("size") or (ch["bottom"] - ch["top"])

    def add(self, ch):
        self.chars.append(ch)
        self.top = min(self.top, ch["top"])
        self.bottom = max(self.bottom, ch["bottom"])
        self.x0, self.x1 = min(self.x0, ch["x0"]), max(self.x1, ch["x1"])

    def text(self, columns: bool = False) -> str:
        """The line's text; a gap wider than a word space is a space, and with
        `columns` a gap of two characters or more (columns of an unruled table) a tab."""
        out = []
        prev = None
        for ch in sorted(self.chars, key=lambda c: c["x0"]):
            if prev is not None:
                gap = ch["x0"] - prev["x1"]
                size = ch.get("size") or self.size
                if columns and gap > 2.0 * size and prev["text"].strip() and ch["text"].strip():
                    out.append("\t")
                elif gap > 0.3 * size and prev["text"] != " " and ch["text"] != " ":
                    out.append(" ")
            out.append(ch["text"])
            prev = ch
        return "".join(out)

    def first_width(self) -> float:
        """Width of what would have had to fit at the end of the previous line: the
        first character, or the first word for Latin text."""
        chars = sorted(self.chars, key=lambda c: c["x0"])
        first = chars[0]
        if re.match(r"[A-Za-z0-9]", first["text"]):
            end = first["x1"]
            for ch in chars[1:]:
                if not re.match(r"[A-Za-z0-9.,%\-]", ch["text"]) or ch["x0"] - end > 0.3 * self.size:
                    break
                end = ch["x1"]
            return end - first["x0"]
        return first["x1"] - first["x0"]


def _lines(chars) -> list[_Line]:
    lines: list[_Line] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"], 1), c["x0"])):
        if ch["text"] in ("\n", "\r"):
            continue
        size = ch.get("size") or (ch["bottom"] - ch["top"])
        for ln in reversed(lines[-3:]):
            if abs(ln.top - ch["top"]) <= 0.45 * size:
                ln.add(ch)
                break
        else:
            lines.append(_Line(ch))
    lines.sort(key=lambda ln: (round(ln.top, 0), ln.x0))
    return [ln for ln in lines if ln.text().strip()]


def _paragraphs(lines: list[_Line], left: float, right: float,
                columns: bool = False) -> list[tuple[list[_Line], str]]:
    """Join wrapped lines: a line goes on into the next when the next line's first
    character would not have fitted between its end and the right edge. With
    `columns`, a line spread in columns (tabs) is a row of its own."""
    out: list[tuple[list[_Line], str]] = []
    for ln in lines:
        text = ln.text(columns)
        if out and "\t" not in text and "\t" not in out[-1][1]:
            prev_lines, prev_text = out[-1]
            prev = prev_lines[-1]
            room = right - prev.x1
            gap = ln.top - prev.bottom
            # ... and the next line is not indented (a first-line indent starts a paragraph)
            if room < ln.first_width() + 0.35 * prev.size and gap < 1.2 * prev.size \
                    and ln.x0 <= left + 0.8 * ln.size:
                out[-1] = (prev_lines + [ln], prev_text + text)
                continue
        out.append(([ln], text))
    return out


def _clean_text(text: str) -> str:
    return join_split(clean_artefacts(text)).strip()


# ---------------------------------------------------------------- tables

def _table_rows(table, chars, line_no):
    """Rows of (cell text, span, first line index) for a pdfplumber table."""
    cells = [c for c in table.cells]
    starts = sorted({round(c[0], 1) for c in cells})
    ends = sorted({round(c[2], 1) for c in cells})
    eps = 1.0

    def col_of(x):
        return min(range(len(starts)), key=lambda i: abs(starts[i] - x))

    # assign characters to cells by their centre
    owned: dict[tuple, list] = {}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for c in cells:
            if c[0] - eps <= cx <= c[2] + eps and c[1] - eps <= cy <= c[3] + eps:
                owned.setdefault(c, []).append(ch)
                break
    rows_out = []
    for row in table.rows:
        present = [c for c in row.cells if c is not None]
        if not present:
            continue
        top, bottom = min(c[1] for c in present), max(c[3] for c in present)
        out = []
        for j, c in enumerate(row.cells):
            x = starts[j] if j < len(starts) else None
            if c is not None:
                span = sum(1 for s in starts if c[0] - eps <= s < c[2] - eps) or 1
                lines = _lines(owned.get(c, []))
                pad_left = min((ln.x0 for ln in lines), default=c[0]) - c[0]
                paras = _paragraphs(lines, c[0] + pad_left, c[2] - max(pad_left, 0.5))
                text = "\n".join(_clean_text(t) for _, t in paras)
                out.append([text, span, c[1]])
                continue
            if x is None:
                continue
            # covered by a box of this row (horizontal merge): no cell of its own
            if any(p[0] + eps < x < p[2] - eps and abs(p[1] - top) < eps for p in present):
                continue
            # covered by a box from a row above (vertical merge): an empty cell where it starts
            above = [b for b in cells if b[1] < top - eps and b[3] > top + eps and b[0] - eps <= x < b[2] - eps]
            if above and abs(above[0][0] - x) <= eps:
                span = sum(1 for s in starts if above[0][0] - eps <= s < above[0][2] - eps) or 1
                out.append(["", span, top])
        if out:
            rows_out.append(out)
    return rows_out, starts


# ---------------------------------------------------------------- document

def read_pdf(data: bytes, file_name: str = "") -> Document:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:
        raise PdfError(f"无法打开 PDF 文件（文件损坏或已加密） / cannot open the PDF: {type(e).__name__}: {e}") from e
    blocks: list = []
    pages_first_line: list[int] = []
    line_no = 0
    any_text = False
    last_table_starts = None
    unruled: Table | None = None   # the unruled table being read, row by row
    with pdf:
        for page in pdf.pages:
            pages_first_line.append(line_no + 1)
            chars = [c for c in page.chars if c.get("upright", True)]
            if chars:
                any_text = True
            try:
                tables = page.find_tables()
            except Exception:
                tables = []
            boxes = [t.bbox for t in tables]

            def inside(ch, box):
                cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
                return box[0] - 1 <= cx <= box[2] + 1 and box[1] - 1 <= cy <= box[3] + 1

            free = [c for c in chars if not any(inside(c, b) for b in boxes)]
            lines = _lines(free)
            # drop page numbers in the top and bottom margins
            lines = [ln for ln in lines if not (
                (ln.top > page.height * 0.9 or ln.bottom < page.height * 0.08)
                and _PAGE_NUMBER.match(ln.text().strip()))]
            # the text column: its left edge is where lines start, its right edge
            # mirrors it (page margins are symmetric in nearly every report)
            left = min((ln.x0 for ln in lines), default=0)
            right = page.width - left if left else page.width
            items = []
            for t in tables:
                items.append((t.bbox[1], "table", t))
            for ln_group, text in _paragraphs(lines, left, right, columns=True):
                items.append((ln_group[0].top, "text", (ln_group, text)))
            items.sort(key=lambda x: x[0])
            for k, (top, kind, obj) in enumerate(items):
                if kind == "text":
                    text = obj[1]
                    line_no += len(obj[0])
                    if "\t" in text:
                        # a line in columns: a row of an unruled table, as a text export prints it
                        cells = [Cell(_clean_text(c), line_no) for c in text.split("\t")]
                        row = Row(cells, line=line_no)
                        if unruled is not None and blocks and blocks[-1] is unruled:
                            unruled.rows.append(row)
                        else:
                            unruled = Table([row], line=line_no)
                            blocks.append(unruled)
                    else:
                        text = _clean_text(text)
                        if text:
                            blocks.append(Paragraph(text, line_no - len(obj[0]) + 1))
                    last_table_starts = None
                    continue
                tchars = [c for c in chars if inside(c, obj.bbox)]
                rows, starts = _table_rows(obj, tchars, line_no)
                table_rows = []
                for row in rows:
                    cells = []
                    for text, span, _ in row:
                        line_no += max(1, text.count("\n") + 1) if text else 1
                        cells.append(Cell(trim_lines(text), line_no, span=span))
                    table_rows.append(Row(cells, line=cells[0].line if cells else line_no))
                # a table at the top of a page whose left and right edges are those of
                # the table that ended the previous page goes on from it
                continues = (k == 0 and last_table_starts is not None and blocks
                             and isinstance(blocks[-1], Table)
                             and abs(obj.bbox[0] - last_table_starts[0]) < 2
                             and abs(obj.bbox[2] - last_table_starts[1]) < 2)
                if continues:
                    blocks[-1].rows.extend(table_rows)
                elif table_rows:
                    blocks.append(Table(table_rows, line=table_rows[0].line))
                last_table_starts = (obj.bbox[0], obj.bbox[2])
            if items and items[-1][1] == "text":
                last_table_starts = None
    if not any_text:
        raise PdfError("PDF 没有文本层（扫描件），需要先做文字识别（OCR） / scanned PDF without a text layer: needs OCR")
    return Document(blocks=blocks, file_name=file_name, format="pdf", encoding=None,
                    meta={"pages": pages_first_line})
