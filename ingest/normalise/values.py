"""Numbers, operators and units as printed in reports.

`parse_value("≥90%")` -> Value(operator="≥", number=90.0, unit="%"). The printed text
is always kept by the caller; these functions only derive.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_OPERATORS = {
    "≥": "≥", ">=": "≥", "≧": "≥", "不低于": "≥", "不少于": "≥", "大于等于": "≥", "以上": "≥",
    "≤": "≤", "<=": "≤", "≦": "≤", "不高于": "≤", "不超过": "≤", "小于等于": "≤", "以内": "≤",
    "以下": "≤",
    "=": "=", "＝": "=", "﹦": "=", "≡": "=", "等于": "=",
    ">": ">", "大于": ">", "高于": ">", "<": "<", "小于": "<", "低于": "<",
}
_UNIT_ALIASES = {
    "%": "%", "％": "%", "百分比": "%", "百分之": "%",
    "万元": "万元", "元": "元", "亿元": "亿元", "千元": "千元",
}
_NUM = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?"
_VALUE = re.compile(
    r"^(?P<op>≥|>=|≧|≤|<=|≦|=|≡|>|<|不低于|不少于|不高于|不超过|大于等于|小于等于|大于|小于|等于|高于|低于)?"
    r"\s*(?P<num>" + _NUM + r")\s*(?P<unit>[%％]|百分比|[\u4e00-\u9fff]{1,3}|[a-zA-Z]{1,4})?"
    r"\s*(?P<post>以上|以内|以下)?$")


@dataclass(slots=True)
class Value:
    operator: str | None
    number: float | None
    unit: str | None


_SPACE = re.compile(r"\s+")
# a figure with the unit its cell may print after it; a bare 万 is 万元 cut short ('150万'
# in a table headed 万元)
_FIGURE = re.compile(r"(" + _NUM + r")(?:万元|万|元|分|%|人|个|次|件)?")
SHORT = 80   # texts up to this long are cell values and labels that recur: cached


def clean(text: str | None) -> str:
    """NFKC (full-width digits, ％, ＝ → ASCII), strip whitespace and stray punctuation."""
    if text is None:
        return ""
    return _clean_short(text) if len(text) <= SHORT else _clean(text)


def _clean(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = s.replace("﹦", "=").replace("﹪", "%")
    s = _SPACE.sub("", s)
    return s.strip("。；;，,、")


_clean_short = lru_cache(maxsize=32768)(_clean)


def to_number(text: str | None) -> float | None:
    """A plain figure: '1,234.5', ' 308.42 ', '10分', '100%' -> float; otherwise None."""
    if text is None or len(text) > SHORT:
        return _to_number(text)
    return _to_number_short(text)


def head_count(text: str | None) -> int | None:
    """A count of people as a form prints it: a whole number from 0 to 99,999."""
    n = to_number(text)
    return int(n) if n is not None and 0 <= n < 100_000 and n == int(n) else None


def _to_number(text: str | None) -> float | None:
    s = clean(text)
    if not s:
        return None
    m = _FIGURE.fullmatch(s)
    if not m:
        return None
    return float(m.group(1).replace(",", ""))


_to_number_short = lru_cache(maxsize=32768)(_to_number)


def normalise_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    u = clean(unit)
    return _UNIT_ALIASES.get(u, u) or None


# How many 万元 one of each printed money unit is: the data holds every amount in 万元.
WAN_PER_UNIT = {"万元": 1.0, "元": 1e-4, "千元": 1e-1, "亿元": 1e4}
# those units as a regular-expression alternation, longest first (万元 before 元)
MONEY_UNITS = "|".join(sorted(WAN_PER_UNIT, key=len, reverse=True))


def to_wan(number: float, unit: str) -> float:
    """An amount printed in `unit` (万元, 元, 千元, 亿元), in 万元."""
    scale = WAN_PER_UNIT[unit]
    return number if scale == 1.0 else round(number * scale, 8)


def parse_value(text: str | None, unit_hint: str | None = None) -> Value:
    """Operator, number and unit from a target/actual cell such as '≥90%', '=100%',
    '150万元', '≥4次', '98.00 百分比', '≥70'. Text without a leading number gives
    Value(None, None, None) (e.g. '保持', '第一时间')."""
    if text is not None and len(text) <= SHORT:
        return Value(*_value_short(text, unit_hint))
    return Value(*_value(text, unit_hint))


def _value(text: str | None, unit_hint: str | None) -> tuple[str | None, float | None, str | None]:
    s = clean(text)
    if not s:
        return None, None, None
    m = _VALUE.match(s)
    if not m:
        # A leading operator word before free text, e.g. '≥90%以上' handled above;
        # a trailing percentage in a short phrase is not a target value.
        return _OPERATORS.get(s[:1]) if s[:1] in "≥≤=<>" else None, None, None
    op = m.group("op") or m.group("post")
    unit = normalise_unit(m.group("unit")) or normalise_unit(unit_hint)
    return _OPERATORS.get(op) if op else None, float(m.group("num").replace(",", "")), unit


_value_short = lru_cache(maxsize=32768)(_value)


def parse_operator(text: str | None) -> str | None:
    s = clean(text)
    if not s:
        return None
    return _OPERATORS.get(s)


def parse_score(text: str | None) -> float | None:
    """Scores and weights: '20', '　20', '10分', '96.5'."""
    return to_number(text)


_PCT = re.compile(r"(" + _NUM + r")\s*[%％]")


def parse_percent(text: str | None) -> float | None:
    s = clean(text)
    m = _PCT.fullmatch(s) if s else None
    if m:
        return float(m.group(1).replace(",", ""))
    return None
