from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any, Sequence

import adbc_driver_postgresql.dbapi as adbc
import duckdb

from sibyl.config import postgres_location, postgres_uri
from sibyl.errors import ConfigError, first_line
from sibyl.warehouse.base import Warehouse

log = logging.getLogger(__name__)

# One advisory lock key for every Sibyl loader on a database (two int4 halves, readable in pg_locks).
LOAD_LOCK = "hashtext('sibyl'), hashtext('raw loads')"

# The in-memory DuckDB that reads the files: a small budget keeps peak memory flat
# (bench/README.md has the figures).
SIDE_ENGINE = {"memory_limit": "128MB", "preserve_insertion_order": False}

# Arrow batches handed to COPY. Small batches keep both cores busy: the server parses one while the
# driver encodes the next (65,536 rows made each side wait for the other: 14.4 s against 7.8 s for
# the 2M benchmark's line items, and 120 MB more memory).
BATCH_ROWS = 8_192


class PostgresWarehouse(Warehouse):
    """PostgreSQL through ADBC: binary COPY straight from Arrow, and one transaction per load."""

    name = "postgres"

    def __init__(self) -> None:
        try:
            self.con = adbc.connect(postgres_uri())
        except Exception as exc:  # the driver raises several classes for one cause: nobody answered
            raise ConfigError(
                f"cannot connect to PostgreSQL at {postgres_location()}: {first_line(exc)} "
                "(is the server running? check PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)"
            ) from exc
        self._engine: duckdb.DuckDBPyConnection | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.con.cursor() as cur:
            cur.execute(sql, list(params) or None)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        with self.con.cursor() as cur:
            cur.execute(sql, list(params) or None)
            return [d[0] for d in cur.description], cur.fetchall()

    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        schema, _, name = table.rpartition(".")
        engine = self._duckdb()
        # While rows stream, one thread reads and encodes them and the other core is the server's,
        # parsing the COPY; a small result computed before it is sent gets every core.
        engine.execute(f"set threads = {1 if streamed else os.cpu_count() or 1}")
        reader = engine.sql(duckdb_sql).to_arrow_reader(BATCH_ROWS)
        with self.con.cursor() as cur:
            return cur.adbc_ingest(name, reader, mode="append", db_schema_name=schema or None)

    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        return self._duckdb().execute(duckdb_sql).fetchall()

    def _duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB that reads the files; it spills to a private temporary folder rather
        than grow past its limit (by default it would spill into the working directory)."""
        if self._engine is None:
            self._spill_dir = tempfile.mkdtemp(prefix="sibyl-spill-")
            self._engine = duckdb.connect(config={**SIDE_ENGINE, "temp_directory": self._spill_dir})
        return self._engine

    def start_loading(self) -> None:
        # Session-level: held across this loader's transactions, released on close or if the process dies.
        if not self.fetch(f"select pg_try_advisory_lock({LOAD_LOCK})")[1][0][0]:
            log.warning("another sibyl load is writing to PostgreSQL at %s; waiting for it to finish", postgres_location())
            self.execute(f"select pg_advisory_lock({LOAD_LOCK})")
        self.commit()

    def begin(self) -> None:
        # ADBC connections are not autocommit: every statement already runs in the open transaction.
        pass

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            shutil.rmtree(self._spill_dir, ignore_errors=True)
        self.con.close()

