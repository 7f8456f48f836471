"""The `jixiao` command: a thin layer over the ingest library."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, workers_or_default


@click.group()
@click.version_option(__version__, prog_name="jixiao")
def cli() -> None:
    """绩效公开数据 jixiao: performance self-evaluation reports as open data."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite database to create or update")
@click.option("--strict", is_flag=True, help="exit non-zero when any file failed or was partial")
@click.option("--progress/--no-progress", default=None,
              help="progress bar on stderr (default: only when stderr is a terminal)")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="processes that parse in parallel (default: the number of CPUs)")
def ingest(paths: tuple[Path, ...], db_path: Path, strict: bool, progress: bool | None,
           workers: int | None) -> None:
    """Ingest report files and folders (searched recursively) into DB."""
    from .pipeline import ingest_paths

    from .schema import SchemaMismatch

    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = ingest_paths(list(paths), db_path, strict=strict, progress=progress,
                               workers=workers)
    except SchemaMismatch as e:
        raise click.ClickException(str(e))
    for name, status, error in summary.problems:
        click.echo(f"{status:8} {name}: {error}", err=True)
    click.echo(summary.line(), err=True)
    if strict and (summary.failed or summary.partial):
        sys.exit(1)


@cli.command()
@click.option("--reports", "n", required=True, type=click.IntRange(min=1),
              help="how many documents to write")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="folder to write them to (created)")
@click.option("--seed", default=1, show_default=True, type=int,
              help="the same seed and count give the same bytes")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="processes that write in parallel (default: the number of CPUs)")
def synth(n: int, out: Path, seed: int, workers: int | None) -> None:
    """Write a synthetic corpus of N reports in every layout the ingest knows."""
    import time

    from .synth import write_corpus

    started = time.monotonic()
    manifest = write_corpus(out, n, seed=seed, workers=workers)
    seconds = time.monotonic() - started
    click.echo(f"{n} documents in {out} ({seconds:.1f}s, {n / seconds:.0f}/s); manifest {manifest}",
               err=True)


@cli.command()
@click.option("--db", "db_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="the database")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="folder for the .parquet files (created)")
def export(db_path: Path, out: Path) -> None:
    """Parquet files of every table and the report_summary view (needs pyarrow)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise click.ClickException("pyarrow is not installed: pip install -e '.[export]'")
    from .export import export_parquet

    for name, (path, rows) in export_parquet(db_path, out).items():
        click.echo(f"{rows:>10,} rows  {path} ({path.stat().st_size / 1024:,.0f} KiB)", err=True)


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--inspect-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="table counts from `datasette inspect` (no counting at start-up)")
@click.option("-h", "--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="server processes (default: the number of CPUs)")
@click.option("--setting", "settings", type=(str, str), multiple=True,
              help="a Datasette setting, as in `datasette serve --setting NAME VALUE`")
def serve(db_path: Path, inspect_file: Path | None, host: str, port: int, workers: int | None,
          settings: tuple[tuple[str, str], ...]) -> None:
    """Serve the site over DB (immutable) with one Datasette process per CPU."""
    import os

    from datasette.cli import Setting

    from .serve import ServeConfig, serve as run

    check = Setting().convert       # Datasette's own checks and types ("off" -> False)
    config = ServeConfig(db=str(db_path.resolve()),
                         inspect_file=str(inspect_file.resolve()) if inspect_file else None,
                         settings=dict(check(pair, None, None) for pair in settings))
    run(config, host, port, workers_or_default(workers))


if __name__ == "__main__":  # pragma: no cover
    cli()
