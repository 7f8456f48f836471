"""Characters: copy-paste artefacts, and the view layouts match on.

* `clean_artefacts` removes what no report means to print: pinyin pasted inline
  after a character (`項(xiàng)目` -> `項目`, seen in texts copied from online
  dictionaries and input-method pages). Readers apply it to the printed text.
* `apply_view(doc)` gives every block a *matching view*: Traditional characters
  converted to Simplified (OpenCC t2s, only when the document is written in
  Traditional characters) and full-width digits, letters and the symbols
  `＝ ﹦ ％ ＋ ＜ ＞ ．` folded to ASCII. The view replaces `.text`, which is what
  layouts read; the printed text stays in `.printed` and in `Document.text`.
  The view has the printed text's length, character for character.
* `restore_printed(doc, obj)` maps the text fields of a parsed report graph back
  from the view to the printed characters, so stored text stays as printed.
"""
from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections import Counter
from itertools import accumulate

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_SYLLABLE = (
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:[aoeiuüv" + _TONED + r"]{1,3})(?:n|ng|r)?")
_INLINE_PINYIN = re.compile(
    r"(?<=[\u3400-\u9fff])[（(]\s*((?:" + _PINYIN_SYLLABLE + r")(?:\s?" + _PINYIN_SYLLABLE + r")?)\s*[)）]")
_HAS_TONE = re.compile("[" + _TONED + "]")


def clean_artefacts(text: str) -> str:
    """Drop pinyin pasted inline after a character: '項(xiàng)目' -> '項目'. A syllable
    without tone marks ('的(de)') only goes when the same text also has toned ones."""
    if "(" not in text and "（" not in text or not _HAS_TONE.search(text):
        return text
    toned = any(_HAS_TONE.search(m.group(1)) for m in _INLINE_PINYIN.finditer(text))
    if not toned:
        return text

    def drop(m):
        s = m.group(1)
        return "" if _HAS_TONE.search(s) or (s.islower() and len(s) >= 2) else m.group(0)
    return _INLINE_PINYIN.sub(drop, text)


# ---------------------------------------------------------------- matching view

_FOLD = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９％＝＋＜＞．"}
_FOLD.update({c: c - 0xFEE0 for c in range(ord("Ａ"), ord("Ｚ") + 1)})
_FOLD.update({c: c - 0xFEE0 for c in range(ord("ａ"), ord("ｚ") + 1)})
_FOLD.update({ord("﹦"): ord("="), ord("﹪"): ord("%"), ord("﹢"): ord("+")})

_converter = None
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# frequent characters that only Traditional text uses: none in the head, no Traditional text
_TRADITIONAL_ONLY = re.compile("[們個這國發會說對時關經過還與為體產麼頭實現點動電進來種問業樣應從報長務區華員開計處"
                               "義後質無當學邊設費額預決績評門財單項標準級類數據狀況續優劃範圍協調檢歲辦]")
_FOLDABLE = re.compile("[" + "".join(map(chr, _FOLD)) + "]")
_VIEW_CHARS = re.compile("[" + _TRADITIONAL_ONLY.pattern[1:-1] + "".join(map(chr, _FOLD)) + "]")


def _t2s():
    global _converter
    if _converter is None:
        try:
            import opencc
            _converter = opencc.OpenCC("t2s")
        except Exception:   # pragma: no cover - OpenCC is a declared dependency
            _converter = False
    return _converter or None


def is_traditional(text: str) -> bool:
    """Written in Traditional characters: a noticeable share of its characters
    change under t2s (a Simplified text hardly changes at all)."""
    cc = _t2s()
    if cc is None:
        return False
    head = text[:12000]
    if not _TRADITIONAL_ONLY.search(head):   # nor in the sample, which is taken from the head
        return False
    sample = "".join(_CJK_RUN.findall(head))[:4000]   # the head tells
    if not sample or not _TRADITIONAL_ONLY.search(sample):
        return False
    converted = cc.convert(sample)
    if converted == sample:
        return False
    changed = sum(map(str.__ne__, sample, converted))
    return changed >= 3 and changed >= 0.02 * len(sample)


def view(text: str, traditional: bool) -> str:
    """The matching view of one text, as long as the text."""
    out = text.translate(_FOLD)
    if traditional:
        cc = _t2s()
        conv = cc.convert(out)
        if len(conv) != len(out):   # keep positions: convert character by character
            conv = "".join(c if len(c) == 1 else o for o, c in ((o, cc.convert(o)) for o in out))
        out = conv
    return out


def _blocks_text(doc) -> list:
    """Every paragraph and cell, in reading order."""
    from ..document import Paragraph
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.append(b)
        else:
            for row in b.rows:
                out.extend(row.cells)
    return out


def apply_view(doc):
    """Give the document's blocks their matching view (see module doc). Idempotent."""
    if doc.meta.get("view_applied"):
        return doc
    items = _blocks_text(doc)
    joined = "\n".join([x.text for x in items])
    # the common case: neither a character only Traditional text uses (is_traditional
    # looks for one first) nor one to fold, told in one scan instead of two
    hit = _VIEW_CHARS.search(joined)
    _t2s()   # OpenCC loads with a process's first document, whatever it holds (as before)
    traditional = hit is not None and is_traditional(joined)
    if not traditional and (hit is None or not _FOLDABLE.search(joined)):   # nothing to fold
        doc.meta["view_applied"] = True
        doc.meta["view_is_printed"] = True   # no block has a `printed` text
        return doc
    if not traditional:   # only the blocks with a character to fold: found in `joined`
        items = _holding(_FOLDABLE, items, joined)
    for x in items:
        v = view(x.text, traditional)
        if v != x.text:
            x.printed = x.text
            x.text = v
    doc.meta["view_applied"] = True
    if traditional:
        doc.meta["script"] = "traditional"
    return doc


def _holding(pattern: re.Pattern, items: list, joined: str) -> list:
    """The items whose text `pattern` finds something in, given `joined`, their texts
    joined by newlines (where the pattern finds nothing): one search per such item,
    none for the others."""
    starts = list(accumulate((len(x.text) + 1 for x in items), initial=0))
    out = []
    m = pattern.search(joined)
    while m:
        k = bisect_right(starts, m.start()) - 1
        out.append(items[k])
        m = pattern.search(joined, starts[k + 1])
    return out


# ---------------------------------------------------------------- back to printed

# Fields of the report graph that hold canonical codes or names, not printed text.
_CANONICAL = {"statement", "item", "unit", "level1", "level2", "operator", "target_unit",
              "actual_unit", "grade_level", "role", "kind", "code", "severity", "message",
              "department", "department_kind", "region_hint", "metric", "phone",
              "contact_phone", "report_date"}


class _Printed:
    def __init__(self, doc):
        items = [] if doc.meta.get("view_is_printed") else [
            x for x in _blocks_text(doc) if x.printed and len(x.printed) == len(x.text)]
        self.active = bool(items)
        self.doc = doc
        self.whole_text: tuple[str, str] | None = None   # (view, printed) of every block
        self.used: set[tuple[int, int]] = set()
        self.by_line: dict[int, list[tuple[str, str]]] = {}
        self.whole: dict[str, str] = {}            # a value that is a whole cell (first wins)
        for x in items:
            self.by_line.setdefault(x.line, []).append((x.text, x.printed))
            self.whole.setdefault(x.text.strip(), x.printed.strip())
        self.view = "\n".join(x.text for x in items)
        self.printed = "\n".join(x.printed for x in items)
        counts: dict[str, Counter] = {}
        folded_only = doc.meta.get("script") != "traditional"
        for x in items:
            if folded_only:   # the view differs from the print only where a character folds
                pairs = ((x.text[m.start()], m.group()) for m in _FOLDABLE.finditer(x.printed))
            else:
                pairs = zip(x.text, x.printed)
            for a, b in pairs:
                if a != b:
                    counts.setdefault(a, Counter())[b] += 1
        self.chars = {a: c.most_common(1)[0][0] for a, c in counts.items()}
        self.keys = frozenset(self.chars)
        self.table = str.maketrans(self.chars)
        # finds a view character that prints otherwise: `not keys.isdisjoint(s)`, a scan
        # in C instead of a set lookup per character (section bodies are long)
        self.has_key = re.compile("[" + "".join(map(re.escape, sorted(self.keys))) + "]").search \
            if self.keys else _finds_nothing

    def restore(self, s: str, line: int | None = None) -> str:
        """The printed form of a view string: from the cell or paragraph on the same
        source line when it holds it, else from anywhere in the document, else line
        by line (a text put together from several lines, such as a Markdown body)."""
        if not s or not self.has_key(s):
            return s
        local = self.by_line.get(line, []) if line else []
        whole = [k for k, (v, _) in enumerate(local) if v.strip() == s]
        if whole:   # two cells of a row with the same view: take them in turn
            k = next((k for k in whole if (line, k) not in self.used), whole[0])
            self.used.add((line, k))
            return local[k][1].strip()
        for v, p in local:
            i = v.find(s)
            if i >= 0:
                return p[i:i + len(s)]
        if s in self.whole:
            return self.whole[s]
        i = self.view.find(s)
        if i >= 0:
            return self.printed[i:i + len(s)]
        return "\n".join(self._restore_line(part) for part in s.split("\n"))

    def _restore_line(self, s: str) -> str:
        """One line of a text that is not in the document verbatim: where it stands in
        the document's text (blocks printed as viewed included: there it stays as it
        is), else piece by piece between the Markdown marks that sections add (`**`,
        a backslash escape), else character by character."""
        if not s or not self.has_key(s):
            return s
        if self.whole_text is None:
            blocks = [x for x in _blocks_text(self.doc) if not x.printed or len(x.printed) == len(x.text)]
            self.whole_text = ("\n".join(x.text for x in blocks),
                               "\n".join(x.printed or x.text for x in blocks))
        view, printed = self.whole_text
        i = view.find(s)
        if i >= 0:
            return printed[i:i + len(s)]
        pieces = _MARKDOWN_MARK.split(s)
        if len(pieces) > 1:   # odd places hold the marks
            out = [p if k % 2 else self._restore_line(p) for k, p in enumerate(pieces)]
            for k in range(1, len(out) - 1, 2):
                # a backslash escaped an ASCII character ('<') whose printed form is not
                # ASCII ('＜'): Markdown escapes only ASCII punctuation and would show it
                if out[k] == "\\" and out[k + 1][:1] and not out[k + 1][0].isascii():
                    out[k] = ""
            return "".join(out)
        return s.translate(self.table)   # character by character


def _finds_nothing(s: str) -> None:
    return None


# what prose.md_escape and the section builders add to a line: bold marks, and the
# backslash before a character Markdown would read as markup
_MARKDOWN_MARK = re.compile(r"(\*\*|\\(?=[\\`*_{}\[\]<>#|+\-.)]))")


def restore_printed(doc, obj) -> None:
    """Map the printed-text fields of a report graph (dataclasses, lists) back from
    the matching view to the characters as printed. Canonical fields stay."""
    p = _Printed(doc)
    if p.active:
        _restore_in(obj, p.has_key, p.restore)


def _restore_in(o, has_key, restore) -> None:
    """restore_printed's walk, in field order (``restore`` hands out repeated views in
    turn). A module function: a recursive closure would be a reference cycle holding the
    whole document until the cyclic collector ran."""
    if isinstance(o, list):
        for x in o:
            _restore_in(x, has_key, restore)
        return
    fields = _fields_of(type(o))
    if fields is None:
        return
    line = getattr(o, "line", None)
    values = o.__dict__
    for name, printed in fields:
        v = values[name]
        cls = type(v)
        if cls in _LEAVES:   # most fields: nothing to restore, nothing inside
            continue
        if cls is str or isinstance(v, str):
            if printed and has_key(v):   # else its view is as printed
                setattr(o, name, restore(v, line))
        elif isinstance(v, list) or _fields_of(cls) is not None:
            _restore_in(v, has_key, restore)


_LEAVES = frozenset({type(None), int, float, bool})


_FIELDS: dict[type, tuple[tuple[str, bool], ...] | None] = {}


def _fields_of(cls: type) -> tuple[tuple[str, bool], ...] | None:
    """(field name, holds printed text) of a dataclass type; None for other types."""
    try:
        return _FIELDS[cls]
    except KeyError:
        fields = None
        if dataclasses.is_dataclass(cls):
            fields = tuple((f.name, f.name not in _CANONICAL) for f in dataclasses.fields(cls))
        _FIELDS[cls] = fields
        return fields
