"""Rendering helpers for the site's templates: Markdown and number formatting.

Everything shown on the site comes from published reports and is untrusted. Markdown is
rendered with markdown-it-py's "js-default" preset: raw HTML is escaped (html=False)
and links with unsafe schemes (javascript:, vbscript:, data: except images) are not
turned into links. Jinja autoescaping stays on everywhere; the only Markup we produce is
markdown-it's own escaped output.
"""
from __future__ import annotations

from datasette import hookimpl
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("js-default")


def render_markdown(text) -> Markup:
    """Markdown → HTML with raw HTML disabled (it is shown as text)."""
    if text is None:
        return Markup("")
    return Markup(_md.render(str(text)))


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
