# Two commands on a fresh machine: `make demo` and `make test`. Everything else is a step of those.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Generate a demo organisation and 3 months of CUR, load them into ./warehouse.duckdb, build, report.
demo: $(STAMP)
	$(BIN)/sibyl demo

## The whole suite: pytest, which also runs `dbt build` (seeds, models, data and unit tests) on
## DuckDB and on PostgreSQL (PG* variables; default 127.0.0.1:5432, user postgres).
test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) target logs demo-data warehouse.duckdb warehouse.duckdb.wal
