"""Charts: Vega-Lite specs with Chinese labels (万元), rendered in the browser by the
vendored vega / vega-lite / vega-embed builds in site/static/vendor (no CDN), plus links
into stock Datasette table views with a datasette-vega chart preset in the URL fragment.

Templates call the Jinja globals registered here with rows that pages.py fetched; each
returns an autoescaped <figure> holding the spec as JSON (HTML-safe: <, >, & and ' are
\\u-escaped) and a plain data table for readers without JavaScript.
"""
from __future__ import annotations

import itertools
import urllib.parse

from datasette import hookimpl
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
TOP_DEPARTMENTS = 10   # the home chart names this many departments; the rest are grouped
OTHERS = "其他部门"

_counter = itertools.count(1)

BASE_CONFIG = {
    "font": FONT,
    "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 12, "titleFontSize": 12},
    "legend": {"labelFont": FONT, "titleFont": FONT, "orient": "bottom", "columns": 2,
               "labelFontSize": 12, "titleFontSize": 12,
               "labelLimit": 260},
    "title": {"font": FONT},
    "view": {"stroke": None},
}


def _spec(data, mark, encoding, title=None, height=260, **extra):
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": data},
        "mark": mark,
        "encoding": encoding,
        "config": BASE_CONFIG,
    }
    if title:
        spec["title"] = title
    spec.update(extra)
    return spec


def _year_axis(data):
    """Fiscal years on x. With few years, outer padding keeps bars from filling the width."""
    years = len({r.get("fiscal_year") for r in data}) or 1
    axis = {"field": "fiscal_year", "type": "ordinal", "title": "年度 (fiscal year)",
            "axis": {"labelAngle": 0}}
    if years < 4:
        axis["scale"] = {"paddingInner": 0.2, "paddingOuter": (4 - years) / 2}
    return axis


def _fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _figure(spec, caption, columns, rows, chart_class="") -> Markup:
    """The chart container, its spec as JSON and a fallback data table."""
    chart_id = f"jx-chart-{next(_counter)}"
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_fmt(row.get(key)))}</td>" for key, _ in columns) + "</tr>"
        for row in rows)
    html = (
        f'<figure class="jx-chart {escape(chart_class)}">'
        f'<div class="jx-chart-view" id="{chart_id}" role="img" aria-label="{escape(caption)}"></div>'
        f'<script type="application/json" class="jx-chart-spec" data-target="{chart_id}">'
        f"{htmlsafe_json_dumps(spec)}</script>"
        f"<figcaption>{escape(caption)}</figcaption>"
        f'<details class="jx-chart-data"><summary>查看数据 (data)</summary>'
        f'<div class="jx-scroll"><table class="jx-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></details>"
        "</figure>")
    return Markup(html)


def spending_by_department_chart(rows) -> Markup:
    """Home: total expenditure (万元) by fiscal year, one colour per department.

    rows: dicts with department, fiscal_year, amount. The departments with the largest
    total spending are named; the rest are summed as 其他部门 so the legend stays legible.
    """
    rows = [r for r in rows if r.get("amount") is not None and r.get("fiscal_year") is not None]
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["department"] or "—"] = totals.get(r["department"] or "—", 0) + r["amount"]
    named = set(sorted(totals, key=lambda d: -totals[d])[:TOP_DEPARTMENTS])
    grouped: dict[tuple, float] = {}
    for r in rows:
        dept = r["department"] or "—"
        key = (r["fiscal_year"], dept if dept in named else OTHERS)
        grouped[key] = grouped.get(key, 0) + r["amount"]
    data = [{"fiscal_year": y, "department": d, "amount": round(a, 2)}
            for (y, d), a in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1]))]
    spec = _spec(data, {"type": "bar", "tooltip": True}, {
        "x": _year_axis(data),
        "y": {"field": "amount", "type": "quantitative", "aggregate": "sum",
              "title": "支出合计（万元）", "axis": {"format": ",~f"}},
        "color": {"field": "department", "type": "nominal", "title": "部门 (department)"},
        "tooltip": [
            {"field": "fiscal_year", "type": "ordinal", "title": "年度"},
            {"field": "department", "type": "nominal", "title": "部门"},
            {"field": "amount", "type": "quantitative", "title": "支出（万元）", "format": ",.2f"},
        ],
    })
    return _figure(spec, "各部门各年度支出合计（万元） · Total expenditure by department and year (10,000 yuan)",
                   [("fiscal_year", "年度"), ("department", "部门"), ("amount", "支出（万元）")],
                   data)


def spending_by_year_chart(rows) -> Markup:
    """Home, large corpus: total expenditure (万元) per fiscal year, all departments together.

    rows: dicts with fiscal_year, amount (sum of the stated totals), reports,
    expenditure_reports, median, max — one per year, from the precomputed stats_by_year.
    """
    data = [{"fiscal_year": r["fiscal_year"], "amount": round(r["amount"], 2),
             "reports": r.get("reports"), "expenditure_reports": r.get("expenditure_reports"),
             "median": r.get("median"), "max": r.get("max")}
            for r in rows if r.get("amount") is not None and r.get("fiscal_year") is not None]
    spec = _spec(data, {"type": "bar", "tooltip": True, "color": "#4c78a8"}, {
        "x": _year_axis(data),
        "y": {"field": "amount", "type": "quantitative", "title": "支出合计（万元）",
              "axis": {"format": ",~f"}},
        "tooltip": [
            {"field": "fiscal_year", "type": "ordinal", "title": "年度"},
            {"field": "amount", "type": "quantitative", "title": "支出合计（万元）", "format": ",.2f"},
            {"field": "expenditure_reports", "type": "quantitative", "title": "计入的报告数"},
            {"field": "median", "type": "quantitative", "title": "每份报告中位数（万元）",
             "format": ",.2f"},
            {"field": "max", "type": "quantitative", "title": "最大一份（万元）", "format": ",.2f"},
        ],
    })
    return _figure(spec, "各年度支出合计（万元，全部部门） · Total expenditure by year, all departments "
                         "(10,000 yuan)",
                   [("fiscal_year", "年度"), ("amount", "支出合计（万元）"),
                    ("expenditure_reports", "计入的报告数"), ("median", "中位数（万元）"),
                    ("max", "最大（万元）")],
                   data)


def department_spending_chart(rows) -> Markup:
    """Department: stacked spending per year. rows: fiscal_year, category, amount, order."""
    data = [r for r in rows if r.get("amount") is not None]
    order = [c for _, c in sorted({(r["order"], r["category"]) for r in data})]
    spec = _spec(data, {"type": "bar", "tooltip": True}, {
        "x": _year_axis(data),
        "y": {"field": "amount", "type": "quantitative", "stack": "zero",
              "title": "支出（万元）", "axis": {"format": ",~f"}},
        "color": {"field": "category", "type": "nominal", "title": "支出类别",
                  "sort": order},
        "order": {"field": "order", "type": "quantitative"},
        "tooltip": [
            {"field": "fiscal_year", "type": "ordinal", "title": "年度"},
            {"field": "category", "type": "nominal", "title": "类别"},
            {"field": "amount", "type": "quantitative", "title": "金额（万元）", "format": ",.2f"},
        ],
    })
    return _figure(spec, "支出结构（万元）：基本支出（人员、公用）与项目支出 · Spending by year (10,000 yuan)",
                   [("fiscal_year", "年度"), ("category", "类别"), ("amount", "金额（万元）")],
                   data, "jx-chart-spending")


def self_score_chart(rows) -> Markup:
    """Department: self-score history. rows: fiscal_year, self_score."""
    data = [r for r in rows if r.get("self_score") is not None]
    lo = min([r["self_score"] for r in data] + [80])
    spec = _spec(data, {"type": "line", "point": {"size": 80}, "tooltip": True}, {
        "x": _year_axis(data),
        "y": {"field": "self_score", "type": "quantitative", "title": "自评得分（分）",
              "scale": {"domain": [max(0, int(lo // 10) * 10), 100]}},
        "tooltip": [
            {"field": "fiscal_year", "type": "ordinal", "title": "年度"},
            {"field": "self_score", "type": "quantitative", "title": "自评得分"},
            {"field": "grade", "type": "nominal", "title": "等次"},
        ],
    }, height=200)
    return _figure(spec, "自评得分历史（满分 100） · Self-assessed score by year",
                   [("fiscal_year", "年度"), ("self_score", "自评得分"), ("grade", "等次")],
                   data, "jx-chart-score")


def three_public_chart(rows) -> Markup:
    """Department: 三公经费 per year. rows: fiscal_year, category, amount, order."""
    data = [r for r in rows if r.get("amount") is not None]
    order = [c for _, c in sorted({(r["order"], r["category"]) for r in data})]
    spec = _spec(data, {"type": "bar", "tooltip": True}, {
        "x": _year_axis(data),
        "y": {"field": "amount", "type": "quantitative", "stack": "zero",
              "title": "三公经费（万元）", "axis": {"format": ",~f"}},
        "color": {"field": "category", "type": "nominal", "title": "构成", "sort": order},
        "order": {"field": "order", "type": "quantitative"},
        "tooltip": [
            {"field": "fiscal_year", "type": "ordinal", "title": "年度"},
            {"field": "category", "type": "nominal", "title": "构成"},
            {"field": "amount", "type": "quantitative", "title": "金额（万元）", "format": ",.2f"},
        ],
    }, height=200)
    return _figure(spec, "三公经费（万元）：公务接待、公务用车运行维护、公务用车购置、因公出国（境） · "
                         "“Three public expenses” by year (10,000 yuan)",
                   [("fiscal_year", "年度"), ("category", "构成"), ("amount", "金额（万元）")],
                   data, "jx-chart-three-public")


def indicator_scores_chart(rows) -> Markup:
    """Report: each indicator's score against its weight (分值). rows: indicator dicts."""
    data = []
    for n, r in enumerate(rows, 1):
        if r.get("weight") is None or r.get("score") is None:
            continue
        name = (r.get("name") or "").strip() or "—"
        label = f"{n}. {name if len(name) <= 16 else name[:15] + '…'}"
        if r["score"] > r["weight"]:
            status = "得分超过分值"
        elif r["score"] < r["weight"]:
            status = "扣分"
        else:
            status = "满分"
        data.append({"label": label, "name": name, "weight": r["weight"],
                     "score": r["score"], "status": status, "n": n})
    y = {"field": "label", "type": "nominal", "title": None,
         "sort": {"field": "n", "order": "ascending"}, "axis": {"labelLimit": 220}}
    tooltip = [
        {"field": "name", "type": "nominal", "title": "指标"},
        {"field": "weight", "type": "quantitative", "title": "分值"},
        {"field": "score", "type": "quantitative", "title": "得分"},
        {"field": "status", "type": "nominal", "title": "判断"},
    ]
    spec = _spec(data, None, None, height={"step": 22})
    del spec["mark"], spec["encoding"]
    spec["layer"] = [
        {"mark": {"type": "bar", "color": "#dde3ea"},
         "encoding": {"y": y, "x": {"field": "weight", "type": "quantitative",
                                     "title": "分值（灰）与得分（分）"},
                      "tooltip": tooltip}},
        {"mark": {"type": "bar", "height": {"band": 0.5}},
         "encoding": {"y": y, "x": {"field": "score", "type": "quantitative"},
                      "color": {"field": "status", "type": "nominal", "title": "得分",
                                "scale": {"domain": ["满分", "扣分", "得分超过分值"],
                                          "range": ["#4c78a8", "#f58518", "#c5221f"]}},
                      "tooltip": tooltip}},
    ]
    return _figure(spec, "各项指标的得分与分值 · Score against weight for each indicator",
                   [("name", "指标"), ("weight", "分值"), ("score", "得分"), ("status", "判断")],
                   data, "jx-chart-indicators")


def vega_link(path, params=None, mark="bar", x=None, y=None, color=None,
              x_type="ordinal", y_type="quantitative") -> str:
    """A stock table URL with a datasette-vega preset (#g.mark=…&g.x_column=…)."""
    url = str(path)
    if params:
        url += "?" + urllib.parse.urlencode(params)
    frag = {"g.mark": mark, "g.x_column": x, "g.x_type": x_type, "g.y_column": y,
            "g.y_type": y_type}
    if color:
        frag["g.color_column"] = color
    return url + "#" + urllib.parse.urlencode({k: v for k, v in frag.items() if v})


@hookimpl
def prepare_jinja2_environment(env):
    env.globals.update({
        "spending_by_department_chart": spending_by_department_chart,
        "spending_by_year_chart": spending_by_year_chart,
        "department_spending_chart": department_spending_chart,
        "self_score_chart": self_score_chart,
        "three_public_chart": three_public_chart,
        "indicator_scores_chart": indicator_scores_chart,
        "vega_link": vega_link,
    })
