# jixiao: make serve | make test | make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB := data/jixiao.db
HOST := 127.0.0.1
PORT := 8001

.PHONY: install db serve test test-fast browser-deps bench-deps bench export clean

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

# One Datasette process per CPU over the immutable database (ingest/serve.py): the same
# instance as `datasette serve -i $(DB) -m metadata.yml --plugins-dir plugins
# --template-dir site/templates --static static:site/static` with the site's settings.
serve: db
	$(BIN)/datasette inspect $(DB) --inspect-file data/inspect.json
	$(BIN)/jixiao serve $(DB) --inspect-file data/inspect.json -h $(HOST) -p $(PORT)

# Browser tests use Debian's chromium; Chinese needs fonts-noto-cjk.
browser-deps:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk" || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

test: install browser-deps
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not browser"

# All benchmarks; JIXIAO_BENCH_REPORTS=2000 make bench for a quick run (default 100000).
# The site benchmark drives the server with Debian's wrk (C, so the load generator
# leaves the CPUs to the server).
bench-deps:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench: install bench-deps
	$(BIN)/python -m bench

# Parquet files of every table and the report_summary view, for DuckDB / Spark users.
EXPORT := data/export
export: db
	$(BIN)/pip install -q -c constraints.txt -e '.[export]'
	$(BIN)/jixiao export --db $(DB) --out $(EXPORT)

clean:
	rm -rf $(VENV) $(DB) data/inspect.json $(EXPORT)
