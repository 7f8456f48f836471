"""Chinese full-text search that finds exactly what ``LIKE '%term%'`` finds, at index speed.

SQLite's own FTS5 tokenizers do not fit Chinese: ``unicode61`` keeps a whole run of Han
characters as one token, ``trigram`` cannot find anything shorter than three characters,
and word segmentation misses terms that cross its word boundaries (访局, 经费支). So we
tokenise in Python at ingest time and store the result in ordinary FTS5 tables that use
the stock ``ascii`` tokenizer over our pre-tokenised, space-separated text (it splits on
the spaces and keeps every non-ASCII character inside a token, which is all our tokens
need; it splits the same as ``unicode61`` would on this text, and indexes about a
quarter faster because it never decodes a character). Any SQLite
(the sqlite3 CLI, any Datasette) opens and queries the database; nothing custom is needed
to read it, only to turn a person's query into an FTS5 expression (``fts_query``).

Tokens (``tokenize``)
---------------------
The text is first folded character by character: a letter or digit becomes its NFKC form
in lower case (full-width Ｇ２ -> g2, ① -> 1); punctuation and symbols stay as printed.
Folding each character on its own (instead of the whole string) means folding never
merges neighbours, so whenever a text contains a term, the folded text contains the folded
term; that is what makes the index a superset of ``LIKE``.

- a run of CJK characters becomes its overlapping bigrams plus the run's last character:
  信访局 -> 信访 访局 局. Every character of the text is therefore the first character
  of some token, so any single character is found by the prefix query ``"局"*``.
- a run of other letters and digits is one ordinary token (2023, gdp).
- every other visible character (punctuation and symbols: ``%``, ``≥``, ``，``) is a token
  of its own, written as U+E001 followed by its code point in hex (``symbol_token``),
  because a tokenizer would otherwise drop it. Symbols keep their place in phrases, so
  ``≥90%`` is the phrase ``≥ 90 %`` and not any row with a 90 in it.
- whitespace separates tokens.
- in addition, every letter/digit token of two or more characters contributes its proper
  suffixes, each marked with U+E000 (a private-use character the text tokens never
  contain) and appended after the column's tokens: 2023 -> ``023\\ue000 23\\ue000
  3\\ue000``. They let a term that starts in the middle of a number (``023年``, ``5万元``
  matching ``150万元``) be found; they never take part in phrases.

Queries (``parse_terms``, ``fts_query``, ``matches``)
----------------------------------------------------
A query is split on whitespace into terms; text in double quotes is one term; all terms
must match (AND). Each term becomes one FTS5 phrase of the same tokens, with the rules
that keep it a necessary condition of "the text contains the term":

- a CJK run inside the term gives its bigrams; its last character is added only when
  something follows the run inside the term (only then must the text's run end there);
- a single CJK character at the end of the term, and a letter/digit token at the end of
  the term, are prefix tokens (``"年"*``, ``"信访 访局 局 202"*``);
- a letter/digit token at the start of the term may be the tail of a longer token in the
  text, so the phrase is ORed with "its suffix token AND the rest of the phrase";
- a term of punctuation only (``%``, ``≥``) adds nothing to the FTS query but is still
  checked; a query of punctuation only matches nothing.

FTS narrows the rows; the literal check (``matches``, or the SQL of ``literal_clauses``)
then tests the terms themselves against the candidate rows (folded on both sides), so
whitespace between tokens, or a suffix match, can never widen the result.
A term that is one unbroken run of Han characters or of ASCII letters/digits needs no
check: its FTS query is already exact. Search results are therefore exactly the rows whose
indexed columns contain every term after folding: the rows ``LIKE`` returns, plus only
those where a letter or digit differs in width (２０２３) or form (①). An empty or
punctuation-only query matches nothing (``NO_MATCH``) and is never an error.

Tables (``index_new``, ``rebuild``)
-----------------------------------
- one contentless FTS5 table per searchable table, ``<table>_fts``, whose rowid is the
  source row's ``id`` and whose columns have the source columns' names (so Datasette's
  ``?_search_<column>=`` works): reports_fts(title), departments_fts(name),
  regions_fts(name, province, prefecture), sections_fts(heading, body),
  goals_fts(expected, actual), tasks_fts(name, content), findings_fts(text),
  projects_fts(name), indicators_fts(name, target_text, actual_text). Each text is
  indexed once: the site-wide /search reads the same tables (``SITE_KINDS``,
  ``site_hits_sql``);
- ``search_state``: the last report, department and region id the index holds.

The index grows with the data: ``index_new(conn)`` appends what was loaded since the
state (the ingest calls it for every batch of documents it loads, with the tokens its
parsing workers computed, so indexing overlaps parsing and adding a year of reports never
re-reads the rest). A run that replaced or removed a document calls ``rebuild(conn)``,
which drops and recreates everything deterministically. Both give the same index.
Neither commits: the caller owns the transaction.

The FTS tables are contentless (``content=''``): they hold only the index, the text lives
in the source tables. Do not run FTS5's ``'rebuild'`` command on them; run ``rebuild`` here.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

# ---------------------------------------------------------------------------------------
# Folding and tokenising

SUFFIX_MARK = "\ue000"
NO_MATCH = '""'          # an empty FTS5 phrase: valid syntax, matches no row
# prefix='1': an index of every token's first character, so a term that ends in one Han
# character ("2020年" -> "年"*, "局" -> "局"*) reads one doclist instead of merging those
# of every token that starts with it (at 100,000 reports: ~1 ms instead of 100-500 ms).
FTS_OPTIONS = "content='', tokenize='ascii', prefix='1'"


class _FoldTable(dict):
    """str.translate table: a character whose NFKC form is letters/digits becomes that
    form in lower case (Ｇ->g, ２->2, ①->1, ㎡->m2); any other character is kept as is."""

    def __missing__(self, code: int):
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch).lower()
        value = code if folded == ch or not folded.isalnum() else folded
        self[code] = value
        return value


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """NFKC + lower case for letters and digits, character by character.

    Punctuation and symbols are kept as printed (％ stays distinct from %, （ from (), so
    a symbol in a query matches only itself. Folding one character at a time never
    merges neighbours, so a text that contains a term also contains it after folding.
    """
    return text.translate(_FOLD)


# Han (with 〇 and 々), kana and hangul syllables: scripts written without spaces.
_CJK = ("\u3005\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf"
        "\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3\U00020000-\U0003134f")
# A CJK run, a run of other letters/digits (word characters minus "_" and CJK), or any
# other visible character (punctuation, symbols), which is a token of its own.
_TOKEN_RE = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)|(\\S)")
CJK, WORD, SYMBOL = "cjk", "word", "symbol"
SYMBOL_MARK = "\ue001"


def symbol_token(ch: str) -> str:
    """The index token of a punctuation or symbol character: U+E001 + its code in hex.

    A tokenizer drops punctuation itself; private-use characters and hex digits are
    token characters to both ``ascii`` and ``unicode61``, so the token survives and keeps its position.
    """
    return f"{SYMBOL_MARK}{ord(ch):x}"


def _runs(folded: str) -> Iterator[tuple[str, str, int, int]]:
    """(kind, run, start, end) for each token run of already folded text."""
    for m in _TOKEN_RE.finditer(folded):
        kind = CJK if m.group(1) else WORD if m.group(2) else SYMBOL
        yield (kind, m.group(0), m.start(), m.end())


_SYMBOLS: dict[str, str] = {}


# The same three alternatives as _TOKEN_RE without groups: findall then returns plain
# strings, and a run's kind is read from its first character (``_run_kind``).
_FLAT_RE = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+|\\S")
_RUN_KIND: dict[str, int] = {}          # first character -> 1 CJK, 2 letters/digits, 3 symbol


def _run_kind(ch: str) -> int:
    kind = _RUN_KIND.get(ch)
    if kind is None:
        m = _TOKEN_RE.match(ch)
        kind = _RUN_KIND[ch] = 1 if m.group(1) else 2 if m.group(2) else 3
    return kind


def _index_parts(text: str | None) -> tuple[str, set[str]]:
    """(the tokens of a text joined by spaces, its set of marked suffix tokens)."""
    if not text:
        return "", set()
    parts: list[str] = []
    words: set[str] = set()
    append, kinds, add = parts.append, _RUN_KIND, str.__add__
    for run in _FLAT_RE.findall(fold(text)):
        kind = kinds.get(run[0]) or _run_kind(run[0])
        if kind == 1:                        # CJK: bigrams, then the last character
            if len(run) > 1:
                append(" ".join(map(add, run, run[1:])))
            append(run[-1])
        elif kind == 2:                      # letters/digits
            append(run)
            if len(run) > 1:
                words.add(run)
        else:                                # one symbol
            tok = _SYMBOLS.get(run)
            if tok is None:
                tok = _SYMBOLS[run] = symbol_token(run)
            append(tok)
    sfx = {w[i:] + SUFFIX_MARK for w in words for i in range(1, len(w))}
    return " ".join(parts), sfx


def _join(token_strings: Iterable[str], sfx: set[str]) -> str:
    out = " ".join(t for t in token_strings if t)
    if sfx:
        out += " " + " ".join(sorted(sfx))
    return out


def tokenize(text: str | None) -> list[str]:
    """The index tokens of a text, in order (without the suffix tokens)."""
    joined, _ = _index_parts(text)
    return joined.split(" ") if joined else []


def index_text(text: str | None) -> str:
    """What goes into one FTS column: the tokens, then the sorted marked suffix tokens."""
    joined, sfx = _index_parts(text)
    return _join([joined], sfx)


# ---------------------------------------------------------------------------------------
# Query rewriting

def parse_terms(query: str | None) -> list[str]:
    """Whitespace-separated terms; "quoted text" is one term (an open quote runs to the end).

    A quote inside a word (ab"cd ef") ends the word and starts a quoted term. Quoted terms
    are trimmed; empty terms are dropped. Full-width quotes (＂) count as quotes.
    """
    if not query:
        return []
    q = query.replace("\uff02", '"')
    terms: list[str] = []
    word: list[str] = []

    def flush():
        if word:
            terms.append("".join(word))
            word.clear()

    i = 0
    while i < len(q):
        ch = q[i]
        if ch == '"':
            flush()
            end = q.find('"', i + 1)
            end = len(q) if end < 0 else end
            inner = q[i + 1:end].strip()
            if inner:
                terms.append(inner)
            i = end + 1
        elif ch.isspace():
            flush()
            i += 1
        else:
            word.append(ch)
            i += 1
    flush()
    return terms


@dataclass(frozen=True)
class TermPlan:
    """How one term is searched: an FTS5 expression (or None) and the literal to check.

    `exact`: the FTS expression alone selects exactly the rows containing the folded term
    (one unbroken run of Han characters or of ASCII letters/digits), no literal check needed.
    """
    term: str
    folded: str
    fts: str | None
    exact: bool = False


_EXACT_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+")


def _phrase(tokens: list[str], prefix: bool) -> str:
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


@lru_cache(maxsize=1024)
def plan_term(term: str) -> TermPlan:
    folded = fold(term)
    runs = list(_runs(folded))
    if not any(kind is not SYMBOL for kind, _, _, _ in runs):
        return TermPlan(term, folded, None)     # nothing but punctuation: literal check only
    tokens: list[str] = []
    for kind, run, start, end in runs:
        if kind is CJK:
            followed = end < len(folded)          # anything after the run inside the term
            if len(run) == 1:
                tokens.append(run)
            else:
                tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
                if followed:
                    tokens.append(run[-1])
        elif kind is WORD:
            tokens.append(run)
        else:
            tokens.append(symbol_token(run))
    last_kind, last_run, _, last_end = runs[-1]
    at_end = last_end == len(folded)
    prefix = at_end and (last_kind is WORD or (last_kind is CJK and len(last_run) == 1))
    first_kind, _, first_start, _ = runs[0]
    left_open = first_start == 0 and first_kind is WORD
    expr = _phrase(tokens, prefix)
    if left_open and len(tokens) > 1:
        # the first token may be the tail of a longer token in the text
        tail = '"' + tokens[0] + SUFFIX_MARK + '" AND ' + _phrase(tokens[1:], prefix)
        expr = f"({expr} OR ({tail}))"
    elif left_open and not prefix:      # (not reachable from parse_terms: defensive)
        expr = f'({expr} OR "{tokens[0]}{SUFFIX_MARK}")'
    # (one token open on both sides is a prefix query, which also finds the marked tails)
    return TermPlan(term, folded, expr, exact=_EXACT_RE.fullmatch(folded) is not None)


def fts_query(query: str | None) -> str:
    """The FTS5 MATCH expression for a query typed by a person; ``NO_MATCH`` when empty.

    Always valid FTS5 syntax, whatever the input.
    """
    plans = [plan_term(t) for t in parse_terms(query)]
    exprs = [p.fts for p in plans if p.fts]
    if not exprs:
        return NO_MATCH
    return " AND ".join(exprs)


def _contains(haystack_raw: str, term: TermPlan) -> bool:
    if term.term in haystack_raw:
        return True
    return term.folded in fold(haystack_raw)


def matches(query: str | None, *texts: str | None) -> bool:
    """True when every term of the query occurs in at least one of the texts.

    Containment is literal after folding both sides (NFKC + lower case, per character);
    this is the post-filter applied to the rows FTS returns. A query with no usable
    token (empty, punctuation only) matches nothing, like ``fts_query``.
    """
    plans = [plan_term(t) for t in parse_terms(query)]
    if not any(p.fts for p in plans):
        return False
    present = [t for t in texts if t]
    return all(any(_contains(t, p) for t in present) for p in plans)


def term_matches(term: str, *texts: str | None) -> bool:
    """One term (already parsed) against the texts, as in ``matches``."""
    plan = plan_term(term)
    return any(_contains(t, plan) for t in texts if t)


# ---------------------------------------------------------------------------------------
# Index tables

@dataclass(frozen=True)
class FtsTable:
    table: str
    columns: tuple[str, ...]

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"


TABLES: tuple[FtsTable, ...] = (
    FtsTable("reports", ("title",)),
    FtsTable("departments", ("name",)),
    FtsTable("regions", ("name", "province", "prefecture")),
    FtsTable("sections", ("heading", "body")),
    FtsTable("goals", ("expected", "actual")),
    FtsTable("tasks", ("name", "content")),
    FtsTable("findings", ("text",)),
    FtsTable("projects", ("name",)),
    FtsTable("indicators", ("name", "target_text", "actual_text")),
)
BY_TABLE = {t.table: t for t in TABLES}
# Every table with a search index, by table name.
SEARCHABLE = BY_TABLE

STATE_TABLE = "search_state"
# Stored in search_state (name 'version'); an index built another way is rebuilt.
INDEX_VERSION = 4
STATE_DDL = f"CREATE TABLE {STATE_TABLE} (name TEXT PRIMARY KEY, last_id INTEGER NOT NULL)"
# Reports indexed per step of `index_new`: bounds the rows held in memory at once.
CHUNK_REPORTS = 500
# Short texts (indicator names, targets, headings) repeat across reports: cache them.
_CACHE_CHARS = 64
_BATCH = 2000


@dataclass(frozen=True)
class SiteKind:
    """One kind of hit on the site-wide search page, read from one table's FTS index.

    `hits`: FROM/JOIN clause that gives ``report_id`` and ``ref_id`` for each row of the
    FTS table (a department or region hit counts once per report of that department or
    region); `checked`: the columns the literal check reads; `show`: SQL giving, for
    ``ref_id``s, the id, a title and the texts shown as the snippet.
    """
    kind: str
    table: str
    hits: str
    checked: tuple[str, ...]
    show: str
    joiner: str = "\n"

    @property
    def fts(self) -> str:
        return BY_TABLE[self.table].fts


SITE_KINDS: tuple[SiteKind, ...] = (
    SiteKind("report", "reports",
             "SELECT r.id AS report_id, r.id AS ref_id FROM reports_fts "
             "JOIN reports r ON r.id = reports_fts.rowid",
             ("r.title",), "SELECT id, title, title FROM reports WHERE id IN ({ids})"),
    SiteKind("department", "departments",
             "SELECT r.id AS report_id, d.id AS ref_id FROM departments_fts "
             "JOIN departments d ON d.id = departments_fts.rowid "
             "JOIN reports r ON r.department_id = d.id",
             ("d.name",), "SELECT id, name, name FROM departments WHERE id IN ({ids})"),
    SiteKind("region", "regions",
             "SELECT r.id AS report_id, g.id AS ref_id FROM regions_fts "
             "JOIN regions g ON g.id = regions_fts.rowid "
             "JOIN departments d ON d.region_id = g.id "
             "JOIN reports r ON r.department_id = d.id",
             ("g.name", "g.province", "g.prefecture"),
             "SELECT id, name, province, prefecture, name FROM regions WHERE id IN ({ids})",
             joiner=" "),
    SiteKind("section", "sections",
             "SELECT x.report_id, x.id AS ref_id FROM sections_fts "
             "JOIN sections x ON x.id = sections_fts.rowid",
             ("x.heading", "x.body"),
             "SELECT id, heading, heading, body FROM sections WHERE id IN ({ids})"),
    SiteKind("goal", "goals",
             "SELECT x.report_id, x.id AS ref_id FROM goals_fts "
             "JOIN goals x ON x.id = goals_fts.rowid",
             ("x.expected", "x.actual"),
             "SELECT id, trim('年度目标 ' || coalesce(ordinal, '')), expected, actual "
             "FROM goals WHERE id IN ({ids})"),
    SiteKind("task", "tasks",
             "SELECT x.report_id, x.id AS ref_id FROM tasks_fts "
             "JOIN tasks x ON x.id = tasks_fts.rowid",
             ("x.name", "x.content"),
             "SELECT id, name, name, content FROM tasks WHERE id IN ({ids})"),
    SiteKind("finding", "findings",
             "SELECT x.report_id, x.id AS ref_id FROM findings_fts "
             "JOIN findings x ON x.id = findings_fts.rowid",
             ("x.text",), "SELECT id, kind, text FROM findings WHERE id IN ({ids})"),
    SiteKind("project", "projects",
             "SELECT x.report_id, x.id AS ref_id FROM projects_fts "
             "JOIN projects x ON x.id = projects_fts.rowid",
             ("x.name",), "SELECT id, name, name FROM projects WHERE id IN ({ids})"),
    SiteKind("indicator", "indicators",
             "SELECT x.report_id, x.id AS ref_id FROM indicators_fts "
             "JOIN indicators x ON x.id = indicators_fts.rowid",
             ("x.name", "x.target_text", "x.actual_text"),
             "SELECT id, coalesce(level2, level2_raw), name, target_text, actual_text "
             "FROM indicators WHERE id IN ({ids})"),
)
# Kinds of site search hits, in display order within a report.
KINDS = tuple(k.kind for k in SITE_KINDS)


def site_hits_sql(kind: SiteKind, query: str, cap: int) -> tuple[str, dict]:
    """SQL and params for at most `cap` hits of one kind, newest rows first: (report_id,
    ref_id). FTS5 hands rows over in rowid order and stops at the LIMIT, so a word found
    in millions of rows costs no more than one found in `cap`."""
    terms = parse_terms(query)
    params: dict = {"fts": fts_query(query)}
    where = [f"[{kind.fts}] MATCH :fts"]
    where += literal_clauses(terms, list(kind.checked), params, quoted=True)
    sql = (f"{kind.hits} WHERE " + " AND ".join(where)
           + f" ORDER BY [{kind.fts}].rowid DESC LIMIT {int(cap)}")
    return sql, params


def site_show_sql(kind: SiteKind, ids: list[int]) -> tuple[str, dict]:
    """SQL and params for the title and texts of hits of one kind, by ref_id."""
    params = {f"i{n}": i for n, i in enumerate(ids)}
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    return kind.show.format(ids=marks), params


def site_text(kind: SiteKind, values) -> str:
    """The text shown for a hit: its non-empty values, deduplicated in order (a region
    is "province prefecture county")."""
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return kind.joiner.join(out)


def _raw_conn(conn) -> sqlite3.Connection:
    return getattr(conn, "conn", conn)     # sqlite_utils.Database or sqlite3.Connection


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() is not None


def _create_fts(conn: sqlite3.Connection, name: str, columns: Iterable[str]) -> None:
    conn.execute(f"DROP TABLE IF EXISTS [{name}]")
    cols = ", ".join(f"[{c}]" for c in columns)
    conn.execute(f"CREATE VIRTUAL TABLE [{name}] USING fts5({cols}, {FTS_OPTIONS})")


def _index_names() -> list[str]:
    return [STATE_TABLE] + [s.fts for s in SEARCHABLE.values()]


def needs_rebuild(conn) -> bool:
    """True when a search table is missing (a database made before search existed, or by
    another version), or when rows were loaded that the index has not taken in yet (a
    run stopped between loading and indexing): the ingest then brings it up to date even
    if no file changed."""
    conn = _raw_conn(conn)
    if not _current(conn):
        return True
    return pending(conn)


def pending(conn) -> bool:
    """True when reports, departments or regions exist beyond what the index holds."""
    conn = _raw_conn(conn)
    state = dict(conn.execute(f"SELECT name, last_id FROM {STATE_TABLE}"))
    for table in ("reports", "departments", "regions"):
        if _table_exists(conn, table):
            top = conn.execute(f"SELECT max(id) FROM [{table}]").fetchone()[0] or 0
            if top > state.get(table, 0):
                return True
    return False


@lru_cache(maxsize=1 << 16)
def _cached_short(text: str) -> str:
    return index_text(text)


def column_text(text: str | None) -> str:
    """What goes into an FTS column for this text (``index_text``), short texts cached:
    indicator names, targets and headings repeat across reports."""
    if not text:
        return ""
    return _cached_short(text) if len(text) <= _CACHE_CHARS else index_text(text)


def text_tokens(texts: Iterable[str | None]) -> dict[str, str]:
    """``column_text`` of each distinct text. Pure: the ingest's parsing workers run it on
    what they parsed, so the writer only inserts."""
    out: dict[str, str] = {}
    for t in texts:
        if t and t not in out:
            out[t] = column_text(t)
    return out


def report_texts(reports) -> Iterator[str | None]:
    """Every text of parsed reports (ingest.model.Report) that goes into an FTS column:
    the values the loader stores in the columns of ``TABLES``."""
    for rep in reports:
        yield rep.title
        for s in rep.sections:
            yield s.heading
            yield s.body
        for g in rep.goals:
            yield g.expected
            yield g.actual
        for t in rep.tasks:
            yield t.name
            yield t.content
        for f in rep.findings:
            yield f.text
        indicators = list(rep.indicators)
        for p in rep.projects:
            yield p.name
            indicators += p.indicators
        for ind in indicators:
            yield ind.name
            yield ind.target_text
            yield ind.actual_text


class _Tokens:
    """Column texts by text: those handed over by the parsing workers, the rest computed
    here (through `map`, which may run on a process pool)."""

    def __init__(self, known: dict | None, map=map):
        self.known = known if known is not None else {}
        self.map = map

    def prepare(self, texts: Iterable[str | None]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t and t not in self.known
                                     and len(t) > _CACHE_CHARS))
        batches = [missing[i:i + _BATCH] for i in range(0, len(missing), _BATCH)]
        if len(batches) > 1:
            for part in self.map(text_tokens, batches):
                self.known.update(part)
        elif batches:
            self.known.update(text_tokens(batches[0]))

    def get(self, text: str | None) -> str:
        if not text:
            return ""
        got = self.known.get(text)
        return got if got is not None else column_text(text)


def create(conn) -> None:
    """(Re)create every search table, empty. Never commits."""
    conn = _raw_conn(conn)
    for t in TABLES:
        if _table_exists(conn, t.table):
            _create_fts(conn, t.fts, t.columns)
    for old in ("search_index_fts", "search_index"):     # the site index of version 1
        conn.execute(f"DROP TABLE IF EXISTS [{old}]")
    conn.execute(f"DROP TABLE IF EXISTS [{STATE_TABLE}]")
    conn.execute(STATE_DDL)
    conn.execute(f"INSERT INTO {STATE_TABLE} (name, last_id) VALUES ('version', ?)",
                 [INDEX_VERSION])


def ensure(conn) -> bool:
    """Create the search tables when any is missing; True when it (re)created them."""
    conn = _raw_conn(conn)
    if _current(conn):
        return False
    create(conn)
    return True


def invalidate(conn) -> None:
    """Mark the index stale (in the caller's transaction): the next ``needs_rebuild`` is
    true and ``index_new`` starts over. For a load that removes rows the index holds."""
    conn = _raw_conn(conn)
    if _table_exists(conn, STATE_TABLE):
        conn.execute(f"UPDATE {STATE_TABLE} SET last_id = -1 WHERE name = 'version'")


def _current(conn: sqlite3.Connection) -> bool:
    """Every search table is there, built by this version of the index."""
    if not all(_table_exists(conn, n) for n in _index_names()):
        return False
    row = conn.execute(f"SELECT last_id FROM {STATE_TABLE} WHERE name = 'version'").fetchone()
    return row is not None and row[0] == INDEX_VERSION


def _insert_sql(spec: FtsTable) -> str:
    cols = ", ".join(f"[{c}]" for c in spec.columns)
    marks = ", ".join("?" * (len(spec.columns) + 1))
    return f"INSERT INTO [{spec.fts}] (rowid, {cols}) VALUES ({marks})"


def _select_sql(spec: FtsTable, by: str) -> str:
    cols = ", ".join(f"[{c}]" for c in spec.columns)
    return (f"SELECT id, {cols} FROM [{spec.table}] WHERE [{by}] > :lo AND [{by}] <= :hi "
            "ORDER BY id")


def index_new(conn, tokens: dict | None = None, map=map) -> dict[str, int]:
    """Add to the index what was loaded since it was last brought up to date: reports
    (their titles and every row that belongs to them), departments and regions whose
    id is above the one recorded in ``search_state``. Never commits. Returns the number
    of rows added per FTS table.

    Loading only ever appends with higher ids; a run that replaced or removed reports
    must call ``rebuild`` instead (a contentless FTS5 table cannot forget a row by id).

    `tokens`: index parts already computed for texts (``text_tokens``); `map` computes
    the others and may run on a process pool.
    """
    conn = _raw_conn(conn)
    ensure(conn)
    lookup = _Tokens(tokens, map)
    state = dict(conn.execute(f"SELECT name, last_id FROM {STATE_TABLE}"))
    present = [t for t in TABLES if _table_exists(conn, t.table)]
    counts = {t.fts: 0 for t in present}

    def add(spec: FtsTable, rows: list[tuple]) -> None:
        if not rows:
            return
        lookup.prepare(v for r in rows for v in r[1:])
        get = lookup.get
        conn.executemany(_insert_sql(spec), [(r[0], *[get(v) for v in r[1:]]) for r in rows])
        counts[spec.fts] += len(rows)

    def done(name: str, last_id: int) -> None:
        conn.execute(f"INSERT OR REPLACE INTO {STATE_TABLE} (name, last_id) VALUES (?, ?)",
                     [name, last_id])

    for spec in present:
        if spec.table in ("departments", "regions"):
            top = conn.execute(f"SELECT max(id) FROM [{spec.table}]").fetchone()[0] or 0
            lo = state.get(spec.table, 0)
            if top > lo:
                add(spec, conn.execute(_select_sql(spec, "id"), {"lo": lo, "hi": top}).fetchall())
                done(spec.table, top)

    top = conn.execute("SELECT max(id) FROM reports").fetchone()[0] or 0
    lo = state.get("reports", 0)
    while lo < top:
        hi = min(top, lo + CHUNK_REPORTS)
        for spec in present:
            if spec.table in ("departments", "regions"):
                continue
            by = "id" if spec.table == "reports" else "report_id"
            add(spec, conn.execute(_select_sql(spec, by), {"lo": lo, "hi": hi}).fetchall())
        lo = hi
        done("reports", hi)
    return counts


def rebuild(conn, map=map, tokens: dict | None = None) -> dict[str, int]:
    """Drop and recreate every search table from the current content. Never commits.

    Deterministic: the same content gives the same index (as indexing the same reports
    with ``index_new`` while they were loaded). Returns the number of rows indexed per
    FTS table.

    `map` tokenises the texts in batches: the builtin by default; the ingest passes an
    ordered, bounded map over a process pool so tokenising runs on every core while
    this connection writes.
    """
    conn = _raw_conn(conn)
    create(conn)
    counts = index_new(conn, tokens=tokens, map=map)
    optimize(conn)
    return counts


def optimize(conn) -> None:
    """Merge each FTS index into one segment (FTS5 'optimize'). Worth it after building a
    whole index in one go; an index grown by appends is kept in shape by FTS5's automerge."""
    conn = _raw_conn(conn)
    for name in [t.fts for t in TABLES if _table_exists(conn, t.fts)]:
        conn.execute(f"INSERT INTO [{name}]([{name}]) VALUES ('optimize')")


# ---------------------------------------------------------------------------------------
# SQL helpers shared by the Datasette plugin and the benchmark

def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions: jixiao_fts(q) -> MATCH expression; jixiao_match(q, col, ...) -> 0/1;
    jixiao_term(term, col, ...) -> 0/1 for one already parsed term."""
    conn.create_function("jixiao_fts", 1, fts_query, deterministic=True)
    conn.create_function("jixiao_match", -1, lambda q, *cols: int(matches(q, *cols)),
                         deterministic=True)
    conn.create_function("jixiao_term", -1, lambda t, *cols: int(term_matches(t, *cols)),
                         deterministic=True)


def search_sql(table: str, fts: str, columns: Iterable[str], query: str,
               select: str = "id") -> tuple[str, dict]:
    """SQL and params that select the rows of `table` matching `query` (FTS, then literal).

    Needs ``register_functions`` on the connection. Each term is checked with a cheap
    ``instr`` on the raw columns first and the folding Python check only when that fails.
    """
    columns = list(columns)
    terms = parse_terms(query)
    params: dict = {"q": fts_query(query)}
    where = [f"id IN (SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH :q)"]
    where.extend(literal_clauses(terms, columns, params))
    return f"SELECT {select} FROM [{table}] WHERE " + " AND ".join(where), params


def literal_clauses(terms: list[str], columns: list[str], params: dict,
                    prefix: str = "t", quoted: bool = False) -> list[str]:
    """One WHERE clause per term that needs it: the term occurs in one of the columns.

    ``instr`` on the raw text first (cheap, and true for every row LIKE finds); the
    folding Python check ``jixiao_term`` only when that fails. Needs
    ``register_functions`` on the connection.
    """
    clauses = []
    if not quoted:
        columns = [f"[{c}]" for c in columns]
    cols = ", ".join(columns)
    for i, term in enumerate(terms):
        if plan_term(term).exact:
            continue
        key = f"{prefix}{i}"
        params[key] = term
        fast = " OR ".join(f"instr({c}, :{key}) > 0" for c in columns)
        clauses.append(f"({fast} OR jixiao_term(:{key}, {cols}))")
    return clauses
