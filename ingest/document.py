"""The format-neutral Document every reader produces and every layout consumes.

A Document is an ordered list of blocks. A block is either a Paragraph (one line of
running text) or a Table (rows of cells). A merged cell arrives as an empty cell;
layouts fill it down. Every block remembers the 1-based source line (or page/row for
formats without lines) it came from, so a stored fact can be cited.

`text` is what layouts match on: the reader's text, with Traditional characters and
full-width digits folded into a matching view (see ingest/read/chars.py); when the
view differs, `printed` keeps the text as printed, and `Document.text` (stored in
documents.text) is built from it. A cell that spans several grid columns (a
horizontal merge in Word or HTML) is one cell with `span` > 1; `Table.grid()` gives
the rectangular view with empty cells after it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Union


def trim_lines(text: str) -> str:
    """A cell's text as printed, each line stripped of spaces (also U+3000, NBSP) and tabs,
    leading and trailing empty lines dropped; inner empty lines stay."""
    if "\n" not in text:
        return text.strip(" \u3000\t\xa0")
    lines = [ln.strip(" \u3000\t\xa0") for ln in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


@dataclass(slots=True)   # slots: a document has hundreds of these, built and dropped
class Cell:
    text: str
    line: int = 0
    span: int = 1                  # grid columns covered (horizontal merge)
    printed: str | None = None     # the text as printed, when `text` is a matching view

    @property
    def lines(self) -> list[str]:
        return [ln.strip() for ln in self.text.split("\n")]


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    line: int = 0

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def __len__(self) -> int:
        return len(self.cells)


@dataclass(slots=True)
class Table:
    rows: list[Row]
    line: int = 0
    caption: str = ""

    def iter_cells(self) -> Iterator[tuple[int, int, Cell]]:
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row.cells):
                yield r, c, cell

    def grid(self) -> list[list[str]]:
        """Rows of texts on the table's grid: a cell spanning n columns is its text
        followed by n-1 empty strings."""
        return [[t for c in row.cells for t in [c.text] + [""] * (max(c.span, 1) - 1)]
                for row in self.rows]


@dataclass(slots=True)
class Paragraph:
    text: str
    line: int = 0
    printed: str | None = None     # the text as printed, when `text` is a matching view


Block = Union[Paragraph, Table]


@dataclass
class Document:
    """What a reader makes of a file: blocks plus provenance."""

    blocks: list[Block] = field(default_factory=list)
    file_name: str = ""
    format: str = "txt"
    encoding: str | None = None
    source_url: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text_lines(self) -> list[tuple[int, str]]:
        """Every line of text in reading order with its source line, tables flattened
        cell by cell. This is what narrative (regex) extraction reads."""
        out: list[tuple[int, str]] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append((b.line, b.text))
            else:
                for row in b.rows:
                    for cell in row.cells:
                        for i, ln in enumerate(cell.text.split("\n")):
                            out.append((cell.line + i, ln))
        return out

    def memo(self, key: str, compute: Callable[["Document"], Any]) -> Any:
        """`compute(self)`, computed once while the document is parsed: several layers
        read the same derived views (lines, labelled cells). Kept while `blocks` is the
        same list, until `forget`; the text of a document does not change while it is
        parsed."""
        store = self.__dict__.setdefault("_memo", {})
        hit = store.get(key)
        if hit is not None and hit[0] is self.blocks:
            return hit[1]
        value = compute(self)
        store[key] = (self.blocks, value)
        return value

    def forget(self) -> None:
        """Drop what `memo` kept."""
        self.__dict__.pop("_memo", None)

    @property
    def text(self) -> str:
        """The full normalised text (stored in documents.text)."""
        lines = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                lines.append(b.printed or b.text)
            else:
                for row in b.rows:   # a cell's line breaks become spaces (one replace a row)
                    lines.append("\t".join([c.printed or c.text for c in row.cells]).replace("\n", " "))
        return "\n".join(lines)
