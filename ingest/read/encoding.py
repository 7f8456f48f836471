"""Detect a text file's encoding: BOMs first, then strict UTF-8, then the detector.

GB18030 (a superset of GBK and GB2312) and UTF-8 with or without BOM are the
common cases in the wild; UTF-16 appears in exports from Windows tools. We never
guess blindly: a decode must succeed strictly, and the detector's answer is
checked for plausibly Chinese text before it is accepted.
"""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes


class NotText(ValueError):
    """The bytes are not text in any encoding we accept."""


_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")   # (a form feed is a page break)


def _plausible(text: str) -> bool:
    if not text.strip() or not _CONTROL.search(text):   # no control character: the common case
        return True
    controls = len(_CONTROL.findall(text))
    return controls <= max(2, len(text) // 1000)


_EXPECTED = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\x20-\x7e\t\r\n"
                       r"\u00a0-\u00ff\u2460-\u24ff\u25a0-\u25ff\u2e80-\u2fdf\u3400-\u4dbf]")


def _utf16_without_bom(data: bytes) -> str | None:
    # Lots of NULs on one parity is the signature of BOM-less UTF-16 text; Chinese
    # UTF-16 has NULs only after its ASCII (digits, newlines), so a text whose
    # decoding is almost all CJK, punctuation and ASCII is accepted as well.
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros > half * 0.3 or (zeros and zeros > 4 * other):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if not _plausible(text):
                continue
            if zeros > half * 0.3 or len(_EXPECTED.findall(text)) >= 0.95 * len(text):
                return codec
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises NotText for binary or undecodable bytes."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return data.decode(codec), name
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16), "utf-16"
    if b"\x00" in data:
        raise NotText("文件含有二进制内容（NUL 字节），不是文本文件 / binary file, not text")
    try:
        text = data.decode("utf-8")
        if _plausible(text):
            return text, "utf-8"
    except UnicodeDecodeError:
        # UTF-8 with a glitch (a file cut mid-character, a stray byte): a handful of
        # bad bytes in a long text; GB18030 read as UTF-8 fails on nearly every character
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(2, len(text) // 1000) and _CJK.search(text) and _plausible(text):
            return text.replace("\ufffd", ""), "utf-8"
    # GB18030 decodes any GBK/GB2312 text; accept it when the result is clean Chinese.
    try:
        text = data.decode("gb18030")
        if _plausible(text) and _CJK.search(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _plausible(text):
            enc = best.encoding.replace("_", "-")
            return text, enc
    raise NotText("无法识别文本编码（不是 UTF-8、GB18030 或 UTF-16） / unknown text encoding")
