"""Readers: raw bytes -> Document. One module per format; nothing downstream knows
which format a Document came from."""
from __future__ import annotations

from pathlib import PurePath

from ..document import Document
from .encoding import NotText, decode
from .text import read_text

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
        return "docx" if suffix in (".docx", "") else suffix.lstrip(".") or "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls" if suffix == ".xls" else "doc"
    if suffix in (".html", ".htm", ".shtml"):
        return "html"
    lowered = data[:2048].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    return "txt"


def read_bytes(data: bytes, file_name: str) -> Document:
    """Detect the format and read. Raises NotText / UnsupportedFormat with a clear message."""
    fmt = detect_format(data, file_name)
    if fmt == "txt":
        text, encoding = decode(data)
        return read_text(text, file_name=file_name, encoding=encoding)
    readers = _format_readers()
    if fmt in readers:
        return readers[fmt](data, file_name)
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
