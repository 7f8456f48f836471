"""`jixiao serve` (make serve, the site benchmark): the site over the immutable database,
one Datasette process per worker, all signing with one secret."""
from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import socket
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ingest.serve import FairAcceptLoop, running


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
    with running(db, inspect_file, workers=2, settings={"default_page_size": 7},
                 log=tmp_path / "serve.log") as site:
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


def pending_after_one_wakeup(loop) -> int:
    """Three clients wait to be accepted on a listening socket; the loop handles one
    readiness event of that socket. How many are still waiting?"""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]
    try:
        loop._accept_connection(asyncio.Protocol, listener, backlog=100)
        left = 0
        while True:
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                return left
            conn.close()
            left += 1
    finally:
        for c in clients:
            c.close()
        listener.close()
        loop.run_until_complete(asyncio.sleep(0))      # let the accepted ones settle
        loop.close()


def test_workers_accept_one_connection_at_a_time():
    """The workers share one listening socket. asyncio (and uvloop) accept every waiting
    connection when the socket is ready, so a burst of keep-alive clients lands in one
    worker while the other idles (0/8, 1/7 or 2/6 of eight clients, most runs);
    FairAcceptLoop takes one and lets the other workers, woken too, take theirs."""
    assert pending_after_one_wakeup(asyncio.SelectorEventLoop()) == 0
    assert pending_after_one_wakeup(FairAcceptLoop()) == 2


def nodelay_of_accepted(loop) -> int:
    """TCP_NODELAY on the socket of a connection the loop accepted."""
    made = []

    class Keep(asyncio.Protocol):
        def connection_made(self, transport):
            made.append(transport)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    client = socket.create_connection(listener.getsockname())
    try:
        loop._accept_connection(Keep, listener)
        for _ in range(10):
            loop.run_until_complete(asyncio.sleep(0))
        sock = made[0].get_extra_info("socket")
        value = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        made[0].close()
        loop.run_until_complete(asyncio.sleep(0))
        return value
    finally:
        client.close()
        listener.close()
        loop.close()


def test_workers_send_responses_without_delay():
    """asyncio sets TCP_NODELAY only where a socket says its protocol is TCP, which an
    accepted one does not: each response (head, then body) waited 40 ms for the client's
    delayed ACK. FairAcceptLoop sets it, as uvloop does."""
    assert nodelay_of_accepted(FairAcceptLoop()) != 0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
