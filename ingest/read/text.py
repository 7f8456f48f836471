"""Plain-text exports -> Document, rebuilding the tables the export flattened.

Two table encodings are common in text exports of Word/Excel reports:

* one cell per line, each line starting with a tab, a blank line between rows
  (cells of one row follow each other; a cell's further paragraphs follow as
  lines without the tab);
* one row per line with tab-separated cells (spreadsheet exports).

A merged cell arrives as an empty cell. A cell whose text ends in empty paragraphs
prints extra blank lines before the next cell; such a "row" that is too short is
joined to the next one when together they fit the width of the row above (a
double-spaced export puts two blank lines between every two rows: the usual gap of
a table is its row break).

Page marks on lines of their own (a form feed, '— 2 —', '第3页 共9页') are dropped so
a page break does not cut a table. Text wrapped at a fixed width (a PDF's or a print
layout's lines) is rejoined into paragraphs (``unwrap``).
"""
from __future__ import annotations

import re

from ..document import Cell, Document, Paragraph, Row, Table, trim_lines
from .chars import _HAS_TONE, clean_artefacts
from .textvariants import canonical_lines, flat_tables

_ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|</?(?:b|strong|i|em|u|span)>", re.I)
_LIST_ITEM = re.compile(
    r"^\s*\t?\s*(?:\d{1,2}[.、．]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}、|[①-⑳])\s*\t")
_CELL = re.compile(r"^[ \u3000]*\t([^\t]*)$")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TABS = re.compile(r"[ \t]*\t[ \t]*")
# A page's number or a page break printed into the text by a PDF or print export, on a
# line of its own: '— 3 —', '- 3 -', '第3页', '第 3 页 共 12 页', '共12页 第3页', a form
# feed. Looked for only in a text that has a line starting like one (most have none).
_PAGE_MARK = (r"[ \t\f]*(?:[-—–－]+[ \t]*\d{1,3}[ \t]*[-—–－]+"
              r"|(?:共[ \t]*\d{1,3}[ \t]*页[ \t]*[,，]?[ \t]*)?第[ \t]*\d{1,3}[ \t]*页"
              r"(?:[ \t]*[,，/]?[ \t]*共[ \t]*\d{1,3}[ \t]*页)?|)[ \t\f]*")
_PAGE_MARK_LINE = re.compile(_PAGE_MARK)
# how a page mark's line starts (a cheap test: it starts with a literal newline)
_PAGE_MARK_START = re.compile(r"\n *[-—–－第共] *(?:\d|第)")


def _clean_lines(text: str) -> list[str]:
    """The text's lines without carriage returns, markup artefacts and inline pinyin.
    Each clean-up runs only when the text holds what it removes (most texts hold
    none of it); line by line, as a line is its own context."""
    lines = text.replace("\r", "").split("\n")
    if ("[" in text or "<" in text) and _ARTEFACTS.search(text):   # each artefact starts so
        lines = [_ARTEFACTS.sub("", ln) for ln in lines]
    if ("(" in text or "（" in text) and _HAS_TONE.search(text):   # toned pinyin somewhere
        lines = [clean_artefacts(ln) for ln in lines]
    return lines


def _drop_page_marks(lines: list[str | None]) -> None:
    """Blank out (None) the page marks between a document's pages so that a table or
    paragraph cut by a page break reads as one. A printed page number takes the blank
    line printed after it along (the page's own breaks stay); a form feed of its own
    is only dropped; one that starts a line of text is stripped from it."""
    for i, ln in enumerate(lines):
        if ln is None:
            continue
        if not (("\f" in ln or "页" in ln or "-" in ln or "—" in ln or "–" in ln or "－" in ln)
                and _PAGE_MARK_LINE.fullmatch(ln)):
            if "\f" in ln:
                lines[i] = ln.replace("\f", "")
            continue
        if not ln.strip(" \t\f"):      # a form feed alone
            lines[i] = None
        elif ln.strip():                # a printed page number
            lines[i] = None
            if i + 1 < len(lines) and lines[i + 1] is not None and _kind(lines[i + 1]) == "blank":
                lines[i + 1] = None


def _kind(line: str) -> str:
    if "\t" not in line:   # every kind but running text and blank lines has a tab
        return "text" if line.strip() else "blank"
    if not line.strip():
        # A line holding only a tab is an empty cell, not a row break.
        return "cell" if _CELL.match(line) else "blank"
    if _CELL.match(line):   # (a list item has a tab after its number: never a one-tab cell)
        return "cell"
    if _LIST_ITEM.match(line):
        return "para"
    if "\t" in line.strip("\n").lstrip(" \u3000").lstrip("\t") or (
            line.startswith("\t") and line.count("\t") >= 2):
        return "row"
    return "text"


def _para_text(line: str) -> str:
    text = _TABS.sub(" ", line).strip() if "\t" in line else line.strip()
    if text.startswith("#"):
        text = _MD_HEADING.sub("", text)
    if "**" in text:
        text = _MD_BOLD.sub(r"\1", text)
    return text.strip()


class _CellTable:
    """Accumulates a one-cell-per-line table."""

    def __init__(self, line: int):
        self.line = line
        self.rows: list[tuple[int, list[list]]] = []   # (blank gap before, cells)
        self.gap = 0

    def add_cell(self, text: str, line: int) -> None:
        if not self.rows or self.gap:
            self.rows.append((self.gap, []))
        self.rows[-1][1].append([text, line])
        self.gap = 0

    def extend(self, text: str, blanks: int) -> None:
        cell = self.rows[-1][1][-1]
        cell[0] = cell[0] + "\n" * (blanks + 1) + text
        self.gap = 0

    def build(self) -> Table:
        rows = [(gap, cells) for gap, cells in self.rows]
        # The blank lines between two rows: one in most exports, two in a double-spaced
        # one. A longer gap is a cell's own empty paragraphs.
        gaps = [gap for gap, _ in rows[1:]]
        row_gap = max(1, min(set(gaps), key=lambda g: (-gaps.count(g), g))) if gaps else 1
        merged: list[tuple[int, list]] = []
        i = 0
        while i < len(rows):
            gap, cells = rows[i]
            # Join a short row with the next when the gap was an in-cell blank run.
            while (i + 1 < len(rows) and rows[i + 1][0] > row_gap and merged
                   and len(cells) < len(merged[-1][1])
                   and len(cells) + len(rows[i + 1][1]) <= len(merged[-1][1])):
                cells = cells + rows[i + 1][1]
                i += 1
            merged.append((gap, cells))
            i += 1
        table_rows = []
        for _, cells in merged:
            table_rows.append(Row([Cell(trim_lines(t) if "\n" in t else t.strip(" \u3000\t\xa0"), ln)
                                   for t, ln in cells],
                                  line=cells[0][1] if cells else 0))
        return Table(table_rows, line=self.line)


def _continues(table: _CellTable, raw: list[str], kinds: list[str], i: int, blanks: int) -> bool:
    """Does the run of text lines starting at i belong to the table's last cell?

    Text right under a cell continues it. After blank lines it is ambiguous: a cell's
    further paragraphs, or a caption between two tables. It continues the cell when
    the table goes on after the run and the last row still lacks cells (a label
    printed low in a tall merged cell), or when a blank line ends the run before the
    table goes on (a cell of several paragraphs). A run that ends the document, or
    leads straight into a new row after a complete one, is running text.
    """
    if blanks == 0:
        return True
    j = i
    while j < len(kinds) and kinds[j] in ("text", "blank"):
        j += 1
    if j >= len(kinds) or kinds[j] != "cell":
        return False
    if kinds[j - 1] == "blank":
        return True
    rows = table.rows
    if len(rows) < 2:
        return False
    return len(rows[-1][1]) < len(rows[-2][1])


def parse_text(text: str) -> list:
    """Text -> blocks (Paragraph | Table). Pipe rows, ' |' cell lines and tables
    flattened onto one line are read too (see textvariants)."""
    lines = _clean_lines(text)
    pipes = "|" in text
    marks = "\f" in text or _PAGE_MARK_START.search(text) is not None
    if pipes or marks:
        # pipe rows and ' |' cells rewritten, separator lines and page marks dropped
        canon = canonical_lines(lines) if pipes else lines
        if marks:
            _drop_page_marks(canon)
        nos = [k + 1 for k, ln in enumerate(canon) if ln is not None]   # source line numbers
        raw = [ln for ln in canon if ln is not None]
    else:   # nothing to rewrite or drop
        nos, raw = range(1, len(lines) + 1), lines
    # most lines have no tab: running text or blank, told without a call; most lines
    # with one are cells (one tab, first: what _CELL matches)
    kinds = [("cell" if ln[0] == "\t" and ln.count("\t") == 1 else _kind(ln)) if "\t" in ln
             else "text" if ln.strip() else "blank" for ln in raw]

    blocks: list = []
    cell_table: _CellTable | None = None
    row_table: Table | None = None
    blanks = 0

    def close():
        nonlocal cell_table, row_table
        if cell_table is not None:
            blocks.append(cell_table.build())
            cell_table = None
        if row_table is not None:
            blocks.append(row_table)
            row_table = None

    run_mode = None   # how the current run of text lines inside a table is read
    for i, (line, kind) in enumerate(zip(raw, kinds)):
        n = nos[i]
        if kind != "text" or blanks:
            run_mode = None
        if kind == "blank":
            blanks += 1
            if cell_table is not None:
                cell_table.gap += 1
            continue
        if kind == "cell":
            if row_table is not None:
                close()
            if cell_table is None:
                cell_table = _CellTable(n)
            cell_table.add_cell(line[line.index("\t") + 1:], n)   # _CELL's group: after the tab
        elif kind == "row":
            if cell_table is not None or (row_table is not None and blanks):
                close()
            if row_table is None:
                row_table = Table([], line=n)
            # one line of a row: trim_lines is a strip; trailing empty cells go
            texts = [c.strip(" \u3000\t\xa0") for c in line.rstrip("\n").split("\t")]
            while len(texts) > 1 and not texts[-1]:
                texts.pop()
            row_table.rows.append(Row([Cell(c, n) for c in texts], line=n))
        elif kind == "text" and cell_table is not None and (
                run_mode == "cont" or (run_mode is None and _continues(cell_table, raw, kinds, i, blanks))):
            run_mode = "cont"
            cell_table.extend(line, blanks)
        else:
            if kind == "text" and cell_table is not None:
                run_mode = "para"
            close()
            text_ = _para_text(line)
            if text_:
                blocks.append(Paragraph(text_, n))
        blanks = 0
    close()
    return unwrap(flat_tables(blocks))


# ---------------------------------------------------------------------------------------
# Lines wrapped at a fixed width (text taken from a PDF or a print layout)

_SENTENCE_END = tuple("。；;！!？?")
_LINE_HEAD = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．](?!\d)"
    r"|[①-⑳]|第[一二三四五六七八九十\d]+[章节条部分]|附件|[•·●■◆▪-]\s)")
# Widths are display widths: a Han character or full-width sign is two, an ASCII one.
_WRAP_MIN = 56        # narrower 'widths' are lists of short items, not wrapping
_WRAP_BAND = 4        # a wrapped line stops up to two Han characters short of the width
_WRAP_SHARE = 0.35    # of the long paragraphs, how many must sit at the width
_WRAP_MAX = 200       # a longer paragraph is no wrapped line


def _display_width(text: str) -> int:
    """Two for a character of three UTF-8 bytes (Han, full-width signs), one for ASCII
    (what the UTF-8 length tells without a loop over the characters)."""
    return (len(text.encode("utf-8", "surrogatepass")) + len(text)) // 2


def wrap_width(paragraphs: list[Paragraph]) -> int | None:
    """The display width the text was wrapped at, if it was: many long lines that stop
    mid-sentence at about the same width. None for text with a paragraph per line."""
    long = [p.text for p in paragraphs if len(p.text) >= 20]
    cut = [_display_width(t) for t in long
           if len(t) <= _WRAP_MAX and not t.endswith(_SENTENCE_END)]
    if len(cut) < 6:
        return None
    counts: dict[int, int] = {}
    for n in cut:
        counts[n] = counts.get(n, 0) + 1

    def near(w: int) -> int:
        return sum(v for k, v in counts.items() if w - _WRAP_BAND <= k <= w)

    width = max(counts, key=lambda w: (near(w), w))
    if width < _WRAP_MIN or near(width) < 6 or near(width) < _WRAP_SHARE * len(long):
        return None
    return width


def unwrap(blocks: list) -> list:
    """Rejoin the paragraphs of a text wrapped at a fixed width: a line that reaches
    the width without ending its sentence goes on in the next line (the next source
    line, not a heading or a list item). A text with a paragraph per line is returned
    as it is."""
    paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
    width = wrap_width(paragraphs) if len(paragraphs) >= 6 else None
    if width is None:
        return blocks
    out: list = []
    last_width = 0          # the display width of the last physical line of out[-1]
    last_line = -1
    for b in blocks:
        prev = out[-1] if out else None
        if (isinstance(b, Paragraph) and isinstance(prev, Paragraph)
                and b.line == last_line + 1 and last_width >= width - _WRAP_BAND
                and not prev.text.endswith(_SENTENCE_END) and not prev.text.endswith(("：", ":"))
                and not _LINE_HEAD.match(b.text)):
            # (a break between two Latin words stood for a space; one inside a number
            # or between Han characters for nothing)
            joint = " " if prev.text[-1:].isascii() and prev.text[-1:].isalpha() \
                and b.text[:1].isascii() and b.text[:1].isalpha() else ""
            out[-1] = Paragraph(prev.text + joint + b.text, prev.line)
        else:
            out.append(b)
        if isinstance(b, Paragraph):
            last_width, last_line = _display_width(b.text), b.line
        else:
            last_width, last_line = 0, -1
    return out


def read_text(text: str, file_name: str = "", encoding: str | None = None) -> Document:
    return Document(blocks=parse_text(text), file_name=file_name, format="txt",
                    encoding=encoding)
