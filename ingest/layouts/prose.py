"""Facts stated in running text, shared by every layout: department and year from
titles, narrative money figures, staffing, score and grade in words, petition
statistics, problems and measures, and the narrative as Markdown sections."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..document import Document, Paragraph
from ..model import Finding, PetitionStat, Project, Report, Section
from ..normalise import finance as fin
from ..normalise import labels as lab
from ..normalise.regions import UNIT_ENDS, place_prefix_length, resolve, resolve_name
from ..normalise.values import MONEY_UNITS, clean, head_count, to_number, to_wan
from .common import labelled_cells

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_WS = re.compile(r"\s+")
_HSPACE = re.compile(r"[ \t\u3000\xa0]+")


@lru_cache(maxsize=65536)
def _nows(text: str) -> str:
    """The text without whitespace. Cached: several extractors read the same lines."""
    return _WS.sub("", text)
_DEPT_SUFFIX = (r"(?:局|委员会|委|办公室|办|中心|院|馆|站|所|队|会|厅|署|部|处|社|庭|台)")


@dataclass(slots=True)   # slots: a document has hundreds of lines
class Line:
    no: int
    text: str


def lines(doc: Document) -> list[Line]:
    """Every non-empty line of text, tables flattened cell by cell, whitespace folded.

    Several layers ask for the lines of one document while it is parsed; they are
    computed once and kept on the document until `forget_lines`."""
    return doc.memo("prose.lines", _lines)


def _lines(doc: Document) -> list[Line]:
    """One pass over the whole text instead of one per line: the texts joined, their
    spaces folded at once, split and stripped (what `_lines_one_by_one` does line by
    line). A paragraph holding a newline is one line, so such a document takes the loop."""
    numbered = list(_text_lines(doc))
    if not numbered:
        return []
    nos, texts = zip(*numbered)
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:    # a text held a newline
        return _lines_one_by_one(numbered)
    if "\t" in joined or "\u3000" in joined or "\xa0" in joined or "  " in joined:
        joined = _HSPACE.sub(" ", joined)   # (_HSPACE does not match the newlines)
    return [Line(no, t) for no, t in zip(nos, map(str.strip, joined.split("\n"))) if t]


def _lines_one_by_one(numbered: list[tuple[int, str]]) -> list[Line]:
    out = []
    for no, text in numbered:
        if "\t" in text or "\u3000" in text or "\xa0" in text or "  " in text:
            text = _HSPACE.sub(" ", text)
        t = text.strip()
        if t:
            out.append(Line(no, t))
    return out


def _text_lines(doc: Document):
    """Document.text_lines, as an iterator that skips splitting one-line cells."""
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            yield b.line, b.text
        else:
            for row in b.rows:
                for cell in row.cells:
                    text = cell.text
                    if "\n" not in text:
                        yield cell.line, text
                    else:
                        for i, ln in enumerate(text.split("\n")):
                            yield cell.line + i, ln


def forget_lines(doc: Document) -> None:
    """Forget the lines and every other view kept on the document (Document.memo)."""
    doc.forget()


# ---------------------------------------------------------------- department & year

_NAME_LABEL = re.compile(
    r"^(?:预算)?(?:部门|单位)(?:[（(]单位[)）])?(?:名称\s*[:：]?|\s*[:：])\s*$")
_NAME_LABEL_HEADS = ("预算", "部门", "单位")   # how a name label starts
_NAME_INLINE = re.compile(
    r"^(?:预算)?(?:部门|单位)(?:[（(]单位[)）])?(?:名称)?\s*[:：]?\s*(?P<name>[\u4e00-\u9fff（）()]{3,40}"
    + _DEPT_SUFFIX + r")\s*$")
_DEPT = re.compile(r"[\u4e00-\u9fff]{2,30}?" + _DEPT_SUFFIX)
# a joint name's second name in brackets: 'X委员会（Y办公室）'
_ALIAS = r"(?:[（(][\u4e00-\u9fff、]{2,30}" + _DEPT_SUFFIX + r"[)）])?"
_YEAR_TITLE = re.compile(r"(20\d{2}|19\d{2})\s*年度?")


_SEAL = re.compile(r"[（(](?:本级|盖章|公章|章)[)）]$")
_UNIT_WORD = re.compile(r"(部门|单位)$")
_DEPARTMENT = re.compile(r"[\u4e00-\u9fff（）()]{3,40}" + _DEPT_SUFFIX + _ALIAS)
# '财政局(制)' prints the form's maker; '北京市各机关各行业协会' is many bodies, not one
_NOT_DEPARTMENT = re.compile(r"财政局[（(]制[)）]|^财政部门|各(?!族)")


@lru_cache(maxsize=16384)
def _tidy_name(name: str) -> str:
    s = _nows(name)
    s = _SEAL.sub("", s)
    s = _UNIT_WORD.sub("", s)
    return s


@lru_cache(maxsize=16384)
def _is_department(name: str) -> bool:
    return bool(_DEPARTMENT.fullmatch(name)) and not _NOT_DEPARTMENT.search(name)


def department_name(doc: Document, ls: list[Line]) -> str | None:
    """The department the report is about: a labelled name cell, a '部门：X' line, or a
    title line; then the fullest form of that name printed anywhere in the text."""
    found = None
    # A label cell followed by the name in the next cell.
    for t, r, c, cell, label in labelled_cells(doc):
        if label[:2] in _NAME_LABEL_HEADS and _NAME_LABEL.match(label):
            for nxt in t.rows[r].cells[c + 1:]:
                name = _tidy_name(nxt.text)
                if name:
                    if _is_department(name):
                        found = name
                    break
        if found:
            break
    if not found:
        for ln in ls[:400]:
            if ln.text[:1] not in ("预", "部", "单"):   # how both patterns start
                continue
            m = _NAME_INLINE.match(_nows(ln.text)) or _NAME_SPACED.match(ln.text)
            if m and _is_department(_tidy_name(m.group("name"))):
                found = _tidy_name(m.group("name"))
                break
    if not found:
        found = _name_from_titles(ls)
    if not found:
        found = _name_signed(ls)
    if not found:
        found = _name_in_text(ls)
    if not found:
        # a finance bureau's own report: its name heads the title and no other
        # department is named anywhere (else that name was the page's publisher)
        found = _name_from_titles(ls, finance_bureau=True)
    if not found:
        return None
    return _fullest(found, ls)


_NAME_SPACED = re.compile(r"^(?:部门|单位)[（(]?单位?[)）]?名称\s+(?P<name>\S+)$")
_SIGNED_DATE = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")


def _name_signed(ls: list[Line]) -> str | None:
    """A name-last report: the department signs at the end, above or beside the date
    ('某县人力资源和社会保障局（本级）' / '2024年3月1日'), or names itself as
    '填报单位：X'."""
    for ln in ls[:400]:
        m = _FILLED_BY.match(ln.text) if "单位" in ln.text else None
        if m:
            name = _tidy_name(m.group("name"))
            if _is_department(name):
                return name
    tail = ls[-8:]
    for i, ln in enumerate(tail):
        name = _tidy_name(ln.text)
        if len(name) <= 50 and _is_department(name):
            after = tail[i + 1].text.strip() if i + 1 < len(tail) else ""
            if i == len(tail) - 1 or _SIGNED_DATE.match(_nows(after)):
                return name
    return None


def signed_date(ls: list[Line]) -> str | None:
    """The date a report is signed with: a line that is only a date, among the last
    lines ('2024年3月1日', '二〇二四年三月十五日'; not '截至2023年12月31日')."""
    for ln in reversed(ls[-8:]):
        t = _nows(ln.text)
        found = lab.parse_date_line(t) if t.endswith("日") else None
        if found:
            return found
    return None


_FILLED_BY = re.compile(r"^(?:填报|报送|编报|评价)单位(?:名称)?\s*[:：]\s*(?P<name>\S{3,50})")
_PUBLISHER = re.compile(r"财政(局|厅|部)$|人民政府$|委员会办公室$")
_PLACED_DEPT = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:省|自治区|市|州|盟|地区|县|区|旗))"
                          r"[\u4e00-\u9fff]{2,16}?" + _DEPT_SUFFIX)


def _name_in_text(ls: list[Line]) -> str | None:
    """The department named most often in the running text ('某县信访局在…'), when
    no title or label names it; a finance bureau named in a header or as the issuer
    of a notice is the publisher, not the department."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for i, ln in enumerate(ls):
        for m in _PLACED_DEPT.finditer(_nows(ln.text)):
            name = _from_place(m.group(0), len(m.group(1)))
            if name is None or _PUBLISHER.search(name):
                continue
            counts[name] = counts.get(name, 0) + 1
            first.setdefault(name, i)
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], -first[n]))


@lru_cache(maxsize=4096)
def _from_place(text: str, place: int) -> str | None:
    """The department name in `text`, a match of _PLACED_DEPT whose place part is
    `place` characters long: from the first place the gazetteer knows
    ('名称长沙市雨花区发展和改革局' -> '长沙市雨花区发展和改革局'), or the whole text when its
    place part is as short as a place name ('某县信访局'). A phrase of running text that
    only ends like a name ('较好地完成了中省市书记信箱交办') gives None."""
    for k in range(len(text) - 3):
        n = place_prefix_length(text[k:])
        if n and (text[k + n - 1] in UNIT_ENDS or _ZONE.match(text, k + n)) and _is_department(text[k:]):
            return text[k:]
    return text if place <= 4 and _is_department(text) else None


# a place printed in full ends with its unit (UNIT_ENDS: '新邵县', '红河州'); a bare short
# name does not ('双城经济圈…') unless a zone follows it ('南湖新区民政局')
_ZONE = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:新区|开发区|园区|管理区)")


_TITLE_NAME = re.compile(
    r"^(?:附件\d*)?(?:(?:20|19)\d{2}年度?)?(?P<name>[\u4e00-\u9fff（）()]{3,40}?"
    + _DEPT_SUFFIX + _ALIAS + r")(?:[（(]本级[)）])?(?:部门|单位)?(?:(?:20|19)\d{2}年度?)?(?:部门|机关)?整体")
_UP_TO_YEAR = re.compile(r"^.*?年度?")
_ATTACHMENT_YEAR = re.compile(r"^(?:附件\d*)?(?:(?:20|19)\d{2}年度?)?")
_REPORT_WORD = re.compile(r"报告|自评表|评价表|自评情况")
_FINANCE_BUREAU = re.compile(r"财政(局|厅)$")


def _name_from_titles(ls: list[Line], finance_bureau: bool = False) -> str | None:
    """The department named in the report's title, or on the two lines above it. A
    finance bureau above the title is taken only when `finance_bureau` asks for it."""
    for i, ln in enumerate(ls[:600]):
        text = _nows(ln.text)
        if "绩效" not in text and "决算" not in text:
            continue
        if not _REPORT_WORD.search(text):
            continue
        # The name in the title itself: '2022年度X整体支出绩效自评表', 'X2024年度部门…'
        for cand in (text, _UP_TO_YEAR.sub("", text)):
            m = _TITLE_NAME.match(cand)
            if m and _is_department(_tidy_name(m.group("name"))):
                return _tidy_name(m.group("name"))
        # Or on the lines just before the title.
        for back in range(1, 3):
            if i - back < 0:
                break
            prev = _nows(ls[i - back].text)
            prev = _ATTACHMENT_YEAR.sub("", prev)
            prev = _tidy_name(prev)
            # a finance bureau heading the page is usually the publisher, not the department
            if (len(prev) <= 40 and _is_department(prev)
                    and finance_bureau == bool(_FINANCE_BUREAU.search(prev))):
                return prev
    return None


_UNKNOWN = object()
_PLACE_HEAD = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:省|市|州|盟|地区|区|县)")


def _fullest(name: str, ls: list[Line]) -> str:
    """'五华区信访局' -> '昆明市五华区信访局' when the longer form is printed and
    its head is a place that contains the shorter one's place."""
    best = name
    text = None   # the whole text without whitespace, the context for resolving
    inner = _UNKNOWN   # the region of `name` in that context, resolved when needed
    # only a fuller form printed on a line (or in a cell) of its own: a name as published
    for ln in ls:
        if not ln.text.endswith(name[-1]):   # a line keeps its last character in _nows
            continue
        line = _nows(ln.text)
        if len(line) <= len(name) or not line.endswith(name):
            continue
        place = line[:-len(name)]
        if not _PLACE_HEAD.fullmatch(place):
            continue
        if text is None:
            text = "\n".join(_nows(l.text) for l in ls)
        cand = place + name
        # keep only the place-name tail of the prefix (e.g. '承担昆明市' -> '昆明市')
        for k in range(len(place)):
            head = place[k:]
            if resolve_name(head + name):
                cand = head + name
                break
        else:
            continue
        if len(cand) > len(best):
            if inner is _UNKNOWN:
                inner = resolve(name, text)
            outer = resolve(cand, text)
            if outer and (inner is None or outer.code == inner.code
                          or (inner.code and outer.code and inner.code.startswith(outer.code.rstrip("0")))):
                best = cand
    return best


_SPACE_BEFORE_YEAR = re.compile(r"(?<=\d)\s+(?=年)")
_REPORT_OR_TABLE = re.compile(r"报告|表|情况")
_NOTICE = re.compile(r"通知|关于|《")
_YEAR_OF = re.compile(r"(20\d{2})\s*年度")
_DATED = re.compile(r"日期|时间")      # a labelled date: 发文日期, 发布时间
_TITLE_IN_TEXT = re.compile(r"(20\d{2})\s*年度?(?:部门|单位|机关)?(?:整体支出|项目支出)?绩效(?:自评|评价)(?:报告|表)")
_CITED = re.compile(r"《[^《》\n]{0,80}》")


_CN_YEAR = re.compile(r"(二〇[〇一二三四五六七八九]{2})年")


def fiscal_year(ls: list[Line]) -> int | None:
    head = " ".join(l.text for l in ls[:8])
    if "绩效" in head or "决算" in head or "自评" in head:
        head = _SPACE_BEFORE_YEAR.sub("", head)
        for m in _YEAR_TITLE.finditer(head):
            # not a date the page was published or the form filled in ('发文日期: 2022年11月04日')
            if not _DATED.search(head, max(0, m.start() - 8), m.start()):
                return int(m.group(1))
    for ln in ls:
        text = _nows(ln.text)
        if len(text) <= 60 and "绩效" in text and _REPORT_OR_TABLE.search(text):
            m = _YEAR_TITLE.search(text)
            if m and not _NOTICE.search(text):
                return int(m.group(1))
    for ln in ls[:60]:   # a title with the year in Chinese numerals: 二〇二三年度
        if "〇" in ln.text:
            text = _nows(ln.text)
            m = _CN_YEAR.search(text)
            if m and ("绩效" in text or "自评" in text) and not _NOTICE.search(text):
                return lab.cn_digits(m.group(1))
    # the most frequent year of the text, not counting the titles it cites
    # (《关于做好2015年度综合绩效考评工作的通知》); a report's own title run into the
    # paragraph after it ('X局 2020年部门整体支出绩效评价报告 根据…') says it first
    text = _CITED.sub("", " ".join(l.text for l in ls))
    m = _TITLE_IN_TEXT.search(text)
    if m:
        return int(m.group(1))
    years = _YEAR_OF.findall(text)
    if years:
        return int(max(set(years), key=years.count))
    # a project form's period within one year: '项目起止时间 2016年1月起至2016年12月止'
    m = _PERIOD.search(_nows(text))
    if m and m.group(1) == m.group(2):
        return int(m.group(1))
    return None


_PERIOD = re.compile(r"(?:起止时间|实施期限?|实施时间|执行期限?)[:：]?((?:19|20)\d{2})年\d{1,2}月(?:\d{1,2}日)?"
                     r"(?:起)?(?:至|到|[-—－~～])((?:19|20)\d{2})年\d{1,2}月")


# ---------------------------------------------------------------- kind of document

_SELF_EVAL_TITLE = re.compile(
    r"(?:整体支出|部门|单位|项目支出|项目)?绩效(?:自评|自我评价|评价)(?:报告|表|情况|结果)|自评(?:报告|表)")
_ACCOUNTS_TITLE = re.compile(r"决算(?:说明|公开|报告|情况)|部门决算|预算(?:说明|公开|编制说明|情况)|部门预算")
_POLICY_TITLE = re.compile(r"(?:通知|意见|办法|规定|方案|细则|批复|指引|指南|规划|决定)$")
# '当前位置: 首页 > 公开领域 > 城乡规划' (whose last crumb may read like a policy title)
_BREADCRUMB = re.compile(r"^\s*(?:当前位置|您(?:现在|当前)?的位置|所在位置)\s*[:：]|[>＞»›].*[>＞»›]")


def _self_evaluation_headed(title: str) -> bool:
    """A title whose head noun (the last, in Chinese) is the self-evaluation, though it
    names a budget first: '部门预算项目支出绩效自评表(2023年度)' is a form, not a 部门预算.
    A self-evaluation in brackets ('部门决算（含绩效自评情况）') does not head it."""
    plain = _BRACKETED.sub("", title)
    ev = [m.end() for m in _SELF_EVAL_TITLE.finditer(plain)]
    acc = [m.end() for m in _ACCOUNTS_TITLE.finditer(plain)]
    return bool(ev) and (not acc or ev[-1] > acc[-1])


_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")


def document_kind(ls: list[Line]) -> tuple[str, int | None]:
    """What the document is, from its title: ('self_evaluation', None) for a
    self-evaluation (or a document whose title says nothing either way);
    ('budget_or_final_accounts' | 'policy', i) for a 决算/预算说明 or a notice or
    policy text that embeds a self-evaluation whose title is line i; and
    (kind, None) when it embeds none."""
    # a title takes up to three lines; a web page's breadcrumb is none of them
    heads = [_nows(l.text) for l in ls[:4] if not _BREADCRUMB.search(l.text)][:3]
    kind = None
    for h in heads:
        if len(h) <= 60 and _ACCOUNTS_TITLE.search(h) and not _self_evaluation_headed(h):
            kind = "budget_or_final_accounts"
        elif len(h) <= 80 and _SELF_EVAL_TITLE.search(h) and not _POLICY_TITLE.search(h):
            return "self_evaluation", None
        elif len(h) <= 80 and _POLICY_TITLE.search(h) and "。" not in h and "；" not in h:
            kind = "policy"
        if kind:
            break
    if kind is None:
        return "self_evaluation", None
    for i in range(1, len(ls)):
        t = _nows(ls[i].text)
        if (len(t) <= 60 and "。" not in t and "；" not in t and _SELF_EVAL_TITLE.search(t)
                and not t.startswith(("关于", "根据", "按照", "依据", "《")) and not _POLICY_TITLE.search(t)):
            return kind, i
    return kind, None


# ---------------------------------------------------------------- figures in prose

# '收入' or '支出' alone is the total only where no word runs into it ('1、收入：…',
# '，支出…'; not '财政拨款收入' or '基本支出', which have labels of their own)
_BARE = r"(?<![\u4e00-\u9fff])"
_FIGURE_LABELS = [
    ("income", "general_budget", r"(?:一般公共预算)?财政拨款收入|一般公共预算财政拨款收入"),
    ("income", "total", r"收入合计|收入总计|总收入|" + _BARE + "收入"),
    ("expenditure", "total", r"支出合计|支出总计|整体支出|总支出|" + _BARE + "支出"),
    ("expenditure", "basic", r"基本支出"),
    ("expenditure", "personnel", r"人员经费|人员支出"),
    ("expenditure", "public", r"日常公用经费|公用经费|公用支出"),
    ("expenditure", "project", r"项目支出"),
    ("three_public", "total", r"三公[”\"]?经费(?:支出)?(?:合计)?"),
    ("three_public", "reception", r"公务接待费"),
]
_FIGURE = re.compile(
    r"(?P<label>" + "|".join(p for _, _, p in _FIGURE_LABELS) + r")"
    r"(?:支出)?(?:决算)?(?:为|是|合计|共计|共|达|[:：])?\s*(?P<num>" + NUM + r")\s*(?P<unit>" + MONEY_UNITS + r")")


_FIGURE_LABEL_KEYS = [(st, item, re.compile(pattern.replace(_BARE, "")))
                      for st, item, pattern in _FIGURE_LABELS]
_CLAUSE_SPLIT = re.compile(r"[。；;，,]")
_QUOTE = re.compile(r"[“”\"]")
_NOT_OUTTURN = re.compile(r"预算|上年|同比")
_ONE_PROJECT = re.compile(r"项目[”\"]?$|专项|经费[”\"]?$|“[^”]*$")


def narrative_figures(ls: list[Line]) -> dict:
    """Money figures stated in sentences ('基本支出86.40万元'), in 万元 whatever unit
    they are printed in ('支出合计3,105,600.00元' is 310.56): first statement wins."""
    out: dict = {}
    for ln in ls:
        if len(ln.text) < 12 or "元" not in ln.text:   # every figure ends in 元
            continue
        for m in _FIGURE.finditer(ln.text):
            label = m.group("label")
            # '项目支出合计35.10万元' of one named project is not the department total
            before = ln.text[max(0, m.start() - 12):m.start()]
            clause = _CLAUSE_SPLIT.split(ln.text[:m.start()])[-1]
            if _QUOTE.search(clause) and label.startswith("项目"):
                continue   # the cost of one named project, not the department's 项目支出
            if _NOT_OUTTURN.search(clause):
                continue   # a budget or last year's figure, not this year's outturn
            if (_ONE_PROJECT.search(before) and "项目" not in label
                    and not label.startswith("三公")):   # ‘“三公”经费’ opens with a quote
                continue
            for st, item, pattern in _FIGURE_LABEL_KEYS:
                if pattern.fullmatch(label):
                    key = f"{st}.{item}"
                    if key not in out:
                        amount = to_wan(float(m.group("num").replace(",", "")), m.group("unit"))
                        out[key] = (amount, m.group(0), ln.no)
                    break
    return out


# '“信访补贴”项目全年预算数2.03万元，执行数为2.03万元，完成预算的100%' (the wording
# of the 部门决算 notes on project outturns, also used in self-evaluation reports)
_PROSE_PROJECT = re.compile(
    r"[“\"]?(?P<name>[^“”\"。；;：:，,、（()）\s]{2,30}?(?:[（(][^（()）]{1,20}[)）])?)[”\"]?"
    r"项目(?:绩效目标)?(?:完成情况)?(?:综述)?[。：:，,]?\s*(?:该?项目)?(?:全年)?预算(?:数|资金)?(?:为|是)?"
    r"(?P<budget>" + NUM + r")\s*(?P<bu>" + MONEY_UNITS + r")[，,]\s*(?:实际)?执行(?:数)?(?:为|是)?"
    r"(?P<spent>" + NUM + r")\s*(?P<su>" + MONEY_UNITS + r")"
    r"(?:[，,]\s*完成(?:全年)?预算的(?P<rate>" + NUM + r")\s*[%％])?")


def narrative_projects(ls: list[Line]) -> list[Project]:
    """Projects whose outturn is told in a sentence, each with its year's budget (全年
    预算数, the adjusted budget), what was spent and the share of the budget spent."""
    out: dict[str, Project] = {}
    for ln in ls:
        if "项目" not in ln.text or "执行" not in ln.text:
            continue
        for m in _PROSE_PROJECT.finditer(ln.text):
            name = m.group("name")
            if name in out or name.endswith(("部门", "单位")):
                continue
            rate = m.group("rate")
            out[name] = Project(
                name, budget_adjusted=to_wan(float(m.group("budget").replace(",", "")), m.group("bu")),
                budget_executed=to_wan(float(m.group("spent").replace(",", "")), m.group("su")),
                execution_rate=float(rate) if rate else None,
                execution_rate_text=f"{rate}%" if rate else None, line=ln.no)
    return list(out.values())


# between a staffing word and its count: '为', '共计', '：' ... ('编制数共计20名')
_STAFF_JOIN = r"(?:为|共计|合计|总计|共有|共|是|[:：])?"
_ACTUAL = (re.compile(r"实有(?:人数|人员)?" + _STAFF_JOIN + r"(\d+)[人名]"),
           re.compile(r"实有(?:行政|在职|在编)?人员" + _STAFF_JOIN + r"(\d+)[人名]"),
           re.compile(r"在职在编人员(\d+)[人名]"),
           re.compile(r"在职(?:人员|人数)" + _STAFF_JOIN + r"(\d+)[人名]"))
# a total: '人员编制13人', '共有编制13人', '总编制为249个'; not a part ('其中行政编制8人',
# '事业编制为4人', '机关编制5人')
_AUTHORIZED = re.compile(r"(?:人员编制|核定编制|编制总数|编制人数|编制数|有编制"
                         r"|(?<![政业勤公额关])编制(?=为|共|合计|总计|是|[:：]))"
                         + _STAFF_JOIN + r"(\d+)[人名个]")


def staff_counts(ls: list[Line]) -> tuple[int | None, int | None]:
    """(编制, 实有) stated in prose."""
    authorized = actual = None
    for ln in ls:
        text = ln.text
        if "实" not in text and "职" not in text and "编" not in text:
            continue   # every pattern names 实有, 在职 or 编制 (maybe spaced out)
        t = _nows(text)
        if actual is None and ("实有" in t or "在职" in t):
            m = (_ACTUAL[0].search(t) or _ACTUAL[1].search(t) or _ACTUAL[2].search(t)
                 or _ACTUAL[3].search(t))
            if m:
                actual = int(m.group(1))
        if authorized is None and "编制" in t:
            m = _AUTHORIZED.search(t)
            if m:
                authorized = int(m.group(1))
    return authorized, actual


# '总分为98分', or a labelled score without 分 that ends its clause ('综合得分：96.5，…';
# not '总分：100', which is as often the full marks)
_SCORE_WORDS = re.compile(r"(?:总分|综合评分|综合得分|自评得分|评价得分|自评分)(?:为|是|：|:)?(" + NUM + r")分"
                          r"|(?:综合评分|综合得分|自评得分|评价得分|自评分)(?:为|是|：|:)(" + NUM + r")(?=$|[，,。；;])")
_GRADE_WORDS = re.compile(r"(?:等级|等次|评价结果|自评结果|评价结论|自评结论|评定)(?:为|是|：|:)[“\"]?"
                          r"(优秀|良好|合格|不合格|一般|较差|优|良|中|差)")


def score_and_grade(ls: list[Line]) -> tuple[float | None, str | None, str | None]:
    """(score, score text, grade) from sentences such as '总分为98分，等级为优秀',
    '综合评分为97分', '绩效自评结果为良'."""
    score = text = grade = None
    for ln in ls:
        if "分" not in ln.text and "等" not in ln.text and "结" not in ln.text and "定" not in ln.text:
            continue   # every score sentence has 分; every grade word 等, 结 or 定
        t = _nows(ln.text)
        if score is None:
            m = _SCORE_WORDS.search(t)
            if m and "满分" not in t[max(0, m.start() - 3):m.start()]:
                score, text = float(m.group(1) or m.group(2)), m.group(0)
        if grade is None:
            m = _GRADE_WORDS.search(t)
            if m:
                grade = m.group(1)
    return score, text, grade


# ---------------------------------------------------------------- petition statistics

_METRICS = ("信访总量", "集体访", "集访", "进京非访", "进京访", "越级访", "到省访", "赴省访",
            "到市访", "网上投诉", "网上信访", "群众来信", "来信", "来访", "接待来访", "信访事项")
_STAT = re.compile(
    r"(?P<metric>" + "|".join(sorted(_METRICS, key=len, reverse=True)) + r")"
    r"(?:共|总量|数量)?(?:为|达)?\s*(?P<a>\d+)\s*(?P<ua>批|件|人次)(?:\s*(?P<b>\d+)\s*(?P<ub>人次|人))?")
_STAT_OR_STOP = re.compile(r"[；;。]|" + _STAT.pattern)
_CHANGE = re.compile(r"(?P<dir>上升|增长|增加|下降|减少|降低)|(?P<pct>" + NUM + r")\s*[%％]")


def _changes(clause: str) -> list[float]:
    """Signed year-on-year changes in order: '分别同比下降16.84%和29.94%' -> [-16.84, -29.94]."""
    out, sign = [], None
    for m in _CHANGE.finditer(clause):
        if m.group("dir"):
            sign = -1 if m.group("dir") in ("下降", "减少", "降低") else 1
        elif sign is not None:
            out.append(sign * float(m.group("pct").replace(",", "")))
    return out


def petition_stats(ls: list[Line]) -> list[PetitionStat]:
    out: list[PetitionStat] = []
    seen = set()
    for ln in ls:
        text = ln.text
        if "访" not in text and "信" not in text and "投诉" not in text:
            continue   # every metric names one of them
        for m in _STAT.finditer(text):
            metric = m.group("metric")
            # the clause after the figure, up to the next figure or sentence end
            tail = text[m.end():]
            stop = _STAT_OR_STOP.search(tail)
            clause = tail[: stop.start()] if stop else tail
            changes = _changes(clause)
            stats = [(m.group("a"), m.group("ua"))]
            if m.group("b"):
                stats.append((m.group("b"), m.group("ub")))
            for k, (v, unit) in enumerate(stats):
                key = (metric, unit)
                if key in seen:
                    continue
                seen.add(key)
                change = changes[k] if k < len(changes) else None
                out.append(PetitionStat(metric, unit, float(v), change,
                                        text[m.start():m.end()], ln.no))
    return out


# ---------------------------------------------------------------- findings

_PROBLEM_HEAD = re.compile(r"(存在的?(主要)?问题|问题及原因|主要问题|问题和不足|不足之处)")
_MEASURE_HEAD = re.compile(r"(改进措施|整改(情况|措施)?|下一步|建议|改进意见)")
_EXPERIENCE_HEAD = re.compile(r"(经验|做法)")
_APPLICATION_HEAD = re.compile(r"(结果应用|结果拟应用|应用情况)")
_TOP_HEAD = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|第[一二三四五六七八九十]+[章部分])")
_SUB_HEAD = re.compile(r"^(?:[（(][一二三四五六七八九十]{1,3}[)）]|\d{1,2}[.、．](?!\d))")
# what a heading of either kind starts with: most lines are told without a regex
_TOP_FIRST = frozenset("一二三四五六七八九十第")
_SUB_FIRST = frozenset("（(")


def _is_top_head(t: str) -> bool:
    return t[:1] in _TOP_FIRST and _TOP_HEAD.match(t) is not None


def _is_sub_head(t: str) -> bool:
    first = t[:1]
    return (first in _SUB_FIRST or first.isdecimal()) and _SUB_HEAD.match(t) is not None


_ITEM_SPLIT = re.compile(
    r"(?:(?<=[。；;])|^)\s*(?=(?:[一二三四五六七八九十]是|\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[)）]|[（(][一二三四五六七八九十][)）]))")


_COLUMN_HEADS = ("偏差", "未完成原因", "扣分原因")


@lru_cache(maxsize=16384)
def heading_kind(text: str) -> str | None:
    """Cached: findings and sections ask about the same lines, and forms of one kind
    print the same headings."""
    t = _nows(text)
    if len(t) > 40:
        return None
    if t.startswith(_COLUMN_HEADS):    # an indicator grid's column: 偏差原因分析及改进措施
        return None
    if _APPLICATION_HEAD.search(t):
        return "application"
    if _MEASURE_HEAD.search(t):
        return "measure"
    if _PROBLEM_HEAD.search(t):
        return "problem"
    if _EXPERIENCE_HEAD.search(t) and (_TOP_HEAD.match(t) or _SUB_HEAD.match(t)):
        return "experience"
    return None


def split_items(text: str) -> list[str]:
    parts = [p.strip() for p in _ITEM_SPLIT.split(text) if p and p.strip()]
    out = []
    for p in parts:
        p = _ITEM_NUMBER.sub("", p).strip()
        if len(p) >= 4:
            out.append(p)
    return out


_ITEM_NUMBER = re.compile(
    r"^(?:[一二三四五六七八九十]是|\d{1,2}[.、．]|[（(]\d{1,2}[)）]|[（(][一二三四五六七八九十][)）])\s*")
_INLINE_KIND = re.compile(r"(存在(?:的)?问题|整改情况|整改措施|改进措施)[:：]")


def findings_from_text(text: str, kind: str, line: int) -> list[Finding]:
    """Items of one finding text; inline labels ('存在问题：… 整改情况：…') switch kind."""
    out: list[Finding] = []
    pieces = _INLINE_KIND.split(text)
    chunks = [(kind, pieces[0])]
    for label, chunk in zip(pieces[1::2], pieces[2::2]):
        chunks.append(("problem" if "问题" in label else "measure", chunk))
    for k, chunk in chunks:
        for item in split_items(chunk):
            out.append(Finding(k, item, line))
    return out


_COLON = re.compile(r"[:：]")
_NOTHING = re.compile(r"[无无。]+")


# a form's sign-off line ends the passage above it: '项目负责人：…', '填报人：…'
_SIGN_OFF = re.compile(r"(?:(?:项目|财务|单位|部门)?负责人|填报人|填表人|制表人|审核人|联系人|联系电话"
                       r"|(?:填报|报告|编制)日期)(?:\s*[（(]?(?:签字|签名|盖章)[)）]?)?\s*[:：]")


def findings(ls: list[Line]) -> list[Finding]:
    """Problems, measures, experience and application from headed passages."""
    out: list[Finding] = []
    mode = None
    for ln in ls:
        t = ln.text
        top, sub = _is_top_head(t), _is_sub_head(t)
        is_head = top or sub or len(t) <= 24 and "。" not in t and "；" not in t
        kind = heading_kind(t) if is_head else None   # only a heading's kind is used below
        if kind and is_head:
            mode = kind
            # a heading that carries its text: '存在问题：1. …'
            rest = _COLON.split(t, maxsplit=1)
            if len(rest) == 2 and len(rest[1]) > 8:
                out.extend(findings_from_text(rest[1], kind, ln.no))
            continue
        if top and not kind or mode and _SIGN_OFF.match(t):
            mode = None
            continue
        if mode and not (sub and len(t) <= 24 and not heading_kind(t)):
            if _NOTHING.fullmatch(t):
                continue
            out.extend(findings_from_text(t, mode, ln.no))
    return out


_INLINE_FINDING = re.compile(
    r"((?:发现的|存在的?)(?:主要)?问题|主要问题|问题(?:和|与|及)不足"
    r"|(?:下一步)?(?:改进|整改)措施|下一步(?:工作)?(?:措施|打算|计划))[:：]")


def inline_findings(ls: list[Line]) -> list[Finding]:
    """Problems and measures labelled inside running text, with no heading of their
    own: '…完成预算的100%。发现的主要问题：经费不足。下一步改进措施：加强…'. Each label's
    text runs to the next label or the end of its paragraph."""
    out: list[Finding] = []
    for ln in ls:
        if "：" not in ln.text and ":" not in ln.text:
            continue
        pieces = _INLINE_FINDING.split(ln.text)
        for label, chunk in zip(pieces[1::2], pieces[2::2]):
            kind = "problem" if "问题" in label else "measure"
            out.extend(Finding(kind, item, ln.no) for item in split_items(chunk))
    return out


# ---------------------------------------------------------------- sections

def sections_from_lines(ls: list[Line]) -> list[Section]:
    """The narrative as Markdown sections split at top-level headings (一、二、…);
    sub-headings become bold lines inside the section."""
    out: list[Section] = []
    heading, body, start = None, [], 0
    for ln in ls:
        t = ln.text
        if len(t) <= 40 and _is_top_head(t):
            if heading is not None or body:
                out.append(Section(heading or "", "\n\n".join(body), start))
            heading, body, start = t, [], ln.no
            continue
        if heading is None and not body:
            start = ln.no
        if len(t) <= 30 and "。" not in t and "；" not in t and _is_sub_head(t):
            body.append(f"**{md_escape(t)}**")
        else:
            body.append(md_escape(t))
    if heading is not None or body:
        out.append(Section(heading or "", "\n\n".join(body), start))
    return [s for s in out if s.body.strip() or s.heading]


def md_escape(text: str) -> str:
    """Text from a report is literal: keep Markdown from reading it as markup."""
    s = _MD_SPECIAL.sub(r"\\\1", text) if _MD_SPECIAL.search(text) else text
    first = s.lstrip()[:1]   # what the list patterns below start with, after spaces
    if first in ("-", "+"):
        s = _MD_BULLET.sub(r"\1\\\2\3", s)
    elif first.isdigit():
        s = _MD_ORDERED.sub(r"\1\\\2\3", s)
    return s


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")
_MD_BULLET = re.compile(r"^(\s*)([-+])(\s)")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])(\s)")


_REPORT_TITLE = re.compile(r"(绩效|支出).*(评价|自评)报告$|评价报告综述|报告综述")
_SHEET_TITLE = re.compile(r"评分表|评价表$|自评表$")


def narrative_lines(doc: Document, ls: list[Line]) -> list[Line]:
    """The running-text part of a document: from the title of its written report
    (…绩效…报告 / 评价报告综述) to the end, leaving out scoring sheets."""
    start = None
    for i, ln in enumerate(ls):
        if "报" not in ln.text or "告" not in ln.text:   # every title pattern has 报告
            continue
        t = _nows(ln.text)
        if len(t) <= 50 and _REPORT_TITLE.search(t) and i > 0:
            start = i + 1
    if start is None:
        paras = [Line(b.line, b.text) for b in doc.blocks if isinstance(b, Paragraph)]
        return paras
    out = []
    for ln in ls[start:]:
        if "表" in ln.text:
            t = _nows(ln.text)
            if _SHEET_TITLE.search(t) and len(t) <= 30:
                break
        out.append(ln)
    return out


# ---------------------------------------------------------------- a form printed one cell per line

# Labels of the form's one-value cells, by what they hold (matched on the text without
# spaces and without a trailing colon).
_PAIR_LABELS = (
    ("contact", re.compile(r"(?:部门|单位|项目)?联系人")),
    ("phone", re.compile(r"(?:部门|单位)?联[系络]电话")),
    ("authorized", re.compile(r"(?:人员)?编制(?:人数|数)?|核定编制数?")),
    ("actual", re.compile(r"实有(?:人数|人员)")),
    # '自评总分（分）' states its unit
    ("score", re.compile(r"(?:(?:绩效)?自评(?:综合)?(?:得分|总分)|综合得分)(?:[（(]分[)）])?")),
    ("grade", re.compile(r"(?:评价|自评)等[次级]")),
)
_PAIR_LABEL_CHARS = 9


# a character every label above holds (联系人/联系电话, 编制, 实有, 得分/总分, 等次): most
# cells lack all of them and are passed over without folding their spaces
_PAIR_HINT = re.compile(r"[联编实得总等]")
_PAIR_ROW_CELLS = 6     # a row of label/value pairs; a grid's header or data row is wider


def _pair_label(text: str) -> str | None:
    if len(text) > 2 * _PAIR_LABEL_CHARS or not _PAIR_HINT.search(text):
        return None
    t = _nows(text).rstrip(":：")
    if len(t) > _PAIR_LABEL_CHARS:
        return None
    for key, pattern in _PAIR_LABELS:
        if pattern.fullmatch(t):
            return key
    return None


def form_pairs(doc: Document) -> dict[str, Line]:
    """The values of a form whose cells were printed one per paragraph, as a web page's
    text gives them: a paragraph that is only a label ('联系人', '人员编制', '实有人数',
    '评价等次') and, as its value, the paragraph after it. Keys: contact, phone,
    authorized, actual, score, grade; the first pair of each counts.

    The same pairs are read inside a table row, a label cell and the filled cell after
    it ('自评等级 | 优'), for the forms whose layout does not read that label itself.

    A label next to another label is a header row whose values follow later in another
    order ('人员编制 / 实有人数 / 12 / 10'): neither gives a value.
    """
    out: dict[str, Line] = {}
    _pairs_in([b for b in doc.blocks if isinstance(b, Paragraph) and b.text.strip()], out)
    search = _PAIR_HINT.search
    for t in doc.tables:
        for row in t.rows:
            cells = row.cells
            if len(cells) < 2 or not any(search(c.text) for c in cells):
                continue
            filled = [c for c in cells if c.text.strip()]
            if 1 < len(filled) <= _PAIR_ROW_CELLS:
                _pairs_in(filled, out)
    return out


def _pairs_in(units: list, out: dict[str, Line]) -> None:
    """Pairs among `units` (paragraphs, or one row's filled cells: each has .text and
    .line); a value becomes a Line of its stripped text."""
    keys = [_pair_label(u.text.strip()) for u in units]
    for i, key in enumerate(keys):
        if key is None or key in out or i + 1 >= len(units):
            continue
        if keys[i + 1] is not None or (i > 0 and keys[i - 1] is not None):
            continue
        value = units[i + 1]
        out[key] = Line(value.line, value.text.strip())


_PAIR_NAME = re.compile(r"[\u4e00-\u9fff·]{2,5}")
_OFFICE = re.compile(r"办公|财务|综合|单位|部门|[室股]$")     # 办公室, 财务股: not a person
_PAIR_PHONE = re.compile(r"[\d\-－ ]{7,20}")


@dataclass
class FormValues:
    """What `form_pairs` found, checked and converted."""
    staff_authorized: int | None = None
    staff_actual: int | None = None
    self_score: float | None = None
    self_score_text: str | None = None
    grade: str | None = None
    contact: tuple[str, str | None, int] | None = None     # (name, masked phone, line)


def form_values(doc: Document) -> FormValues:
    """`form_pairs` of the document, each value checked: counts are whole numbers, a
    score lies in 0-100, a grade is one of the grade words, a contact is a name."""
    pairs = form_pairs(doc)
    out = FormValues()
    if not pairs:
        return out
    for key, attr in (("authorized", "staff_authorized"), ("actual", "staff_actual")):
        n = head_count(pairs[key].text) if key in pairs else None
        if n is not None:
            setattr(out, attr, n)
    if "score" in pairs:
        n = to_number(pairs["score"].text)
        if n is not None and 0 <= n <= 100:
            out.self_score, out.self_score_text = n, pairs["score"].text
    if "grade" in pairs:
        g = pairs["grade"].text
        if len(g) <= 6 and lab.grade_level(g):
            out.grade = g
    if "contact" in pairs:
        name = lab.person_name(pairs["contact"].text)
        if name and _PAIR_NAME.fullmatch(name) and not _OFFICE.search(name):
            phone = pairs.get("phone")
            phone_text = phone.text if phone and _PAIR_PHONE.fullmatch(phone.text) else None
            out.contact = (name, lab.mask_phone(phone_text), pairs["contact"].no)
    return out


# ---------------------------------------------------------------- people in prose

_FILLER = re.compile(r"填(?:报|表)人[（(]?(?:签名|签字|签章)?[)）]?\s*[:：]\s*"
                     r"(?P<name>[\u4e00-\u9fff·]{2,5}?)(?=\s|联系|电话|$|[，,；;])")
_PHONE = re.compile(r"(?:联系|联络)?电话\s*[:：]\s*(?P<phone>[\d\-－]{7,20})")


_CONTACT = re.compile(r"联系人\s*[:：]\s*(?P<name>[\u4e00-\u9fff·]{2,5}?)(?=\s|联系|电话|$|[，,；;])")


def filler(ls: list[Line]):
    """(name, masked phone, line) of the person who filled in the form."""
    return _person(ls, "填", _FILLER)


def contact(ls: list[Line]):
    """(name, masked phone, line) of the contact named in running text ('联系人：X 联系电话：…')."""
    return _person(ls, "联系人", _CONTACT)


def _person(ls: list[Line], word: str, pattern: re.Pattern):
    for ln in ls:
        m = pattern.search(ln.text) if word in ln.text else None
        if m:
            p = _PHONE.search(ln.text[m.end():])
            return m.group("name"), lab.mask_phone(p.group("phone")) if p else None, ln.no
    return None
