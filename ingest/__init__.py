"""jixiao ingest: published performance self-evaluation reports -> SQLite."""
import os

__version__ = "0.1.0"
# Bump when parsing changes, so re-ingesting the same bytes re-parses them.
PARSER_VERSION = "2026.11.25.5"


def workers_or_default(workers: int | None) -> int:
    """The number of worker processes to use: as asked, or one per CPU."""
    return workers or os.cpu_count() or 1
