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
# begins with a digit (ordered lists) or begins or ends with whitespace (indented code,
# hard breaks; markdown-it strips Unicode spaces such as U+3000 around paragraphs).
_MARKUP_CHARS = re.compile(r'[\\`*_#>\[\]!<&"\-+=|~:\t\r\x00]')


def _plain_paragraphs(text: str) -> str | None:
    """What markdown-it renders for text that is only plain paragraphs, else None.

    Paragraphs are separated by blank lines; the lines of a paragraph are kept, joined by
    newlines. Most narrative sections are such text; rendering them without the parser
    is ~20x faster. tests/test_site.py checks this equals markdown-it's output."""
    if _MARKUP_CHARS.search(text):
        return None
    out = []
    para: list[str] = []
    for line in text.split("\n"):
        if not line:
            if para:
                out.append("<p>" + "\n".join(para) + "</p>\n")
                para = []
            continue
        if line[0].isspace() or line[-1].isspace() or line[0].isdigit():
            return None
        para.append(line)
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
    """Site-wide facts from metadata.yml for every template (title, licence, source)."""
    meta = datasette.metadata() or {}
    return {"site": {
        "title": meta.get("title") or "绩效公开",
        "description": meta.get("description"),
        "license": meta.get("license"),
        "license_url": meta.get("license_url"),
        "source": meta.get("source"),
        "source_url": meta.get("source_url"),
    }}


@hookimpl
def extra_css_urls(datasette):
    # site.css only styles .jx-* classes, so the stock pages keep Datasette's look
    return [datasette.urls.path("/static/site.css")]
