# jixiao: make serve | make test | make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB := data/jixiao.db
HOST := 127.0.0.1
PORT := 8001

.PHONY: install db serve test test-fast browser-deps bench export clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test,export]'
	touch $@

install: $(VENV)/.installed

# The bundled corpus is small: build it fresh each time, then swap it in.
db: install
	rm -f $(DB).tmp
	$(BIN)/jixiao ingest data/raw --db $(DB).tmp
	mv $(DB).tmp $(DB)

serve: db
	$(BIN)/datasette inspect $(DB) --inspect-file data/inspect.json
	$(BIN)/datasette serve -i $(DB) --inspect-file data/inspect.json \
		-m metadata.yml --plugins-dir plugins --template-dir site/templates \
		--static static:site/static --setting sql_time_limit_ms 3000 --setting suggest_facets off \
		-h $(HOST) -p $(PORT)

# Browser tests use Debian's chromium; Chinese needs fonts-noto-cjk.
browser-deps:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk" || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

test: install browser-deps
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not browser"

# All benchmarks; JIXIAO_BENCH_REPORTS=2000 make bench for a quick run (default 100000).
bench: install
	$(BIN)/python -m bench

# Parquet files of every table and the report_summary view, for DuckDB / Spark users.
EXPORT := data/export
export: db
	$(BIN)/pip install -q -c constraints.txt -e '.[export]'
	$(BIN)/jixiao export --db $(DB) --out $(EXPORT)

clean:
	rm -rf $(VENV) $(DB) data/inspect.json $(EXPORT)
