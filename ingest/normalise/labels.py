"""Canonical 一级/二级指标, grades, dates and contact details."""
from __future__ import annotations

import re
from functools import lru_cache

from .values import clean

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2 = ("数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
          "生态效益指标", "可持续影响指标", "满意度指标")

_SATISFACTION = re.compile(r"满意")
_BRACKETED = re.compile(r"[（(][^）)]*[)）]")


def _bare(label: str | None) -> str:
    s = clean(label)
    if "(" in s or "（" in s:
        s = _BRACKETED.sub("", s)   # '(50分)', '（部门工作实绩…）'
    return s


@lru_cache(maxsize=4096)
def level1(raw: str | None) -> str | None:
    s = _bare(raw)
    if not s:
        return None
    if "满意" in s:
        return "满意度指标"
    if s.startswith("产出"):
        return "产出指标"
    if s.startswith("效益") or s.startswith("效果"):
        return "效益指标"
    if s.startswith("成本"):
        return "成本指标"
    return "其他"


@lru_cache(maxsize=4096)
def level2(raw: str | None) -> str | None:
    s = _bare(raw)
    if not s:
        return None
    if _SATISFACTION.search(s):
        return "满意度指标"
    for key, canon in (("数量", "数量指标"), ("质量", "质量指标"), ("时效", "时效指标"),
                       ("成本", "成本指标"), ("经济效益", "经济效益指标"),
                       ("社会效益", "社会效益指标"), ("生态效益", "生态效益指标"),
                       ("可持续", "可持续影响指标")):
        if s.startswith(key):
            return canon
    return raw.strip() if raw else None


def level1_for_level2(l2: str | None) -> str | None:
    """The 一级指标 a canonical 二级指标 belongs to (for lists that print only the latter)."""
    if l2 in ("数量指标", "质量指标", "时效指标"):
        return "产出指标"
    if l2 in ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"):
        return "效益指标"
    if l2 == "满意度指标":
        return "满意度指标"
    if l2 == "成本指标":
        return "产出指标"
    return None


def is_satisfaction(text: str | None) -> bool:
    return bool(text) and "满意度" in text


_GRADES = [
    ("不合格", "差"), ("较差", "差"), ("差", "差"),
    ("优秀", "优"), ("优", "优"),
    ("良好", "良"), ("良", "良"),
    ("一般", "中"), ("合格", "中"), ("中等", "中"), ("中", "中"),
]


@lru_cache(maxsize=4096)
def grade_level(grade: str | None) -> str | None:
    s = clean(grade)
    if not s:
        return None
    for word, level in _GRADES:
        if s.startswith(word):
            return level
    return None


_DATE = re.compile(r"(20\d{2}|19\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_ISO = re.compile(r"(20\d{2})[-./](\d{1,2})[-./](\d{1,2})")
# the date of an official document written out: 二〇二四年三月十五日
_DATE_CN = re.compile(r"([一二][〇零一二三四五六七八九]{3})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                      r"\s*([一二三四五六七八九十]{1,4})\s*日")
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}


def _cn_number(s: str) -> int | None:
    """一 -> 1, 十 -> 10, 十五 -> 15, 二十 -> 20, 三十一 -> 31 (up to 99)."""
    if "十" not in s:
        return _CN_DIGIT.get(s) if len(s) == 1 else None
    tens, _, units = s.partition("十")
    if any(len(x) > 1 or (x and x not in _CN_DIGIT) for x in (tens, units)):
        return None
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[units] if units else 0)


def cn_digits(s: str) -> int:
    """Chinese numerals read digit by digit, as years are written: 二〇二三 -> 2023."""
    return int("".join(str(_CN_DIGIT[c]) for c in s))


def parse_date(text: str | None) -> str | None:
    """The first date in a text: 2024年3月1日, 2024-03-01 (or . /), 二〇二四年三月一日."""
    if not text:
        return None
    m = _DATE.search(text) or _DATE_ISO.search(text)
    if m:
        return _iso(m, False)
    m = _DATE_CN.search(text) if "年" in text else None
    return _iso(m, True) if m else None


def parse_date_line(text: str | None) -> str | None:
    """The date a text holds when the text is nothing but a date written out
    (2024年3月1日, 二〇二四年三月十五日; not 截至2023年12月31日, not 2024-03-01)."""
    s = (text or "").strip()
    m = _DATE.fullmatch(s)
    if m:
        return _iso(m, False)
    m = _DATE_CN.fullmatch(s)
    return _iso(m, True) if m else None


def _iso(m: re.Match, chinese: bool) -> str | None:
    if chinese:
        y, mo, d = cn_digits(m.group(1)), _cn_number(m.group(2)), _cn_number(m.group(3))
        if mo is None or d is None:
            return None
    else:
        y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


_SPACES = re.compile(r"[\s\u3000]")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_phone(phone: str | None) -> str | None:
    """Personal mobile numbers are masked as 139****5388; office numbers stay."""
    if not phone:
        return None
    s = _SPACES.sub("", phone)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", s) or None


def mask_mobiles_in_text(text: str) -> str:
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


_SPACE_RUN = re.compile(r"\s+")
_PERSON_SPACE = re.compile(r"^([\u4e00-\u9fff])[\s\u3000]+([\u4e00-\u9fff]{1,2})$")


def person_name(text: str | None) -> str | None:
    """'张  震' -> '张震' (names are spaced out to align in forms)."""
    if not text:
        return None
    s = text.strip(" \u3000")
    m = _PERSON_SPACE.match(s)
    if m:
        return m.group(1) + m.group(2)
    return _SPACE_RUN.sub("", s) or None
