"""Excel workbooks (.xlsx) -> Document, with openpyxl.

Every sheet in order; each run of non-empty rows is a table, as a tab-separated
export of the sheet prints it: a merged range has its text in the top-left cell
and empty cells elsewhere, empty cells at the end of a row are dropped. Rows
before a run's first multi-cell row that hold a single text in the first column
(titles, '部门：…' lines) are Paragraphs, and so is a run of single-cell rows only
(a sheet of running text), unless the cells are ruled (bordered or merged across),
which makes them a table: a boxed text, or an empty row inside a table.

Values are printed as Excel prints them with the cell's number format: 10 with
'0.00' is '10.00', 1 with '0.00%' is '100.00%', dates as '2024年5月6日' or
ISO. Formulas give their cached values. Lines are the sheet's row numbers (the
first row of the second sheet continues after the first sheet's last).
"""
from __future__ import annotations

import datetime as dt
import io
import re

from ..document import Cell, Document, Paragraph, Row, Table, trim_lines
from .chars import clean_artefacts

try:
    import openpyxl
except ImportError as e:  # pragma: no cover - a declared dependency
    raise ImportError("openpyxl is required to read .xlsx files") from e


class XlsxError(ValueError):
    pass


# ---------------------------------------------------------------- number formats

def _section(fmt: str, value: float) -> tuple[str, bool]:
    """The format section for the value; True when the sign is printed by the format."""
    parts = _split_sections(fmt)
    if len(parts) == 1:
        return parts[0], False
    if value > 0 or (value == 0 and len(parts) < 3):
        return parts[0], False
    if value < 0:
        return parts[1], True
    return parts[2], False


def _split_sections(fmt: str) -> list[str]:
    parts, cur, quoted, esc = [], [], False, False
    for ch in fmt:
        if esc:
            cur.append(ch)
            esc = False
        elif ch == "\\":
            cur.append(ch)
            esc = True
        elif ch == '"':
            quoted = not quoted
            cur.append(ch)
        elif ch == ";" and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def format_number(value: float, fmt: str | None) -> str:
    """A number as Excel prints it with the given number format (common formats:
    General, 0, 0.00, #,##0.00, 0%, 0.00%, literal text around them)."""
    fmt = (fmt or "General").strip()
    if fmt.lower() in ("general", "@", ""):
        return _general(value)
    section, signed = _section(fmt, value)
    if signed:
        value = abs(value)
    # drop colours, conditions, padding, fill characters
    body = re.sub(r"\[[^\]]*\]", "", section)
    body = re.sub(r"_.?", "", body)
    body = re.sub(r"\*.", "", body)
    literal_prefix, literal_suffix = "", ""
    m = re.search(r"[0#?][0#?,]*(?:\.[0#?]*)?%?(?:E[+-]0+)?", body, re.I)
    if not m:
        return re.sub(r'["\\]', "", body) or _general(value)
    number_fmt = m.group(0)
    literal_prefix = re.sub(r'"([^"]*)"|\\(.)', r"\1\2", body[:m.start()])
    literal_suffix = re.sub(r'"([^"]*)"|\\(.)', r"\1\2", body[m.end():])
    if "%" in literal_suffix:
        value *= 100
    if re.search(r"E[+-]", number_fmt, re.I):
        decimals = len(number_fmt.split(".")[1].split("E")[0].split("e")[0]) if "." in number_fmt else 0
        text = f"{value:.{decimals}E}"
        mant, exp = text.split("E")
        text = f"{mant}E{exp[0]}{int(exp[1:]):02d}"
    else:
        pct = number_fmt.endswith("%")
        core = number_fmt.rstrip("%")
        if pct:
            value *= 100
        decimals_part = core.split(".")[1] if "." in core else ""
        decimals = len(decimals_part)
        min_decimals = decimals_part.count("0")
        grouping = "," in core.split(".")[0]
        text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
        if decimals > min_decimals and "." in text:   # '#' places drop trailing zeros
            head, tail = text.split(".")
            tail = tail.rstrip("0")
            tail = tail + "0" * (min_decimals - len(tail)) if len(tail) < min_decimals else tail
            text = head + ("." + tail if tail else "")
        int_part = core.split(".")[0].replace(",", "")
        if int_part and set(int_part) <= {"#"} and text.startswith("0") and "." in text:
            text = text[1:]
        if pct:
            text += "%"
    if signed and value != 0 and not literal_prefix.startswith("-") and "(" not in literal_prefix:
        text = "-" + text
    return literal_prefix + text + literal_suffix


def _general(value: float) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{float(mant):.5g}E{exp[0]}{int(exp[1:]):02d}"
    return text


def _date_text(value, fmt: str | None) -> str:
    f = (fmt or "").lower()
    if isinstance(value, dt.datetime) and (value.hour or value.minute) and ("h" in f):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    d = value.date() if isinstance(value, dt.datetime) else value
    if "年" in (fmt or ""):
        return f"{d.year}年{d.month}月{d.day}日"
    return d.isoformat()


def cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(value, cell.number_format)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _date_text(value, cell.number_format)
    text = str(value)
    if text.startswith("#") and text.rstrip("!?/0A").upper() in ("#DIV", "#N", "#REF", "#VALUE", "#NAME", "#NUM", "#NULL"):
        return text
    return text


# ---------------------------------------------------------------- sheets

def _tidy(text: str) -> str:
    return trim_lines(clean_artefacts(text.replace("\r", "")))


def _sheet_blocks(ws, offset: int) -> list:
    anchors: dict[tuple[int, int], int] = {}      # top-left cell -> columns covered
    covered: set[tuple[int, int]] = set()          # the other cells of merged ranges
    for rng in ws.merged_cells.ranges:
        anchors[(rng.min_row, rng.min_col)] = rng.max_col - rng.min_col + 1
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    # (row number, texts, ruled). A row's cells run to its last cell that has text or
    # is a ruled (bordered) cell of its own, not the tail of a merged range: so a
    # form's empty last cell stays a cell, as a text export of the form prints it.
    # A row is ruled when its first cell is merged across or its cells are bordered;
    # an empty ruled row is an empty table row, not a gap between tables.
    rows: list[tuple[int, list[str], bool]] = []
    empty_run = 0
    for r_idx, row in enumerate(ws.iter_rows(), 1):
        if all(c.value is None for c in row):
            empty_run += 1
            if empty_run > 500:   # formatting carried down an empty sheet: nothing more to read
                break
        else:
            empty_run = 0
        texts = [_tidy(cell_text(c)) for c in row]
        last = 0
        ruled_cells = False
        for c_idx, c in enumerate(row, 1):
            if texts[c_idx - 1]:
                last = c_idx
            elif (r_idx, c_idx) not in covered and _has_border(c):
                last = c_idx
                ruled_cells = True
        texts = texts[:last]
        ruled = anchors.get((r_idx, 1), 1) > 1 or ruled_cells or (
            len(texts) <= 1 and any(_has_border(c) for c in row[:1]))
        rows.append((r_idx, texts, ruled))
    blocks: list = []
    group: list = []

    def close_group():
        if not group:
            return
        single = [len(t) == 1 for _, t, _ in group]
        if all(single) and not any(ruled for _, _, ruled in group):
            for r, t, _ in group:
                blocks.append(Paragraph(_para(t[0]), offset + r))
        else:
            k = 0
            while single[k] and not group[k][2]:
                r, t, _ = group[k]
                blocks.append(Paragraph(_para(t[0]), offset + r))
                k += 1
            table = Table([], line=offset + group[k][0])
            for r, t, _ in group[k:]:
                table.rows.append(Row([Cell(x, offset + r) for x in t], line=offset + r))
            blocks.append(table)
        group.clear()

    for r, texts, merged in rows:
        if not texts:
            close_group()
            continue
        group.append((r, texts, merged))
    close_group()
    return blocks


def _has_border(cell) -> bool:
    if not getattr(cell, "has_style", False):
        return False
    b = cell.border
    return any(getattr(side, "style", None) for side in (b.left, b.right, b.top, b.bottom))


def _para(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def read_xlsx(data: bytes, file_name: str = "") -> Document:
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except Exception as e:   # zip, XML and zlib errors alike: the file is damaged
        raise XlsxError(f"无法打开 Excel 文件（文件损坏或不是 .xlsx） / not a readable .xlsx: {e}") from e
    blocks: list = []
    offset = 0
    sheets = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        sheets.append(ws.title)
        blocks.extend(_sheet_blocks(ws, offset))
        offset += (ws.max_row or 0) + 1
    return Document(blocks=blocks, file_name=file_name, format="xlsx", encoding=None,
                    meta={"sheets": sheets})
