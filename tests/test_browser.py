"""The site in a real browser: Debian's headless Chromium (no downloaded browsers).

Starts `jixiao serve` (as `make serve`) on a free 127.0.0.1 port over a copy of the corpus database,
loads the home page, a department page and a report page, checks that the Vega charts
rendered to SVG in the DOM (the vendored builds, no network), and takes screenshots at
desktop and phone widths into a temporary directory, and into screenshots/ when the
SAVE_SCREENSHOTS environment variable is set.

Install the browser with `make browser-deps` (apt: chromium, fonts-noto-cjk).
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from ingest.serve import running

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="needs Debian chromium: make browser-deps"),
]

CHART_SVG = re.compile(r'class="jx-chart-view[^"]*"[^>]*>\s*(?:<[^>]+>\s*)*?<svg', re.S)


@pytest.fixture(scope="module")
def site(served_db, tmp_path_factory):
    """A running `jixiao serve` (two workers), as `make serve` starts it; yields
    (base_url, ids)."""
    db, inspect_file = served_db
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    # the report with the most indicators, and a department with published spending
    report_id = conn.execute(
        "SELECT report_id FROM report_summary ORDER BY indicator_count DESC, report_id"
        " LIMIT 1").fetchone()[0]
    dept_id = conn.execute(
        "SELECT department_id FROM report_summary WHERE expenditure_total IS NOT NULL"
        " AND department_id IS NOT NULL ORDER BY report_id LIMIT 1").fetchone()[0]
    conn.close()
    log = tmp_path_factory.mktemp("browser-site") / "serve.log"
    with running(db, inspect_file, workers=2, log=log) as served:
        yield served.url, {"report": report_id, "department": dept_id}


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    out = tmp_path_factory.mktemp("screenshots")
    yield out
    if os.environ.get("SAVE_SCREENSHOTS"):
        dest = ROOT / "screenshots"
        dest.mkdir(exist_ok=True)
        for png in out.glob("*.png"):
            shutil.copy(png, dest / png.name)


def chromium(url: str, *args: str, width: int = 1280, height: int = 2000) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="jx-chromium-")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--disable-extensions",
             "--hide-scrollbars", f"--user-data-dir={profile}",
             "--virtual-time-budget=5000", f"--window-size={width},{height}",
             *args, url],
            capture_output=True, timeout=90)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dump_dom(url: str) -> str:
    result = chromium(url, "--dump-dom")
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout.decode("utf-8", errors="replace")


def screenshot(url: str, path: Path, width: int, height: int) -> None:
    result = chromium(url, f"--screenshot={path}", width=width, height=height)
    assert path.exists() and path.stat().st_size > 10_000, \
        result.stderr.decode(errors="replace")[-2000:]


def assert_charts_rendered(dom: str, expected: int = 1) -> None:
    assert "jx-chart-failed" not in dom
    ready = dom.count("jx-chart-ready")
    assert ready >= expected, f"{ready} chart(s) rendered, expected {expected}"
    assert CHART_SVG.search(dom), "no <svg> inside a chart container"
    assert 'class="marks"' in dom     # vega's SVG renderer drew marks


def test_home_renders_chart(site, shots):
    base, _ = site
    dom = dump_dom(base + "/")
    assert "部门整体支出绩效自评报告" in dom
    assert_charts_rendered(dom, 1)
    assert "支出合计（万元）" in dom          # Chinese axis title inside the SVG
    screenshot(base + "/", shots / "home-desktop.png", 1280, 1800)
    screenshot(base + "/", shots / "home-phone.png", 390, 2400)


def test_department_page_renders_charts(site, shots):
    base, ids = site
    url = f"{base}/departments/{ids['department']}"
    dom = dump_dom(url)
    assert "历年支出" in dom
    assert_charts_rendered(dom, 2)
    assert "支出（万元）" in dom
    screenshot(url, shots / "department-desktop.png", 1280, 1800)
    screenshot(url, shots / "department-phone.png", 390, 2600)


def test_report_page_renders(site, shots):
    base, ids = site
    url = f"{base}/reports/{ids['report']}"
    dom = dump_dom(url)
    assert "绩效指标" in dom and "数据来源" in dom
    if 'class="jx-chart-spec"' in dom:
        assert_charts_rendered(dom, 1)
    screenshot(url, shots / "report-desktop.png", 1280, 3000)
    screenshot(url, shots / "report-phone.png", 390, 3000)
