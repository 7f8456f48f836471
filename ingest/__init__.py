"""jixiao ingest: published performance self-evaluation reports -> SQLite."""

__version__ = "0.1.0"
# Bump when parsing changes, so re-ingesting the same bytes re-parses them.
PARSER_VERSION = "2026.11.22"
