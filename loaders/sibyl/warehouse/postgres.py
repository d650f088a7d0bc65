from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import pyarrow as pa

from sibyl import duckdb_session
from sibyl.config import postgres_location, postgres_uri
from sibyl.errors import ConfigError, first_line
from sibyl.warehouse.base import PartitionKey, Warehouse

log = logging.getLogger(__name__)

# One advisory lock key for every Sibyl loader on a database (two int4 halves, readable in pg_locks).
LOAD_LOCK = "hashtext('sibyl'), hashtext('raw loads')"

# The in-memory DuckDB that reads the files: a small budget keeps peak memory flat
# (bench/README.md has the figures).
SIDE_ENGINE = {"memory_limit": "128MB", "preserve_insertion_order": False}
ALL_CORES = os.cpu_count() or 1

# Arrow batches handed to COPY. Small batches keep both cores busy: the server parses one while the
# driver encodes the next; 65,536 rows made each side wait for the other (bench/copy_batches.py).
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
        with self.con.cursor() as cursor:
            cursor.execute(sql, list(params) or None)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        with self.con.cursor() as cursor:
            cursor.execute(sql, list(params) or None)
            return [d[0] for d in cursor.description], cursor.fetchall()

    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        # While rows stream, one thread reads and encodes them and the other core is the server's,
        # parsing the COPY; a small result computed before it is sent gets every core.
        return self.append_arrow(table, self._duckdb(threads=1 if streamed else ALL_CORES).sql(duckdb_sql).to_arrow_reader(BATCH_ROWS))

    def append_arrow(self, table: str, batches: pa.RecordBatchReader) -> int:
        schema, _, name = table.rpartition(".")
        with self.con.cursor() as cursor:
            return cursor.adbc_ingest(name, batches, mode="append", db_schema_name=schema or None)

    def relation_exists(self, schema: str, name: str) -> bool:
        return self.table_kind(schema, name) is not None

    def table_kind(self, schema: str, name: str) -> str | None:
        """pg_class's relkind ('r' a plain table, 'p' a partitioned one, 'v' a view…), or None.

        The catalog, not information_schema: that one hides what the user may not read."""
        _, rows = self.fetch(
            "select c.relkind::text from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2",
            [schema, name],
        )
        return rows[0][0] if rows else None

    def create_partitioned_table(self, create_sql: str, key_columns: Sequence[str]) -> None:
        # The inner levels are declared as their partitions are created, in publish_partition.
        self.execute(f"{create_sql} partition by list ({key_columns[0]})")

    def partition_table(self, parent: str, key: PartitionKey) -> str:
        # A table of its own, attached in the publishing transaction: the one it replaces is dropped,
        # with no delete over the parent's rows and nothing left to vacuum. The checks state the
        # partition bounds it will get, so attaching trusts them instead of scanning its rows.
        table = _partition_name(parent, key)
        checks = "".join(f", check ({k.column} is not null and {k.column} = {_typed_literal(k.value)})" for k in key)
        self.execute(f"create table {table} (like {parent}{checks})")
        return table

    def publish_partition(self, parent: str, key: PartitionKey, replaced: Sequence[PartitionKey]) -> None:
        # Statistics first: a build right after the load would otherwise plan its joins over the new rows
        # as if they were a handful (autovacuum analyzes a table only some time after it is written).
        self.execute(f"analyze {_partition_name(parent, key)}")
        # The whole table first, in the order readers lock it (the table, then its partitions): the
        # drops below lock partitions and a new one locks the table, all held until the transaction
        # commits, and taking them one by one would deadlock against a query that scans every one.
        self.execute(f"lock table {parent} in access exclusive mode")
        level_parent = parent
        for depth, (level, inner) in enumerate(itertools.pairwise(key), start=1):
            level_table = _partition_name(parent, key[:depth])
            self.execute(
                f"create table if not exists {level_table} partition of {level_parent} "
                f"for values in ({_literal(level.value)}) partition by list ({inner.column})"
            )
            level_parent = level_table
        self.execute(
            f"alter table {level_parent} attach partition {_partition_name(parent, key)} for values in ({_literal(key[-1].value)})"
        )
        for old in replaced:
            self.execute(f"drop table if exists {_partition_name(parent, old)}")

    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        return self._duckdb(threads=ALL_CORES).execute(duckdb_sql).fetchall()

    def _duckdb(self, *, threads: int) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB that reads the files; it spills to a private temporary folder rather
        than grow past its limit (by default it would spill into the working directory)."""
        if self._engine is None:
            self._spill_dir = tempfile.mkdtemp(prefix="sibyl-spill-")
            self._engine = duckdb_session.connect(config={**SIDE_ENGINE, "temp_directory": self._spill_dir})
        self._engine.execute(f"set threads = {threads}")
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


def _partition_name(parent: str, key: PartitionKey) -> str:
    """`raw.t` partitioned by month then id: `raw.t_2026_01`, and its partition `raw.t_2026_01_<id>`."""
    return "_".join([parent, *(k.label for k in key)])


def _literal(value: str | dt.date) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else value
    return "'" + text.replace("'", "''") + "'"


def _typed_literal(value: str | dt.date) -> str:
    return f"date {_literal(value)}" if isinstance(value, dt.date) else _literal(value)
