"""Readers: raw bytes -> Document. One module per format; nothing downstream knows
which format a Document came from."""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from ..document import Document
from .chars import apply_view
from .encoding import NotText, decode
from .text import read_text
from .textvariants import flat_tables, pipe_tables

TEXT_SUFFIXES = {".txt", ".text", ".md", ".csv", ".tsv", ""}


class UnsupportedFormat(ValueError):
    pass


def detect_format(data: bytes, file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower()
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if suffix in (".xlsx", ".xlsm"):
            return "xlsx"
        if suffix == ".docx":
            return "docx"
        kind = _office_zip_kind(data)   # a Word or Excel file whatever its name
        return kind or suffix.lstrip(".") or "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls" if suffix == ".xls" else "doc"
    if suffix in (".html", ".htm", ".shtml"):
        return "html"
    lowered = data[:2048].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    return "txt"


def _office_zip_kind(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def read_bytes(data: bytes, file_name: str, fmt: str | None = None) -> Document:
    """Detect the format (unless the caller already did: `fmt`, what `detect_format`
    said of these bytes) and read. Raises NotText / UnsupportedFormat with a clear
    message. The Document's blocks carry the matching view (see chars.apply_view)."""
    if fmt is None:
        fmt = detect_format(data, file_name)
    if fmt == "txt":
        text, encoding = decode(data)
        doc = read_text(text, file_name=file_name, encoding=encoding)
        return apply_view(doc)
    readers = _format_readers()
    if fmt in readers:
        doc = readers[fmt](data, file_name)
        # tables printed as text inside a Word file or a page: pipe rows, flattened rows
        doc.blocks = flat_tables(pipe_tables(doc.blocks))
        return apply_view(doc)
    if fmt in ("docx", "xlsx", "pdf", "html", "doc", "xls"):
        raise UnsupportedFormat(f"读取 {fmt} 文件所需的组件未安装 / the reader for {fmt} is not installed")
    raise UnsupportedFormat(f"不支持的文件格式 {fmt} / unsupported format: {fmt}")


def _format_readers() -> dict:
    """Readers for binary and markup formats, imported lazily (optional dependencies)."""
    readers = {}
    try:
        from .html import read_html
        readers["html"] = read_html
    except ImportError:
        pass
    try:
        from .docx import read_docx
        readers["docx"] = read_docx
    except ImportError:
        pass
    try:
        from .xlsx import read_xlsx
        readers["xlsx"] = read_xlsx
    except ImportError:
        pass
    try:
        from .pdf import read_pdf
        readers["pdf"] = read_pdf
    except ImportError:
        pass
    try:
        from .legacy import read_legacy
        readers["doc"] = readers["xls"] = read_legacy
    except ImportError:
        pass
    return readers


__all__ = ["Document", "NotText", "UnsupportedFormat", "detect_format", "read_bytes"]
