from __future__ import annotations

import logging
from typing import Any, Sequence

import adbc_driver_postgresql.dbapi as adbc
import duckdb

from sibyl.config import postgres_location, postgres_uri
from sibyl.errors import ConfigError, first_line
from sibyl.warehouse.base import Warehouse

log = logging.getLogger(__name__)

# One advisory lock key for every Sibyl loader on a database (two int4 halves, readable in pg_locks).
LOAD_LOCK = "hashtext('sibyl'), hashtext('raw loads')"

# The in-memory DuckDB that reads the files: one thread leaves the other core to the COPY client
# and the server, and a small budget keeps peak memory flat (bench/README.md has the figures).
SIDE_ENGINE = {"memory_limit": "128MB", "threads": 1, "preserve_insertion_order": False}

# Arrow batches handed to COPY: big enough to keep the C++ driver busy, small enough to stay flat.
BATCH_ROWS = 65_536


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

    def append_query(self, table: str, duckdb_sql: str) -> None:
        schema, _, name = table.rpartition(".")
        reader = self._duckdb().sql(duckdb_sql).to_arrow_reader(BATCH_ROWS)
        with self.con.cursor() as cur:
            cur.adbc_ingest(name, reader, mode="append", db_schema_name=schema or None)

    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        return self._duckdb().execute(duckdb_sql).fetchall()

    def _duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB that reads the files; it spills to disk rather than grow past its limit."""
        if self._engine is None:
            self._engine = duckdb.connect(config=SIDE_ENGINE)
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
        self.con.close()

