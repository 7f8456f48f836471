"""Web pages (.html/.htm) -> Document, with the standard library's html.parser.

Government sites wrap a report in site chrome: navigation, a search box, a header
table of 索引号 / 主题分类 / 发布机构 / 发文日期, share and print links, related
links and a footer. The reader

* decodes by BOM, then the page's declared charset, then the text detector;
* drops scripts, styles, forms, navigation, headers, footers and link lists;
* takes the publisher and publication date from the header table, the page's
  `<meta>` tags (ContentSource, PubDate) or '发布机构：/来源：/发布日期：' lines,
  into `Document.meta['publisher']` and `['published_date']` (ISO), and the
  canonical address into `Document.source_url`;
* keeps the main content: the container holding most of the page's text outside
  links (descending while one child holds nearly all of it);
* turns `<table>` into a Table and `<p>`/`<div>`/`<br>`/headings into Paragraphs.

Cells are one per `<td>`, as a text export of the same table prints them: a cell
with colspan is one cell (`Cell.span` keeps the width, `Table.grid()` the expanded
view) and a cell with rowspan arrives as empty cells below it. Line numbers are the
page source's lines.
"""
from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from ..document import Cell, Document, Paragraph, Row, Table, trim_lines
from ..normalise.labels import parse_date
from .chars import clean_artefacts
from .encoding import NotText, decode

_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed",
         "param", "source", "track", "wbr"}
_DROP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside",
         "form", "iframe", "select", "button", "textarea", "svg", "object", "head", "title"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
          "section", "article", "main", "blockquote", "pre", "center", "address", "figure",
          "figcaption", "table", "tr", "td", "th", "tbody", "thead", "tfoot", "caption", "body",
          "html", "hr", "form", "fieldset"}
_CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(nav|navbar|menu|header|head|top|topbar|footer|foot|bottom|breadcrumbs?|crumbs?|"
    r"position|location|share|bdshare|sidebar|side|related|relevant|xgxx|xglj|copyright|banner|"
    r"search|login|toolbar|tool|print|fontsize|pagination|pager|links?|friend)(?:$|[\s_-])", re.I)
_META_LABELS = ("索引号", "主题分类", "发布机构", "发文机关", "发文日期", "成文日期", "发布日期",
                "文号", "发文字号", "有效性", "主题词", "公开方式", "公开范围", "信息来源", "生成日期",
                "体裁分类", "组配分类", "公开时限", "信息分类")
_CHROME_LINE = re.compile(
    r"^(?:【?\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|返回顶部|字体\s*[:：]?.*|分享到.*|扫一扫.*|"
    r"收藏|上一篇.*|下一篇.*)\s*】?\s*)+$|(?:浏览次数|访问次数|阅读次数|点击数)\s*[:：]|"
    r"^当前位置\s*[:：]|^您(?:现在)?的位置\s*[:：]")
_PUBLISHER = re.compile(r"(?:发布机构|发文机关|信息来源|来源|发布单位)\s*[:：]\s*([^\s|｜:：]{2,40})")
_DATE_LABEL = re.compile(r"(?:发文日期|发布日期|发布时间|成文日期|日期)\s*[:：]\s*"
                         r"((?:19|20)\d{2}\s*(?:[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?))")


_MAX_DEPTH = 120


class HtmlError(ValueError):
    pass


class _Node:
    __slots__ = ("tag", "attrs", "children", "parent", "line")

    def __init__(self, tag, attrs, parent, line):
        self.tag, self.attrs, self.parent, self.line = tag, attrs, parent, line
        self.children: list = []     # _Node or (text, line)

    def get(self, name, default=None):
        return self.attrs.get(name, default)


class _TreeBuilder(HTMLParser):
    """A forgiving tree: unclosed <p>, <td>, <tr>, <li> are closed by their
    siblings, stray end tags are ignored."""

    # tag -> (tags an open one of which it closes, tags that bound the search)
    _IMPLIED = {
        "p": ({"p"}, {"div", "td", "th", "table", "li", "ul", "ol", "body", "section", "article",
                      "blockquote"}),
        "li": ({"li"}, {"ul", "ol", "table", "body"}),
        "dt": ({"dt", "dd"}, {"dl", "table", "body"}),
        "dd": ({"dt", "dd"}, {"dl", "table", "body"}),
        "tr": ({"tr"}, {"table"}),
        "td": ({"td", "th"}, {"tr", "table"}),
        "th": ({"td", "th"}, {"tr", "table"}),
        "tbody": ({"tbody", "thead", "tfoot"}, {"table"}),
        "thead": ({"tbody", "thead", "tfoot"}, {"table"}),
        "tfoot": ({"tbody", "thead", "tfoot"}, {"table"}),
        "option": ({"option"}, {"select"}),
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None, 1)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        implied = self._IMPLIED.get(tag)
        if implied:
            closes, bounds = implied
            for i in range(len(self.stack) - 1, 0, -1):
                t = self.stack[i].tag
                if t in closes:
                    del self.stack[i:]
                    break
                if t in bounds:
                    break
        if tag in _BLOCK and tag != "p" and self.stack[-1].tag == "p":
            self.stack.pop()   # a block inside <p> ends it
        node = _Node(tag, {k.lower(): (v or "") for k, v in attrs}, self.stack[-1], self.getpos()[0])
        self.stack[-1].children.append(node)
        # unclosed inline tags (<font> after <font> in old pages) must not nest without
        # end: past a depth, an inline element's content stays with its parent
        depth = len(self.stack)
        if tag not in _VOID and (depth < _MAX_DEPTH or (tag in _BLOCK and depth < 3 * _MAX_DEPTH)):
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        tag = tag.lower()
        node = _Node(tag, {k.lower(): (v or "") for k, v in attrs}, self.stack[-1], self.getpos()[0])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        tag = tag.lower()
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
            if tag in ("table", "tr", "td", "th") and self.stack[i].tag == "table" and tag != "table":
                return

    def handle_data(self, data):
        if data:
            self.stack[-1].children.append((data, self.getpos()[0]))


# ---------------------------------------------------------------- decoding

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)


def _decode(data: bytes) -> tuple[str, str]:
    for bom, codec, name in ((codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
                             (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
                             (codecs.BOM_UTF16_BE, "utf-16", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec), name
    m = _CHARSET.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii").lower()
        name = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                "utf8": "utf-8"}.get(declared, declared)
        try:
            return data.decode(name), name
        except LookupError:
            pass   # an unknown declaration: detect instead
        except UnicodeDecodeError:
            text = data.decode(name, errors="replace")
            if text.count("\ufffd") <= max(2, len(text) // 1000):
                return text.replace("\ufffd", ""), name   # the declared charset, a stray bad byte
            # a wrong declaration: detect instead
    try:
        return decode(data)
    except NotText as e:
        raise HtmlError(f"网页编码无法识别 / cannot decode the web page: {e}") from e


# ---------------------------------------------------------------- text helpers

_WS = re.compile(r"[ \t\r\n\f\v]+")


def _inline_text(node) -> str:
    out = []
    for ch in node.children:
        if isinstance(ch, tuple):
            out.append(ch[0])
        elif ch.tag == "br":
            out.append("\n")
        elif ch.tag not in _DROP:
            out.append(_inline_text(ch))
    return "".join(out)


def _plain(node) -> str:
    return _WS.sub(" ", _inline_text(node)).replace("\xa0", " ").strip()


def _text_len(node, links: bool = False) -> int:
    """CJK and alphanumeric characters under node (outside links unless asked)."""
    n = 0
    for ch in node.children:
        if isinstance(ch, tuple):
            n += len(re.findall(r"[\u4e00-\u9fff0-9A-Za-z]", ch[0]))
        elif ch.tag in _DROP or (ch.tag == "a" and not links):
            continue
        else:
            n += _text_len(ch, links)
    return n


def _is_chrome(node) -> bool:
    if node.tag in _DROP:
        return True
    ident = " ".join((node.get("class", ""), node.get("id", "")))
    if ident.strip() and _CHROME_CLASS.search(ident) and not re.search(
            r"content|article|main|zoom|text|body|detail|editor|trs", ident, re.I):
        return True
    if node.get("hidden") is not None and node.get("hidden") != "false":
        return True
    if re.search(r"display\s*:\s*none", node.get("style", ""), re.I):
        return True
    return False


def _is_meta_table(node) -> bool:
    text = _plain(node)
    return sum(1 for label in _META_LABELS if label in text) >= 2 and len(text) < 600


def _link_heavy(node) -> bool:
    """A list of links (menus, related articles): most of its text is link text."""
    total = _text_len(node, links=True)
    if total == 0:
        return False
    return node.tag not in ("p", "td", "th") and _text_len(node) <= 0.2 * total and total < 2000


# ---------------------------------------------------------------- metadata

def _metadata(root, text_of_page: str) -> dict:
    meta: dict = {}
    metas = []
    stack = [root]
    while stack:
        n = stack.pop()
        for ch in n.children:
            if isinstance(ch, _Node):
                if ch.tag == "meta":
                    metas.append(ch)
                elif ch.tag == "link" and "canonical" in ch.get("rel", "").lower():
                    meta["source_url"] = ch.get("href")
                elif ch.tag == "title" and "title" not in meta:
                    meta["page_title"] = _plain(ch)
                stack.append(ch)
    for m in metas:
        name = (m.get("name") or m.get("property") or "").lower()
        content = (m.get("content") or "").strip()
        if not content:
            continue
        if name in ("contentsource", "author", "publisher") and "publisher" not in meta:
            meta["publisher"] = content
        elif name in ("pubdate", "publishdate", "firstpublishedtime", "article:published_time",
                      "dc.date") and "published_date" not in meta:
            meta["published_date"] = _iso(content)
        elif name in ("og:url",) and "source_url" not in meta:
            meta["source_url"] = content
        elif name in ("articletitle",) and "title" not in meta:
            meta["title"] = content
    if "publisher" not in meta:
        m = _PUBLISHER.search(text_of_page)
        if m:
            meta["publisher"] = m.group(1)
    if not meta.get("published_date"):
        m = _DATE_LABEL.search(text_of_page)
        if m:
            meta["published_date"] = _iso(m.group(1))
    return {k: v for k, v in meta.items() if v}


def _iso(text: str) -> str | None:
    t = text.strip()
    m = re.match(r"((?:19|20)\d{2})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})", t)
    if m:
        return parse_date(f"{m.group(1)}年{m.group(2)}月{m.group(3)}日")
    return parse_date(t)


def _header_table_meta(node, meta: dict) -> None:
    """'发布机构：' | 'X' cells of a 索引号 header table."""
    cells = []
    for tr in _iter(node, "tr"):
        for td in tr.children:
            if isinstance(td, _Node) and td.tag in ("td", "th"):
                cells.append(_plain(td))
    joined = " ".join(cells)
    for i, c in enumerate(cells):
        label = re.sub(r"[\s:：\xa0]", "", c)
        value = ""
        if re.search(r"[:：]", c) and re.split(r"[:：]", c, 1)[1].strip():
            label, value = re.sub(r"\s", "", re.split(r"[:：]", c, 1)[0]), re.split(r"[:：]", c, 1)[1].strip()
        elif i + 1 < len(cells):
            value = cells[i + 1].strip()
        if label in ("发布机构", "发文机关", "发布单位", "信息来源", "来源") and value and "publisher" not in meta:
            meta["publisher"] = value
        if label in ("发文日期", "发布日期", "成文日期", "生成日期") and value and "published_date" not in meta:
            meta["published_date"] = _iso(value)
    if "published_date" not in meta:
        m = _DATE_LABEL.search(joined)
        if m:
            meta["published_date"] = _iso(m.group(1))


def _iter(node, tag):
    """Descendants of node with the tag, in document order."""
    for ch in node.children:
        if isinstance(ch, _Node):
            if ch.tag == tag:
                yield ch
            yield from _iter(ch, tag)


# ---------------------------------------------------------------- content

def _strip(node, meta: dict) -> None:
    """Remove chrome from the tree in place; read header tables into meta first."""
    keep = []
    for ch in node.children:
        if isinstance(ch, _Node):
            if ch.tag == "table" and _is_meta_table(ch) and not _has_table(ch):
                _header_table_meta(ch, meta)
                continue
            if _is_chrome(ch) or _link_heavy(ch):
                continue
            _strip(ch, meta)
        keep.append(ch)
    node.children = keep


def _has_table(node) -> bool:
    return any(isinstance(ch, _Node) and (ch.tag == "table" or _has_table(ch)) for ch in node.children)


def _is_layout_table(node, wrapper: bool = False) -> bool:
    """A table used to lay out the page rather than to hold data: it holds tables
    itself, or (as the wrapper of the whole content) it is a single cell. A single
    cell inside the content is a boxed text and stays a table, as Word prints it."""
    if _has_table(node):
        return True
    if not wrapper:
        return False
    rows = list(_rows(node))
    return len(rows) == 1 and len(rows[0]) == 1


def _main_content(body):
    """Descend from body while one child holds nearly all the text outside links."""
    node = body
    while True:
        total = _text_len(node)
        if total == 0:
            return node
        kids = [ch for ch in node.children if isinstance(ch, _Node)]
        best = max(kids, key=_text_len, default=None)
        if best is None or _text_len(best) < 0.85 * total:
            return node
        if best.tag in ("table", "tbody", "thead") and not _is_layout_table(best, wrapper=True):
            return node
        if best.tag in ("p", "td", "th", "tr", "li", "pre", "blockquote", "h1", "h2", "h3",
                        "span", "font", "b", "strong", "a"):
            return node
        node = best


def _rows(table):
    """The table's <tr> elements (not those of nested tables), each as its cells."""
    for ch in table.children:
        if isinstance(ch, _Node):
            if ch.tag == "tr":
                yield [c for c in ch.children if isinstance(c, _Node) and c.tag in ("td", "th")]
            elif ch.tag in ("tbody", "thead", "tfoot"):
                yield from _rows(ch)


def _span(node, name) -> int:
    try:
        return max(1, min(int(re.sub(r"\D", "", node.get(name, "1")) or 1), 1000))
    except ValueError:
        return 1


class _Emitter:
    def __init__(self):
        self.blocks: list = []
        self.buf: list[str] = []
        self.buf_line = 0

    def text(self, s, line):
        if not self.buf:
            self.buf_line = line
        self.buf.append(s)

    def flush(self):
        if self.buf:
            text = "".join(self.buf)
            line = self.buf_line
            for k, part in enumerate(text.split("\n")):
                t = _WS.sub(" ", clean_artefacts(part)).replace("\xa0", " ").strip()
                if t and not _CHROME_LINE.search(t):
                    self.blocks.append(Paragraph(t, line))
        self.buf = []

    def walk(self, node):
        for ch in node.children:
            if isinstance(ch, tuple):
                if ch[0].strip() or self.buf:
                    self.text(ch[0], ch[1])
                continue
            if ch.tag == "br":
                self.text("\n", ch.line)
            elif ch.tag == "table":
                self.flush()
                if _is_layout_table(ch):
                    for row in _rows(ch):
                        for cell in row:
                            self.walk(cell)
                            self.flush()
                else:
                    t = _table(ch)
                    if t.rows:
                        self.blocks.append(t)
            elif ch.tag in ("pre", "textarea", "xmp", "plaintext"):
                # preformatted text keeps its lines: read it as a text export is read
                self.flush()
                from .text import parse_text
                for b in parse_text(_inline_text(ch)):
                    _shift_lines(b, ch.line - 1)
                    self.blocks.append(b)
            elif ch.tag in _BLOCK:
                self.flush()
                self.walk(ch)
                self.flush()
            else:
                self.walk(ch)


def _shift_lines(block, offset: int) -> None:
    block.line += offset
    for row in getattr(block, "rows", []):
        row.line += offset
        for c in row.cells:
            c.line += offset


def _cell_text(td) -> str:
    em = _Emitter()
    em.walk(td)
    em.flush()
    lines = []
    for b in em.blocks:
        if isinstance(b, Paragraph):
            lines.append(b.text)
        else:   # a table inside a cell: its rows as lines
            lines.extend(" ".join(r.texts) for r in b.rows)
    return "\n".join(lines)


def _table(node) -> Table:
    """Rows of cells, one per <td>; rowspans continue as empty cells below."""
    table = Table([], line=node.line)
    pending: dict[int, list] = {}   # grid column -> [rows left, span]
    for tds in _rows(node):
        cells: list[Cell] = []
        col = 0
        queue = list(tds)

        def fill_pending():
            nonlocal col
            while col in pending:
                left, span = pending[col]
                cells.append(Cell("", cells[-1].line if cells else (queue[0].line if queue else node.line),
                                  span=span))
                if left <= 1:
                    del pending[col]
                else:
                    pending[col][0] = left - 1
                col += span

        fill_pending()
        for td in tds:
            fill_pending()
            span, down = _span(td, "colspan"), _span(td, "rowspan")
            cells.append(Cell(trim_lines(_cell_text(td)), td.line, span=span))
            if down > 1:
                pending[col] = [down - 1, span]
            col += span
        # trailing continued cells
        while any(c >= col for c in pending):
            nxt = min(c for c in pending if c >= col)
            col = nxt
            fill_pending()
        if cells:
            table.rows.append(Row(cells, line=cells[0].line))
    return table


def read_html(data: bytes, file_name: str = "") -> Document:
    text, encoding = _decode(data)
    builder = _TreeBuilder()
    try:
        builder.feed(text)
        builder.close()
    except Exception as e:   # html.parser is forgiving; this is a last resort
        raise HtmlError(f"网页无法解析 / cannot parse the web page: {e}") from e
    root = builder.root
    meta = _metadata(root, "")
    attachments = [{"text": _plain(a), "href": a.get("href")} for a in _iter(root, "a")
                   if re.search(r"\.(?:docx?|xlsx?|pdf|wps|et|zip|rar)(?:$|[?#])", a.get("href", ""), re.I)]
    if attachments:   # the report itself is often an attached file
        meta["attachments"] = attachments
    body = next(_iter(root, "body"), None) or root
    stripped: dict = {}
    _strip(body, stripped)
    for k, v in stripped.items():
        meta.setdefault(k, v)
    content = _main_content(body)
    em = _Emitter()
    em.walk(content)
    em.flush()
    if "publisher" not in meta or "published_date" not in meta:
        # '发布时间：… 来源：…' lines above the content, left in the page
        page = _plain(body)
        for k, v in _metadata(_Node("#x", {}, None, 0), page).items():
            meta.setdefault(k, v)
    source_url = meta.pop("source_url", None)
    return Document(blocks=em.blocks, file_name=file_name, format="html", encoding=encoding,
                    source_url=source_url, meta=meta)
