"""Downloads: every published table as CSV (UTF-8 with BOM, so Excel shows Chinese) and
JSON, the whole SQLite file, a data dictionary, and the original source files.

Routes:
    /downloads                 the list, with row counts, sizes and the data dictionary
    /downloads/<table>.csv     streamed CSV with a UTF-8 byte-order mark
    /downloads/<table>.json    streamed JSON array of objects
    /raw/<file_name>           an original report file, only if documents.file_name names
                               it and its bytes still hash to documents.sha256

Table names come only from the fixed allow-list below (and must exist in the database);
nothing from the request is formatted into SQL. Values are bound as parameters.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import urllib.parse
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import AsgiStream, NotFound, Response

from ingest.serve import published_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW_DIR = ROOT / "data" / "raw"

# The published tables (SCHEMA.md) and views, in reading order. A fixed allow-list:
# the only names ever interpolated into SQL by this module.
TABLES = (
    "reports", "departments", "regions", "finance_items", "indicators", "projects",
    "rubric_items", "goals", "tasks", "findings", "people", "sections", "petition_stats",
    "quality_flags", "documents",
)
VIEWS = ("report_summary",)
ALLOWED = frozenset(TABLES + VIEWS)
CHUNK = 500
BOM = "\ufeff"
# Exact export sizes are computed (once per database file, by writing the export) only for
# tables up to this many rows, so the first visit to /downloads stays quick on a large
# database (at 100,000 reports, writing reports, documents and report_summary took
# ~100 s); bigger ones show "—".
SIZE_ROW_LIMIT = 20_000


database = published_database     # the database these pages read (ingest/serve.py)


def raw_dir(datasette) -> Path:
    """Where original files live: plugin config `raw_dir` or env JIXIAO_RAW_DIR, else data/raw."""
    config = datasette.plugin_config("jixiao") or {}
    value = config.get("raw_dir") or os.environ.get("JIXIAO_RAW_DIR")
    if value:
        path = Path(value)
        return path if path.is_absolute() else (Path.cwd() / path)
    return DEFAULT_RAW_DIR


async def published(db) -> list[str]:
    """Allow-listed names that exist in this database, in reading order."""
    present = set(await db.table_names()) | set(await db.view_names())
    return [t for t in VIEWS + TABLES if t in present]


async def checked_table(db, name: str) -> str:
    if name not in ALLOWED or name not in await published(db):
        raise NotFound("没有这张表 · No such table")
    return name


async def chunks(db, table: str):
    """Yield (columns, rows) in chunks: keyset on rowid for tables, offset for views."""
    assert table in ALLOWED
    if table in VIEWS:
        offset = 0
        while True:
            res = await db.execute(f'SELECT * FROM "{table}" LIMIT ? OFFSET ?', [CHUNK, offset])
            if res.rows:
                yield res.columns, [tuple(r) for r in res.rows]
            if len(res.rows) < CHUNK:
                return
            offset += CHUNK
    else:
        last = None
        while True:
            if last is None:
                res = await db.execute(
                    f'SELECT rowid AS "__rowid__", * FROM "{table}" ORDER BY rowid LIMIT ?',
                    [CHUNK])
            else:
                res = await db.execute(
                    f'SELECT rowid AS "__rowid__", * FROM "{table}" WHERE rowid > ?'
                    " ORDER BY rowid LIMIT ?", [last, CHUNK])
            if res.rows:
                last = res.rows[-1][0]
                yield res.columns[1:], [tuple(r)[1:] for r in res.rows]
            if len(res.rows) < CHUNK:
                return


async def csv_pieces(db, table: str):
    yield BOM
    header_done = False
    async for columns, rows in chunks(db, table):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if not header_done:
            writer.writerow(columns)
            header_done = True
        writer.writerows(rows)
        yield buf.getvalue()
    if not header_done:
        # an empty table still gets its header
        res = await db.execute(f'SELECT * FROM "{table}" LIMIT 0')
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(res.columns)
        yield buf.getvalue()


async def json_pieces(db, table: str):
    yield "["
    first = True
    async for columns, rows in chunks(db, table):
        out = []
        for row in rows:
            out.append(("\n" if first else ",\n")
                       + json.dumps(dict(zip(columns, row)), ensure_ascii=False))
            first = False
        yield "".join(out)
    yield "\n]\n"


def _attachment(filename: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(filename)}"


async def download_csv(datasette, request):
    db = database(datasette)
    table = await checked_table(db, request.url_vars["table"])

    async def stream(writer):
        async for piece in csv_pieces(db, table):
            await writer.write(piece)

    return AsgiStream(stream, content_type="text/csv; charset=utf-8", headers={
        "content-disposition": _attachment(f"{table}.csv"),
        "access-control-allow-origin": "*",
    })


async def download_json(datasette, request):
    db = database(datasette)
    table = await checked_table(db, request.url_vars["table"])

    async def stream(writer):
        async for piece in json_pieces(db, table):
            await writer.write(piece)

    return AsgiStream(stream, content_type="application/json; charset=utf-8", headers={
        "content-disposition": _attachment(f"{table}.json"),
        "access-control-allow-origin": "*",
    })


def _db_key(db):
    if db.path and os.path.exists(db.path):
        st = os.stat(db.path)
        return (db.path, st.st_mtime_ns, st.st_size)
    return (db.name, None, None)


async def export_sizes(datasette, db, tables, counts):
    """Byte sizes of each CSV / JSON export, computed once per database file version."""
    cache = datasette.__dict__.setdefault("_jixiao_export_sizes", {})
    key = _db_key(db)
    if key not in cache:
        sizes = {}
        for table in tables:
            if counts[table] > SIZE_ROW_LIMIT:
                sizes[table] = (None, None)
                continue
            csv_size = 0
            async for piece in csv_pieces(db, table):
                csv_size += len(piece.encode("utf-8"))
            json_size = 0
            async for piece in json_pieces(db, table):
                json_size += len(piece.encode("utf-8"))
            sizes[table] = (csv_size, json_size)
        cache.clear()
        cache[key] = sizes
    return cache[key]


async def row_counts(datasette, db, tables) -> dict:
    """Rows per table: from the inspect file of an immutable database (`datasette serve -i
    … --inspect-file`, counted once at publication), else counted. report_summary has one
    row per report, so it takes the count of reports."""
    known = {}
    if not db.is_mutable and datasette.inspect_data:
        for name, info in ((datasette.inspect_data.get(db.name) or {}).get("tables") or {}).items():
            if isinstance(info, dict) and info.get("count") is not None:
                known[name] = info["count"]
    if "reports" in known:
        known.setdefault("report_summary", known["reports"])
    counts = {}
    for t in tables:
        if t in known:
            counts[t] = known[t]
        else:
            counts[t] = (await db.execute(f'SELECT count(*) FROM "{t}"')).rows[0][0]
    return counts


def human_size(n) -> str:
    if n is None:
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


async def downloads_page(datasette, request):
    db = database(datasette)
    tables = await published(db)
    counts = await row_counts(datasette, db, tables)
    sizes = await export_sizes(datasette, db, tables, counts)
    entries = []
    for table in tables:
        count = counts[table]
        meta = datasette.table_metadata(db.name, table) or {}
        descriptions = meta.get("columns") or {}
        info = await db.execute(
            "SELECT name, type FROM pragma_table_info(?) ORDER BY cid", [table])
        columns = [{"name": r["name"], "type": r["type"] or "",
                    "description": descriptions.get(r["name"])} for r in info.rows]
        csv_size, json_size = sizes.get(table, (None, None))
        entries.append({
            "name": table,
            "title": meta.get("title"),
            "description": meta.get("description"),
            "is_view": table in VIEWS,
            "rows": count,
            "csv_size": human_size(csv_size),
            "json_size": human_size(json_size),
            "columns": columns,
        })
    db_file = None
    if db.path and os.path.exists(db.path):
        db_file = {
            "name": os.path.basename(db.path),
            "size": human_size(os.path.getsize(db.path)),
            "url": (datasette.urls.database(db.name) + ".db"
                    if not db.is_mutable and datasette.setting("allow_download") else None),
        }
    html = await datasette.render_template("downloads.html", {
        "db_name": db.name,
        "entries": entries,
        "db_file": db_file,
    }, request=request)
    return Response.html(html)


_hash_cache: dict = {}


def _sha256(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _hash_cache:
        h = hashlib.sha256()
        with open(path, "rb") as fp:
            for block in iter(lambda: fp.read(1 << 20), b""):
                h.update(block)
        _hash_cache[key] = h.hexdigest()
    return _hash_cache[key]


def _find_original(base: Path, file_name: str, sha256: str) -> Path | None:
    """The file under `base` named file_name whose bytes hash to sha256."""
    base = base.resolve()
    if not base.is_dir():
        return None
    wanted = Path(file_name).name
    candidates = [base / file_name]
    for folder, _dirs, files in os.walk(base):
        if wanted in files and Path(folder, wanted) != base / file_name:
            candidates.append(Path(folder, wanted))
    for cand in candidates:
        try:
            real = cand.resolve()
            real.relative_to(base)          # never leave the raw directory
        except (ValueError, OSError):
            continue
        if real.is_file() and _sha256(real) == sha256:
            return real
    return None


def _charset(encoding: str | None) -> str | None:
    enc = (encoding or "").lower().replace("_", "-")
    if enc.startswith("utf-8") or enc == "utf8" or enc == "ascii":
        return "utf-8"
    if enc in ("gb18030", "gbk", "gb2312", "cp936"):
        return "gb18030"
    if enc.startswith("utf-16"):
        return "utf-16"
    return None


async def original_file(datasette, request):
    db = database(datasette)
    name = request.url_vars["file_name"]
    res = await db.execute(
        "SELECT file_name, sha256, format, encoding FROM documents"
        " WHERE file_name = ? ORDER BY id DESC LIMIT 1", [name])
    if not res.rows:
        raise NotFound("没有这个原始文件 · No such source file")
    row = dict(res.rows[0])
    path = _find_original(raw_dir(datasette), row["file_name"], row["sha256"])
    if path is None:
        raise NotFound("原始文件不在本服务器上 · The original file is not on this server")
    body = path.read_bytes()
    download_name = Path(row["file_name"]).name
    headers = {
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "x-jixiao-sha256": row["sha256"],
    }
    if (row["format"] or "").lower() == "txt":
        charset = _charset(row["encoding"])
        content_type = "text/plain" + (f"; charset={charset}" if charset else "")
        headers["content-disposition"] = (
            f"inline; filename*=UTF-8''{urllib.parse.quote(download_name)}")
    else:
        # html, docx, pdf …: never rendered by the browser from our origin
        content_type = "application/octet-stream"
        headers["content-disposition"] = _attachment(download_name)
    return Response(body, content_type=content_type, headers=headers)


@hookimpl
def register_routes():
    return [
        (r"^/downloads$", downloads_page),
        (r"^/downloads/(?P<table>[a-z_]{1,40})\.csv$", download_csv),
        (r"^/downloads/(?P<table>[a-z_]{1,40})\.json$", download_json),
        (r"^/raw/(?P<file_name>.+)$", original_file),
    ]
