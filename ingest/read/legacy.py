"""Legacy Office files (.doc, .xls, and WPS's .wps/.et) -> Document.

They are converted with LibreOffice (Debian's `libreoffice`, command `soffice` or
`libreoffice`) in headless mode to .docx / .xlsx and read by those readers. When
LibreOffice is not installed the error says so: it becomes the document's error.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePath

from ..document import Document


class LegacyError(ValueError):
    pass


_TIMEOUT = 120


def office_command() -> str | None:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _kind(data: bytes, file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower()
    if suffix in (".xls", ".et", ".xlt"):
        return "xls"
    if suffix in (".doc", ".wps", ".dot"):
        return "doc"
    # an OLE file without a telling name: Excel workbooks name their stream 'Workbook'
    return "xls" if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in data[:65536] else "doc"


def read_legacy(data: bytes, file_name: str = "") -> Document:
    kind = _kind(data, file_name)
    label = "Word (.doc)" if kind == "doc" else "Excel (.xls)"
    soffice = office_command()
    if soffice is None:
        raise LegacyError(
            f"旧版 {label} 需要 LibreOffice 转换，本机未安装 / legacy {label} needs LibreOffice "
            f"(soffice) to convert it, not installed (Debian: apt-get install libreoffice-writer "
            f"libreoffice-calc)")
    target = "docx" if kind == "doc" else "xlsx"
    with tempfile.TemporaryDirectory(prefix="jixiao-legacy-") as tmp:
        src = Path(tmp) / f"source.{kind}"
        src.write_bytes(data)
        env = dict(os.environ, HOME=tmp)   # a private profile: no clash with a running office
        try:
            proc = subprocess.run(
                [soffice, "--headless", "--norestore", "--nolockcheck",
                 f"-env:UserInstallation=file://{tmp}/profile",
                 "--convert-to", target, "--outdir", tmp, str(src)],
                capture_output=True, timeout=_TIMEOUT, env=env)
        except subprocess.TimeoutExpired as e:
            raise LegacyError(f"LibreOffice 转换 {label} 超时 / LibreOffice timed out converting {label}") from e
        out = Path(tmp) / f"source.{target}"
        if proc.returncode != 0 or not out.exists():
            detail = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:300]
            raise LegacyError(f"LibreOffice 无法转换 {label} / LibreOffice could not convert {label}: {detail}")
        converted = out.read_bytes()
    if target == "docx":
        from .docx import read_docx
        doc = read_docx(converted, file_name)
    else:
        from .xlsx import read_xlsx
        doc = read_xlsx(converted, file_name)
    doc.format = kind
    doc.meta["converted_with"] = "libreoffice"
    return doc
