"""The `jixiao` command: a thin layer over the ingest library."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__


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
def ingest(paths: tuple[Path, ...], db_path: Path, strict: bool, progress: bool | None) -> None:
    """Ingest report files and folders (searched recursively) into DB."""
    from .pipeline import ingest_paths

    from .schema import SchemaMismatch

    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = ingest_paths(list(paths), db_path, strict=strict, progress=progress)
    except SchemaMismatch as e:
        raise click.ClickException(str(e))
    for name, status, error in summary.problems:
        click.echo(f"{status:8} {name}: {error}", err=True)
    click.echo(summary.line(), err=True)
    if strict and (summary.failed or summary.partial):
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    cli()
