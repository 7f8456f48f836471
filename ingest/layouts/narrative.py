"""Narrative reports (seen in Hebei): running text with numbered
indicator lists ('（一）产出指标' / '1. 数量指标' / '（1）信访业务培训场次：≥4次'),
figures in sentences, and sometimes a partial indicator table."""
from __future__ import annotations

import re

from ..document import Document, Paragraph
from ..model import Report
from . import common, prose
from .common import make_indicator, squash

NAME = "narrative_report"

_L1 = re.compile(r"^[（(][一二三四五六七八九十]{1,2}[)）]\s*(?P<label>[^：:，。]{2,16}指标)\s*$")
_L2 = re.compile(r"^\d{1,2}\s*[.、．]\s*(?P<label>[^：:，。\d]{2,12})$")
_ITEM = re.compile(r"^(?:[（(]\d{1,2}[)）]|\d{1,2}\s*[.、．](?!\d))\s*(?P<body>.+)$")
_TOP = re.compile(r"^[一二三四五六七八九十]{1,3}、")
_NOT_A_LABEL = re.compile(r"[≥≤=<>％%]|\d")
_TARGET_SPLIT = re.compile(r"^(?P<name>.+?)(?:[:：]\s*(?P<t1>.+)|(?P<t2>(?:≥|≤|>|<|=|＝|﹦|不低于|不少于|不超过|不高于).+))$")


def matches(doc: Document) -> int:
    paras = [b.text for b in doc.blocks if isinstance(b, Paragraph) and "指标" in b.text]
    return 1 + sum(1 for p in paras if _L1.match(p.strip()))   # (an _L1 heading names 指标)


def parse(doc: Document, report: Report) -> None:
    _listed_indicators(prose.lines(doc), report)
    for t in doc.tables:
        for r, row in enumerate(t.rows):
            labels = [squash(c.text) for c in row.cells]
            if any(l.startswith("三级指标") for l in labels) or (
                    {"符号", "值"} <= set(labels) or ("指标值" in labels and "实际完成值" not in labels and len(labels) < 6)):
                inds, total, _ = common.grid_indicators(t, r)
                report.indicators.extend(inds)
                break


def _listed_indicators(ls, report: Report) -> None:
    l1 = l2 = None
    active = False
    for ln in ls:
        t = ln.text.strip()
        m1 = _L1.match(t)
        if m1:
            l1, l2, active = m1.group("label"), None, True
            continue
        if not active:
            continue
        if _TOP.match(t):
            active = False
            continue
        m2 = _L2.match(t)
        if m2 and not _NOT_A_LABEL.search(m2.group("label")):
            l2 = m2.group("label").strip()
            continue
        mi = _ITEM.match(t)
        if not mi:
            if len(t) > 60:
                active = False
            continue
        body = mi.group("body").strip().rstrip("。.;；")
        ms = _TARGET_SPLIT.match(body)
        if ms:
            name, target = ms.group("name"), ms.group("t1") or ms.group("t2")
        else:
            name, target = body, None
        report.indicators.append(make_indicator(l1 or "", l2 or "", name, target=target, line=ln.no))
