"""`jixiao serve` (make serve, the site benchmark): the site over the immutable database,
one Datasette process per worker, all signing with one secret."""
from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ingest.serve import running

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served_db(corpus_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("serve")
    db = work / "jixiao.db"
    shutil.copy(corpus_db, db)
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file",
                    str(work / "inspect.json")], check=True, cwd=ROOT, capture_output=True)
    return db, work / "inspect.json"


def get(url: str, opener=None):
    with (opener or urllib.request.build_opener()).open(url, timeout=20) as r:
        return r.status, r.read().decode("utf-8")


def worker_pids(pid: int) -> list[int]:
    """uvicorn's worker processes under the supervisor `pid` (not multiprocessing's
    resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_serve_with_two_workers(served_db, tmp_path):
    db, inspect_file = served_db
    with open(tmp_path / "serve.log", "wb") as log, \
            running(db, inspect_file, workers=2, settings={"default_page_size": 7},
                    log=log) as site:
        assert len(worker_pids(site.pid)) == 2
        q = urllib.parse.quote("信访")
        for path in ("/", "/reports/1", "/departments/1", f"/search?q={q}", "/about",
                     "/downloads", "/jixiao/indicators?_sort=id", f"/jixiao/sections?_search={q}"):
            status, html = get(site.url + path)
            assert status == 200, path
        settings = json.loads(get(site.url + "/-/settings.json")[1])
        # the site's settings, and those given on the command line
        assert settings["sql_time_limit_ms"] == 3000 and settings["suggest_facets"] is False
        assert settings["default_page_size"] == 7
        rows = json.loads(get(site.url + "/jixiao/indicators.json?_shape=array")[1])
        assert len(rows) == 7
        # the immutable database: the site cannot write to it
        assert [d["is_mutable"] for d in json.loads(get(site.url + "/-/databases.json")[1])] == [False]

        # One signing secret: a form token from one worker is accepted by the other.
        # Each POST opens a new connection, which either worker may accept.
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                             NoRedirect())
        token = re.search(r'name="csrftoken" value="([^"]+)"',
                          get(site.url + "/-/messages", opener)[1]).group(1)
        statuses = []
        for k in range(24):
            body = urllib.parse.urlencode({"message": f"m{k}", "message_type": "INFO",
                                           "csrftoken": token}).encode()
            try:
                with opener.open(urllib.request.Request(site.url + "/-/messages", data=body),
                                 timeout=20) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as e:
                statuses.append(e.code)
        assert set(statuses) == {302}, statuses
    with pytest.raises(OSError):                      # stopped, workers included
        get(site.url + "/")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
