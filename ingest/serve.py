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

import json
import os
import secrets
import socket
import subprocess
import sys
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
                lifespan="on", log_level=log_level)


@dataclass
class Running:
    url: str          # http://127.0.0.1:PORT
    pid: int          # the `jixiao serve` process (uvicorn's supervisor when workers > 1)


@contextmanager
def running(db: Path, inspect_file: Path | None = None, *, port: int | None = None,
            workers: int | None = None, settings: dict | None = None, log=None,
            timeout: float = 60.0) -> Iterator[Running]:
    """`jixiao serve` in a subprocess on 127.0.0.1, for tests and benchmarks: yields its
    URL and pid once the site answers, and stops every process of it afterwards.
    `log`: a binary file for the server's output (default: discarded)."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "ingest.cli", "serve", str(db), "-h", "127.0.0.1",
           "-p", str(port)]
    if inspect_file:
        cmd += ["--inspect-file", str(inspect_file)]
    if workers:
        cmd += ["--workers", str(workers)]
    for name, value in (settings or {}).items():
        cmd += ["--setting", name, str(value)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log or subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/-/versions.json", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jixiao serve did not start (exit {proc.poll()})")
            time.sleep(0.2)
        yield Running(base, proc.pid)
    finally:
        proc.terminate()            # uvicorn's supervisor stops its workers on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
