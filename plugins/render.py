"""Rendering helpers for the site's templates: Markdown and number formatting.

Everything shown on the site comes from published reports and is untrusted. Markdown is
rendered with markdown-it-py's "js-default" preset: raw HTML is escaped (html=False)
and links with unsafe schemes (javascript:, vbscript:, data: except images) are not
turned into links. Jinja autoescaping stays on everywhere; the only Markup we produce is
markdown-it's own escaped output.
"""
from __future__ import annotations

import re

from datasette import hookimpl
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("js-default")

# Text in which no Markdown construct can start: none of these characters, and no line that
# begins with an ordered-list marker or begins or ends with whitespace (indented code,
# hard breaks; markdown-it strips Unicode spaces such as U+3000 around paragraphs).
_MARKUP_CHARS = re.compile(r'[\\`*_#>\[\]!<&"\-+=|~:\t\r\x00]')
# Backslash escapes of ASCII punctuation ("1\\." "\\<"), which the ingest adds to bodies.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LIST_MARKER = re.compile(r"\d{1,9}[.)]")
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _plain_line(line: str) -> str | None:
    """The HTML of one paragraph line made of plain text, backslash escapes and at most a
    bold mark (``**``) at each end of the line; None for anything else."""
    if line[0].isspace() or line[-1].isspace() or _LIST_MARKER.match(line):
        return None
    bold = len(line) > 4 and line.startswith("**") and line.endswith("**")
    inner = line[2:-2] if bold else line
    if bold and (inner[0].isspace() or inner[-1].isspace()):
        return None
    parts = _ESCAPE.split(inner)        # text, escaped character, text, ...
    for k in range(0, len(parts), 2):
        if _MARKUP_CHARS.search(parts[k]):
            return None
    for k in range(1, len(parts), 2):
        parts[k] = _HTML_ESCAPES.get(parts[k], parts[k])
    html = "".join(parts)
    return f"<strong>{html}</strong>" if bold else html


def _plain_paragraphs(text: str) -> str | None:
    """What markdown-it renders for text that is only plain paragraphs, else None.

    Paragraphs are separated by blank lines; the lines of a paragraph are kept, joined by
    newlines. A line may be bold as a whole (``**（一）标题**``) and may hold backslash
    escapes. Most narrative sections are such text; rendering them without the parser is
    ~20x faster. tests/test_site.py checks this equals markdown-it's output."""
    out = []
    para: list[str] = []
    for line in text.split("\n"):
        if not line:
            if para:
                out.append("<p>" + "\n".join(para) + "</p>\n")
                para = []
            continue
        html = _plain_line(line)
        if html is None:
            return None
        para.append(html)
    if para:
        out.append("<p>" + "\n".join(para) + "</p>\n")
    return "".join(out)


def render_markdown(text) -> Markup:
    """Markdown → HTML with raw HTML disabled (it is shown as text)."""
    if text is None:
        return Markup("")
    text = str(text)
    plain = _plain_paragraphs(text)
    return Markup(plain if plain is not None else _md.render(text))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_number(value, digits: int = 2) -> str:
    """1234.5 → '1,234.5'; trailing zeros trimmed; None → '—'."""
    if value is None or value == "":
        return "—"
    if not _is_number(value):
        return str(value)
    text = f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def format_wan(value, digits: int = 2) -> str:
    """An amount in 万元 with its unit."""
    if value is None or value == "":
        return "—"
    return f"{format_number(value, digits)} 万元"


def format_pct(value, digits: int = 2, signed: bool = False) -> str:
    if value is None or value == "":
        return "—"
    if not _is_number(value):
        return str(value)
    text = format_number(value, digits)
    if signed and value > 0:
        text = "+" + text
    return f"{text}%"


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["markdown"] = render_markdown
    env.filters["num"] = format_number
    env.filters["wan"] = format_wan
    env.filters["pct"] = format_pct


@hookimpl
def extra_template_vars(datasette):
    """Site-wide facts from metadata.yml for every template (title, licence, source).
    Read once per Datasette instance: ``datasette.metadata()`` merges the whole metadata
    tree on every call, and the metadata of a served site does not change."""
    site = datasette.__dict__.get("_jixiao_site")
    if site is None:
        meta = datasette.metadata() or {}
        site = datasette.__dict__["_jixiao_site"] = {
            "title": meta.get("title") or "绩效公开",
            "description": meta.get("description"),
            "license": meta.get("license"),
            "license_url": meta.get("license_url"),
            "source": meta.get("source"),
            "source_url": meta.get("source_url"),
        }
    return {"site": site}


@hookimpl
def extra_css_urls(datasette):
    # site.css only styles .jx-* classes, so the stock pages keep Datasette's look
    return [datasette.urls.path("/static/site.css")]
