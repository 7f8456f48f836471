"""The rows of Datasette's stock table pages, written by Python instead of Jinja.

Datasette renders a table page's rows with its template ``_table.html``: a cell is three
escaped values (CSS class of its column, value type, value), so a page of 20 reports'
indicators (23 columns) is about 1,400 of them, each through Jinja's per-value
machinery. That was a third of a table page's CPU. ``table_html`` writes the same bytes
from the same context: the template's text between its tags is copied here piece by
piece, and tests/test_site.py compares whole pages with Datasette's own template (sorted
both ways, filtered, a view, a later page, no rows). The CSS class of a column is worked
out once per page instead of once per cell.

site/templates/_table.html calls it: ``{{ jx_table_html() }}``.
"""
from __future__ import annotations

import re
import urllib.parse

from datasette import hookimpl
from datasette.utils import to_css_class
from jinja2 import pass_context
from markupsafe import Markup, escape

_SPECIAL = re.compile(r"[&<>\"']")

# The text of Datasette 0.65's _table.html between its tags.
_HEAD = ('\n<div class="table-wrapper">\n    <table class="rows-and-columns">\n'
         '        <thead>\n            <tr>\n                ')
_TH = "\n                    <th "
_SORTED_LINK = '\n                            \n                                <a href="'
_LINK_END = '" rel="nofollow">'
_TH_END = "\n                        \n                    </th>\n                "
_BODY = "\n            </tr>\n        </thead>\n        <tbody>\n        "
_TR = "\n            <tr>\n                "
_TD = '\n                    <td class="col-'
_TD_END = "</td>\n                "
_TR_END = "\n            </tr>\n        "
_FOOT = "\n        </tbody>\n    </table>\n</div>\n"
_EMPTY = '\n    <p class="zero-results">0 records</p>\n'


def _esc(value) -> str:
    """What ``{{ value }}`` prints under autoescape (markupsafe.escape), quickly for the
    usual cell: a plain string without a character to escape, or Markup."""
    kind = type(value)
    if kind is str:
        return value if _SPECIAL.search(value) is None else str(escape(value))
    if kind is Markup:
        return str(value)
    return str(escape(value))


def _header(column: dict, sort, sort_desc, link) -> str:
    name = column["name"]
    parts = [_TH]
    description = column.get("description")
    if description:
        parts += ['data-column-description="', _esc(description), '" ']
    parts += ['class="col-', _esc(to_css_class(name)), '" scope="col" data-column="', _esc(name),
              '" data-column-type="', _esc(column["type"].lower()),
              '" data-column-not-null="', _esc(column["notnull"]),
              '" data-is-pk="', "1" if column.get("is_pk") else "0",
              '">\n                        ']
    if not column.get("sortable"):
        parts += ["\n                            ", _esc(name), "\n                        ",
                  "\n                    </th>\n                "]
        return "".join(parts)
    parts.append(_SORTED_LINK)
    if name == sort:
        parts += [_esc(link("_sort_desc", name)), _LINK_END,
                  _esc(name), "&nbsp;▼</a>\n                            "]
    else:
        parts += [_esc(link("_sort", name)), _LINK_END,
                  _esc(name), "&nbsp;▲" if name == sort_desc else "",
                  "</a>\n                            "]
    parts.append(_TH_END)
    return "".join(parts)


@pass_context
def table_html(context) -> Markup:
    rows = context.get("display_rows")
    if not rows:
        return Markup(_EMPTY)
    request = context.get("request")
    fix_path = context["fix_path"]
    replaced = context["path_with_replaced_args"]
    sort, sort_desc = context.get("sort"), context.get("sort_desc")

    # Each sortable column links to this page with _sort (or _sort_desc) set to it and
    # _sort, _sort_desc and _next taken out: Datasette's path_with_replaced_args for
    # every column, which parses the query string each time. The rest of the link is
    # the same for every column, so it is made once; urlencode joins pairs with "&".
    rest = str(fix_path(replaced(request, {"_sort": None, "_sort_desc": None, "_next": None})))
    joiner = "&" if "?" in rest else "?"

    def link(key, name):
        return rest + joiner + urllib.parse.urlencode([(key, name)])

    out = [_HEAD]
    out += [_header(c, sort, sort_desc, link) for c in context.get("display_columns") or ()]
    out.append(_BODY)
    classes: dict = {}
    for row in rows:
        out.append(_TR)
        for cell in row:
            column = cell["column"]
            css = classes.get(column)
            if css is None:
                css = classes[column] = _esc(to_css_class(column))
            out += [_TD, css, " type-", _esc(cell["value_type"]), '">', _esc(cell["value"]),
                    _TD_END]
        out.append(_TR_END)
    out.append(_FOOT)
    return Markup("".join(out))


@hookimpl
def prepare_jinja2_environment(env):
    env.globals["jx_table_html"] = table_html
