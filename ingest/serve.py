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
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

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


def datasette(config: ServeConfig):
    """The site's Datasette instance over the immutable database `config.db`."""
    import yaml
    from datasette.app import Datasette

    inspect_data = None
    if config.inspect_file:
        inspect_data = json.loads(Path(config.inspect_file).read_text(encoding="utf-8"))
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    return Datasette(
        [],
        immutables=[config.db],
        inspect_data=inspect_data,
        metadata=metadata,
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "site" / "templates"),
        static_mounts=[("static", str(ROOT / "site" / "static"))],
        settings={**SETTINGS, **config.settings},
        secret=config.secret or None,
    )


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
    workers = workers or os.cpu_count() or 1
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
