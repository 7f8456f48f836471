"""Money labels as printed -> (statement, item) codes of the data contract."""
from __future__ import annotations

import re
from functools import lru_cache

from .values import clean

# (statement, item, pattern on the cleaned label); first match wins within a statement.
_RULES: list[tuple[str, str, str]] = [
    ("income", "total", r"^(收入合计|收入总计|总收入|本年收入合计)"),
    ("income", "carryover", r"上年结转|年初结转"),
    ("income", "general_budget", r"公共财政拨款|一般公共预算|财政拨款收入|财政拨款$"),
    ("income", "gov_fund", r"政府(性)?基金"),
    ("income", "special_nontax", r"专户|非税"),
    ("income", "other", r"^其他收入|^其他资金"),
    ("expenditure", "total", r"^(支出合计|支出总计|总支出|本年支出合计|整体支出)"),
    ("expenditure", "basic", r"^基本支出"),
    ("expenditure", "personnel", r"^人员(支出|经费)"),
    ("expenditure", "public", r"^(日常)?公用(支出|经费)"),
    ("expenditure", "project", r"^项目(支出|经费)"),
    ("expenditure", "surplus_year", r"当年结余|本年结余"),
    ("expenditure", "surplus_total", r"累计结余|年末结转和结余"),
    ("three_public", "total", r"三公经费(合计)?$|^三公经费合计"),
    ("three_public", "reception", r"公务接待"),
    ("three_public", "vehicle_running", r"(公务)?用车运(行)?(维|维护)"),
    ("three_public", "vehicle_purchase", r"(公务)?用车购置"),
    ("three_public", "overseas", r"因公出国"),
    ("assets", "total", r"^固定资产(合计|总额)?$"),
    ("assets", "in_use", r"在用"),
    ("assets", "leased", r"出租|出借"),
    ("assets", "other", r"^其他$"),
    ("budget", "initial", r"年初预算"),
    ("budget", "adjusted", r"全年预算|调整(后)?预算"),
    ("budget", "executed", r"全年执行|执行数|实际支出"),
]


_COMPILED = [(st, item, re.compile(pattern)) for st, item, pattern in _RULES]
_QUOTES = re.compile(r"[“”\"']")
_UNIT_NOTE = re.compile(r"[（(](万元|元|境)[)）]")
_OF_WHICH = re.compile(r"^(其中|含)[:：]?")


@lru_cache(maxsize=8192)
def _bare(label: str) -> str:
    s = clean(label)
    s = _QUOTES.sub("", s)
    s = _UNIT_NOTE.sub("", s)
    s = _OF_WHICH.sub("", s)
    return s


@lru_cache(maxsize=8192)
def classify(label: str, statement: str | None = None) -> tuple[str, str] | None:
    """The (statement, item) for a printed money label; `statement` restricts the search
    when the table is known (an 其他 column means assets.other only in the assets table)."""
    s = _bare(label)
    if not s:
        return None
    for st, item, pattern in _COMPILED:
        if statement and st != statement:
            continue
        if pattern.search(s):
            return st, item
    return None


def statement_of_header(labels: list[str]) -> str | None:
    """Which statement a table holds, from its header labels."""
    joined = "|".join(_bare(x) for x in labels if x)
    if "三公经费" in joined:
        return "three_public"
    if "固定资产" in joined:
        return "assets"
    if "收入合计" in joined or "上年结转" in joined:
        return "income"
    if "支出合计" in joined or "基本支出" in joined:
        return "expenditure"
    if "年初预算" in joined:
        return "budget"
    return None
