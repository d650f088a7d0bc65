from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from typing import Any, Sequence

import adbc_driver_postgresql.dbapi as adbc
import duckdb

from sibyl import duckdb_session
from sibyl.config import postgres_location, postgres_uri
from sibyl.errors import ConfigError, first_line
from sibyl.warehouse.base import Warehouse

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
        with self.con.cursor() as cur:
            cur.execute(sql, list(params) or None)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        with self.con.cursor() as cur:
            cur.execute(sql, list(params) or None)
            return [d[0] for d in cur.description], cur.fetchall()

    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        schema, _, name = table.rpartition(".")
        # While rows stream, one thread reads and encodes them and the other core is the server's,
        # parsing the COPY; a small result computed before it is sent gets every core.
        reader = self._duckdb(threads=1 if streamed else ALL_CORES).sql(duckdb_sql).to_arrow_reader(BATCH_ROWS)
        with self.con.cursor() as cur:
            return cur.adbc_ingest(name, reader, mode="append", db_schema_name=schema or None)

    def create_line_items_table(self, create_sql: str) -> None:
        # Partitioned by billing period, and each period by load: a delivery is written into a table
        # of its own, attached in the publishing transaction, and the one it replaces is dropped,
        # with no delete over the month's rows and nothing left to vacuum.
        _, kind = self.fetch(
            "select c.relkind::text from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'raw' and c.relname = 'cur_line_items'"
        )
        if kind and kind[0][0] == "r":
            self._partition_existing(create_sql)
        else:
            self.execute(f"{create_sql} partition by list (billing_period)")

    def _partition_existing(self, create_sql: str) -> None:
        """A raw.cur_line_items written by Sibyl before partitions: its rows move into partitions, once."""
        log.warning(
            "moving raw.cur_line_items (written before Sibyl partitioned it) into partitions; "
            "dbt's views on it are dropped with the old table: run `sibyl build` afterwards"
        )
        self.execute("alter table raw.cur_line_items rename to cur_line_items_unpartitioned")
        self.execute(f"{create_sql} partition by list (billing_period)")
        # Every published load gets its table, rows or not: a later restatement drops it.
        _, loads = self.fetch(
            "select load_id, billing_period from raw.cur_loads where status = 'published' "
            "union select distinct load_id, billing_period from raw.cur_line_items_unpartitioned"
        )
        for load_id, billing_period in loads:
            self.line_items_table(load_id, billing_period)
            self.swap_in_line_items(load_id, billing_period, [])
        [(columns,)] = self.fetch(
            "select string_agg(quote_ident(column_name), ', ' order by ordinal_position) from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'cur_line_items'"
        )[1]
        self.execute(f"insert into raw.cur_line_items ({columns}) select {columns} from raw.cur_line_items_unpartitioned")
        self.execute("drop table raw.cur_line_items_unpartitioned cascade")

    def line_items_table(self, load_id: str, billing_period: dt.date) -> str:
        table = _load_partition(load_id, billing_period)
        # The checks state the partition bounds it will get, so attaching trusts them instead of
        # scanning its rows.
        self.execute(
            f"create table {table} (like raw.cur_line_items, "
            f"check (billing_period is not null and billing_period = date '{billing_period.isoformat()}'), "
            f"check (load_id is not null and load_id = '{load_id}'))"
        )
        return table

    def swap_in_line_items(self, load_id: str, billing_period: dt.date, replaced_load_ids: list[str]) -> None:
        # The whole table first, in the order readers lock it (the table, then its months): the drops
        # below lock months and a new month locks the table, all held until the load commits, and
        # taking them month by month would deadlock against a query that scans every month.
        self.execute("lock table raw.cur_line_items in access exclusive mode")
        month = _month_partition(billing_period)
        self.execute(
            f"create table if not exists {month} partition of raw.cur_line_items "
            f"for values in ('{billing_period.isoformat()}') partition by list (load_id)"
        )
        self.execute(f"alter table {month} attach partition {_load_partition(load_id, billing_period)} for values in ('{load_id}')")
        for replaced in replaced_load_ids:
            self.execute(f"drop table if exists {_load_partition(replaced, billing_period)}")

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


def _month_partition(billing_period: dt.date) -> str:
    return f"raw.cur_line_items_{billing_period:%Y_%m}"


def _load_partition(load_id: str, billing_period: dt.date) -> str:
    """One load's line items: load ids are hex digests of our own, safe in a name."""
    if not load_id.isalnum():
        raise ValueError(f"unexpected load id {load_id!r}")
    return f"{_month_partition(billing_period)}_{load_id}"
