"""How the site is served: the immutable database behind one Datasette process per core.

``jixiao serve DB`` (what ``make serve`` and the site benchmark run) builds the same
Datasette instance as ``datasette serve -i DB --inspect-file … -m metadata.yml
--plugins-dir plugins --template-dir site/templates --static static:site/static`` with
the site's settings, in each of N uvicorn worker processes that share one listening
socket. Datasette runs Python on one core per process; the database is read-only, so
the workers share nothing but the file (and the operating system's page cache), as
replicas behind a load balancer would.

The workers are started by uvicorn, which imports ``app`` from this module in each of
them: the options travel in the environment (``JIXIAO_SERVE``, JSON), with one signing
secret for all workers, so a cookie signed by one is valid on the others.
"""
from __future__ import annotations

import asyncio
import copy
import functools
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from datasette.app import Datasette
from datasette.database import Database, Results
from datasette.plugins import pm

from . import workers_or_default

ROOT = Path(__file__).resolve().parent.parent
ENV = "JIXIAO_SERVE"
# The site's settings (as `make serve` always used): a 3 s SQL time limit for the public
# SQL page, and no suggested facets (they count distinct values over million-row tables).
SETTINGS = {"sql_time_limit_ms": 3000, "suggest_facets": False}


@dataclass
class ServeConfig:
    db: str
    inspect_file: str | None = None
    settings: dict = field(default_factory=dict)
    secret: str = ""

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> "ServeConfig":
        return cls(**json.loads(text))


def datasette_options(config: ServeConfig) -> dict:
    """The arguments of the site's Datasette instance over the immutable database
    `config.db` (Datasette's own class takes them too: the tests compare the two)."""
    import yaml

    inspect_data = None
    if config.inspect_file:
        inspect_data = json.loads(Path(config.inspect_file).read_text(encoding="utf-8"))
    return dict(
        files=[],
        immutables=[config.db],
        inspect_data=inspect_data,
        metadata=yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")),
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "site" / "templates"),
        static_mounts=[("static", str(ROOT / "site" / "static"))],
        settings={**SETTINGS, **config.settings},
        secret=config.secret or None,
    )


def datasette(config: ServeConfig) -> "SiteDatasette":
    """The site's Datasette instance over the immutable database `config.db`."""
    return SiteDatasette(**datasette_options(config))


def published_database(ds: Datasette) -> Database:
    """The database the site's pages publish: plugin config `database`, else the one
    named `jixiao`, else the first (the plugins' pages and downloads all read this one)."""
    name = (ds.plugin_config("jixiao") or {}).get("database")
    if name:
        return ds.get_database(name)
    if "jixiao" in ds.databases:
        return ds.get_database("jixiao")
    return ds.get_database()


# What Datasette reads from a database's schema, through one thread-pool round trip each:
# a stock table page asks 22 such questions and runs 4 queries for its rows. An immutable
# file's schema cannot change while it is served, so each answer is kept.
SCHEMA_METHODS = (
    "table_exists", "table_names", "view_names", "hidden_table_names", "table_columns",
    "table_column_details", "primary_keys", "fts_table", "label_column_for_table",
    "foreign_keys_for_table", "get_all_foreign_keys", "get_table_definition",
    "get_view_definition", "attached_databases",
)
# Statements that read only the schema: `select … from sqlite_master where …` (one
# table, no join or subquery) and `PRAGMA schema_version`.
SCHEMA_SQL = re.compile(
    r"\s*(?:select\s(?:(?!\b(?:from|join|select)\b)[^;])*?\bfrom\s+sqlite_master"
    r"(?:\s+(?:where|order|limit)\b(?:(?!\b(?:from|join|select)\b)[^;])*)?"
    r"|pragma\s+schema_version)\s*;?\s*",
    re.IGNORECASE)
SCHEMA_ANSWERS = 4096       # kept per database (least recently used dropped first)


def _immutable_copy(value):
    """A copy of a kept schema answer that the caller may change freely (lists of names
    and of named tuples are copied shallowly: their items cannot change)."""
    if isinstance(value, list) and all(isinstance(v, (str, int, float, tuple)) or v is None
                                       for v in value):
        return list(value)
    if isinstance(value, (str, int, float, bool, tuple)) or value is None:
        return value
    return copy.deepcopy(value)


class ImmutableDatabase(Database):
    """Datasette's Database for a file served immutable (``?immutable=1``): the answers
    to schema questions (``SCHEMA_METHODS`` and ``SCHEMA_SQL``) are kept after the
    first time, so a page no longer waits on the thread pool for each of them. Queries
    of the data run as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._answers: OrderedDict = OrderedDict()

    async def _kept(self, key, compute, fresh=_immutable_copy):
        try:
            value = self._answers[key]
            self._answers.move_to_end(key)
        except KeyError:
            value = await compute()
            self._answers[key] = value
            if len(self._answers) > SCHEMA_ANSWERS:
                self._answers.popitem(last=False)
        return fresh(value)

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None,
                      page_size=None, log_sql_errors=True):
        run = functools.partial(super().execute, sql, params, truncate, custom_time_limit,
                                page_size, log_sql_errors)
        if not isinstance(sql, str) or not SCHEMA_SQL.fullmatch(sql):
            return await run()
        key = ("execute", sql, _frozen(params), truncate, page_size)
        return await self._kept(key, run, _fresh_results)


def _fresh_results(results):
    return Results(list(results.rows), results.truncated, results.description)


def _frozen(params):
    if isinstance(params, dict):
        return tuple(sorted(params.items()))
    return tuple(params) if params is not None else None


def _keep_answer(name):
    async def method(self, *args, **kwargs):
        answer = getattr(super(ImmutableDatabase, self), name)
        return await self._kept((name, args, tuple(sorted(kwargs.items()))),
                                lambda: answer(*args, **kwargs))
    method.__name__ = name
    method.__doc__ = f"Datasette's ``Database.{name}``, kept after the first answer."
    return method


for _name in SCHEMA_METHODS:
    setattr(ImmutableDatabase, _name, _keep_answer(_name))


class SiteDatasette(Datasette):
    """Datasette for the site: every database file is immutable and the metadata is
    fixed when the instance is made (metadata.yml; no plugin supplies metadata). Three
    things Datasette redoes on every request are therefore done once:

    - schema questions about the immutable files (``ImmutableDatabase``);
    - ``refresh_schemas``, which reads every database's schema version before each
      request in case a file changed: once all of them have been read, only a new
      database makes it run again;
    - the table ``allow`` rules of the metadata (``_table_permission_allows``), which
      Datasette merges from a deep copy of the whole metadata twice per table page.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.databases = {name: self._immutable(db) for name, db in self.databases.items()}
        self._schemas_read_for = None
        self._table_allows: dict = {}

    def _immutable(self, db):
        if db.is_mutable or db.is_memory or not db.path or type(db) is not Database:
            return db
        served = ImmutableDatabase(self, db.path, is_mutable=False)
        served.name, served.route = db.name, db.route
        return served

    def _databases_key(self):
        return tuple((name, id(db)) for name, db in self.databases.items())

    async def refresh_schemas(self):
        key = self._databases_key()
        if key == self._schemas_read_for:
            return
        await super().refresh_schemas()
        if all(not db.is_mutable or name == "_internal" for name, db in self.databases.items()):
            self._schemas_read_for = key

    def _table_permission_allows(self, database, table):
        if pm.hook.get_metadata.get_hookimpls():      # metadata a plugin may change
            return super()._table_permission_allows(database, table)
        key = (database, table)
        if key not in self._table_allows:
            self._table_allows[key] = super()._table_permission_allows(database, table)
        return copy.deepcopy(self._table_allows[key])


def app():
    """The ASGI application of one worker (uvicorn calls this in each worker process)."""
    text = os.environ.get(ENV)
    if not text:
        raise RuntimeError(f"{ENV} is not set: start the site with `jixiao serve`")
    return datasette(ServeConfig.from_env(text)).app()


def serve(config: ServeConfig, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Serve the site on host:port with `workers` processes (blocks until stopped)."""
    import uvicorn

    if not config.secret:
        config.secret = os.environ.get("DATASETTE_SECRET") or secrets.token_hex(32)
    os.environ[ENV] = config.to_env()
    uvicorn.run("ingest.serve:app", factory=True, host=host, port=port, workers=workers,
                lifespan="on", log_level=log_level,
                loop="ingest.serve:FairAcceptLoop" if workers > 1 else "auto")


class FairAcceptLoop(asyncio.SelectorEventLoop):
    """An asyncio event loop that accepts one connection each time the listening socket
    is ready, then serves what is ready before it accepts the next.

    The workers share one listening socket. Every event loop, asyncio's and uvloop's,
    accepts all the connections waiting when it wakes: a burst of keep-alive clients
    (a browser's, a proxy's, the benchmark's) can all land in one worker while the
    others idle, and stay there. Accepting one at a time lets the other workers, woken
    by the same connections, take their share.
    """

    def _accept_connection(self, protocol_factory, sock, sslcontext=None, server=None,
                           backlog=100, *args, **kwargs):
        return super()._accept_connection(protocol_factory, sock, sslcontext, server, 1,
                                          *args, **kwargs)

    def _make_socket_transport(self, sock, *args, **kwargs):
        # asyncio sets TCP_NODELAY only on sockets whose `proto` is IPPROTO_TCP, and an
        # accepted socket reports 0: a response written in two pieces (head, body) then
        # waits for the client's delayed ACK, 40 ms per request. (uvloop sets it.)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super()._make_socket_transport(sock, *args, **kwargs)


@dataclass
class Running:
    url: str          # http://127.0.0.1:PORT
    pid: int          # the `jixiao serve` process (uvicorn's supervisor when workers > 1)


@contextmanager
def running(db: Path, inspect_file: Path | None = None, *, port: int | None = None,
            workers: int | None = None, settings: dict | None = None,
            log: Path | None = None, timeout: float = 60.0) -> Iterator[Running]:
    """`jixiao serve` in a subprocess on 127.0.0.1, for tests and benchmarks: yields its
    URL and pid once every worker has started and the site answers, and stops every
    process of it afterwards. `log`: a file for the server's output (default: a
    temporary file, removed afterwards); its text is in the error when it does not start."""
    port = port or free_port()
    workers = workers_or_default(workers)
    cmd = [sys.executable, "-m", "ingest.cli", "serve", str(db), "-h", "127.0.0.1",
           "-p", str(port), "--workers", str(workers)]
    if inspect_file:
        cmd += ["--inspect-file", str(inspect_file)]
    for name, value in (settings or {}).items():
        cmd += ["--setting", name, str(value)]
    with tempfile.TemporaryDirectory(prefix="jixiao-serve-") as tmp:
        log_path = Path(log) if log else Path(tmp) / "serve.log"
        with open(log_path, "wb") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            # uvicorn says so once per worker: connections made before a worker has
            # started would all go to the others
            while log_path.read_bytes().count(b"Application startup complete") < workers \
                    or not _answers(base + "/-/versions.json"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jixiao serve did not start (exit {proc.poll()}):\n"
                                       + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.2)
            yield Running(base, proc.pid)
        finally:
            proc.terminate()        # uvicorn's supervisor stops its workers on SIGTERM
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
