# Two commands on a fresh machine: `make demo` and `make test`. Everything else is a step of those.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-spark lint install browser java clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Generate a demo organisation and 3 months of CUR, load them into ./warehouse.duckdb, build, report.
demo: $(STAMP)
	$(BIN)/sibyl demo

## The whole suite: pytest, which also runs `dbt build` (seeds, models, data tests; unit tests once) on
## DuckDB, on PostgreSQL (PG* variables; default 127.0.0.1:5432, user postgres) and on Spark (local mode).
## Whole files to each process, in collection order (the slowest first, conftest.py), not xdist's default of the
## files with the most tests first, which left the Spark build test (three tests, seven minutes) to the end.
test: lint browser java
	$(BIN)/python -m pytest --numprocesses 2 --dist loadfile --no-loadscope-reorder

## The Spark target's tests alone (part of `make test`): loading, and the marts equal to DuckDB's and PostgreSQL's.
test-spark: $(STAMP) java
	$(BIN)/python -m pytest -m spark tests/python/test_spark_load.py tests/python/test_spark_build.py

## Linters (part of `make test`): ruff on the Python, sqlfluff on the dbt SQL. sqlfluff's dbt templater
## compiles the project with the committed profile against a scratch DuckDB, so it needs no server.
lint: $(STAMP)
	$(BIN)/ruff check loaders tests bench
	$(BIN)/ruff format --check loaders tests bench
	@scratch=$$(mktemp -d) && cp profiles.yml.example $$scratch/profiles.yml && \
	  SIBYL_DUCKDB_PATH=$$scratch/lint.duckdb DBT_PROFILES_DIR=$$scratch DBT_TARGET_PATH=$$scratch/target \
	  $(BIN)/sqlfluff lint models macros tests/singular tests/generic; status=$$?; rm -rf $$scratch; exit $$status

## The cockpit's browser test drives Debian's headless Chromium: installed here when missing (as root).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }

## The Spark tests run Spark in local mode, which needs Java 17: installed here when missing (as root).
java:
	@command -v java >/dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

clean:
	rm -rf $(VENV) target logs demo-data warehouse.duckdb warehouse.duckdb.wal
