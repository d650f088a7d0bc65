"""Spark (local mode or a cluster) through pyspark, on the catalog dbt-spark's `session` method uses.

Spark's plain Parquet tables have no transactions, no UPDATE and no DELETE. What this class makes of
`begin … commit`:
- Writes to the tables readers see wait for commit: an append lands in a staging table of its own
  at once (so a failed load has read and checked everything before raw changes), and commit copies
  it in; updates and deletes are rewrites of the (small) table, also run at commit.
- A partition (raw.cur_line_items: one per billing period and load) is written into its own folder,
  invisible to readers, and published at commit by adding it to the metastore, a metadata change;
  the partitions it replaces are dropped last.
- Rollback drops the staging tables and their files: raw is as it was.
What is not atomic: commit itself is several statements. A crash inside it (seconds at most, after
every file was read and checked) can leave some of a load's writes published and others not.
A table format with transactions (Delta Lake, Iceberg) would make commit one atomic step.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sibyl import spark_session
from sibyl.errors import ConfigError, first_line
from sibyl.warehouse.base import PartitionKey, Warehouse

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from sibyl.cur.dialect import Dialect

_PLACEHOLDER = re.compile(r"\$(\d+)")
_WRITE = re.compile(r"^\s*(?:insert\s+into|update|delete\s+from)\s+([\w.]+)", re.IGNORECASE)
_UPDATE = re.compile(r"^\s*update\s+([\w.]+)\s+set\s+(\w+)\s*=\s*(.+?)\s+where\s+(.+)$", re.IGNORECASE | re.DOTALL)
_DELETE = re.compile(r"^\s*delete\s+from\s+([\w.]+)(?:\s+(\w+))?\s+where\s+(.+)$", re.IGNORECASE | re.DOTALL)
_DROP = re.compile(r"^\s*drop\s+table\s+(?:if\s+exists\s+)?([\w.]+)\s*$", re.IGNORECASE)
_CREATE = re.compile(r"^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?([\w.]+)", re.IGNORECASE)


class SparkWarehouse(Warehouse):
    name = "spark"

    def __init__(self) -> None:
        try:
            self.spark: SparkSession = spark_session.get_session()
            self.spark.sql("show databases").collect()  # opens the metastore: Derby refuses a second process here
        except Exception as exc:
            raise ConfigError(
                f"cannot start Spark with its metastore under {spark_session.spark_home()}: {first_line(exc)} "
                "(Derby lets one process use it at a time: is a sibyl load or a dbt build running on it? Java 17 installed?)"
            ) from exc
        self._in_transaction = False
        self._created: set[str] = set()  # tables created in this transaction: written at once, dropped on rollback
        self._staged: dict[str, str] = {}  # table readers see -> its staging table in this transaction
        self._pending: list[Callable[[], None]] = []  # writes to the tables readers see, run at commit in order
        self._partitions: list[str] = []  # `alter table … add partition` run first at commit
        self._dropped: list[str] = []  # `alter table … drop partition` run last at commit
        self._views = itertools.count()

    # SQL ------------------------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        sql = _bind(sql, params)
        write = _WRITE.match(sql)
        drop = _DROP.match(sql)
        if self._in_transaction and write and write.group(1).lower() not in self._created:
            self._pending.append(lambda: self._write(sql))
        elif self._in_transaction and drop and drop.group(1).lower() in self._created:
            self._pending.append(lambda: self._sql(sql))  # a staging table that a pending write still reads
        elif write:
            self._write(sql)
        else:
            # A table this transaction creates is its own: written at once, dropped on rollback. One that
            # existed before (`create table if not exists` of a raw table) is not.
            create = _CREATE.match(sql)
            new = create and self._in_transaction and not self.spark.catalog.tableExists(create.group(1))
            self._sql(sql)
            if new:
                self._created.add(create.group(1).lower())

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        return _rows(self._sql(_bind(sql, params)))

    def relation_exists(self, schema: str, name: str) -> bool:
        return self.spark.catalog.tableExists(f"{schema}.{name}")

    def _sql(self, sql: str) -> DataFrame:
        return self.spark.sql(sql)

    def _write(self, sql: str) -> None:
        """Spark's Parquet tables take inserts; updates and deletes become a rewrite of the table."""
        update, delete = _UPDATE.match(sql), _DELETE.match(sql)
        if update:
            table, column, value, condition = update.groups()
            changed = f"case when coalesce({condition}, false) then {value} else {column} end as {column}"
            columns = [changed if c == column else c for c in self._columns(table)]
            self._rewrite(table, f"select {', '.join(columns)} from {table}")
        elif delete:
            table, alias, condition = delete.groups()
            self._rewrite(table, f"select * from {table} {alias or ''} where not coalesce({condition}, false)")
        else:
            self._sql(sql)

    def _rewrite(self, table: str, select_sql: str) -> None:
        # Spark cannot overwrite a table it reads in the same statement: the new rows go through a copy.
        copy = f"{table}__rewrite_{uuid.uuid4().hex[:12]}"
        self._sql(f"create table {copy} using parquet as {select_sql}")
        try:
            self._sql(f"insert overwrite table {table} select * from {copy}")
        finally:
            self._sql(f"drop table if exists {copy}")

    def _columns(self, table: str) -> list[str]:
        return self.spark.table(table).columns

    # Appends --------------------------------------------------------------------------------------

    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        # `duckdb_sql` is Spark SQL here: the query of this warehouse's files_dialect.
        return self._append(table, self._sql(duckdb_sql))

    def append_arrow(self, table: str, batches: pa.RecordBatchReader) -> int:
        rows = batches.read_all()
        if not rows.num_rows:
            return 0
        return self._append(table, self.spark.createDataFrame(_without_zones(rows)))

    def _append(self, table: str, frame: DataFrame) -> int:
        """Insert by column name into `table` (or its staging table, in a transaction); how many rows."""
        from pyspark.sql import Observation
        from pyspark.sql import functions as F

        target = self._target(table)
        columns = self._columns(target)
        observed = Observation()
        frame.select(*columns).observe(observed, F.count(F.lit(1)).alias("rows")).write.insertInto(target)
        return int(observed.get["rows"])

    def _target(self, table: str) -> str:
        """Where an append lands: in a transaction, a table readers see gets a staging copy, inserted at commit."""
        key = table.lower()
        if not self._in_transaction or key in self._created:
            return table
        if key not in self._staged:
            staging = f"{table}__staged_{uuid.uuid4().hex[:12]}"
            self._sql(f"create table {staging} using parquet as select * from {table} where false")
            self._created.add(staging.lower())
            self._staged[key] = staging
            self._pending.append(lambda: self._sql(f"insert into {table} select * from {staging}"))
        return self._staged[key]

    # Files ----------------------------------------------------------------------------------------

    @property
    def files_dialect(self) -> Dialect:
        from sibyl.cur.dialect import SparkDialect

        return SparkDialect(self)

    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        return self.fetch(duckdb_sql)[1]

    def register_files(self, reader: Callable[[Any], DataFrame]) -> str:
        """A temporary view over files (`reader` gets the session's DataFrameReader); its name."""
        name = f"sibyl_files_{next(self._views)}"
        reader(self.spark.read).createOrReplaceTempView(name)
        return name

    # Partitions -----------------------------------------------------------------------------------

    def create_partitioned_table(self, create_sql: str, key_columns: Sequence[str]) -> None:
        self.execute(f"{create_sql} partitioned by ({', '.join(key_columns)})")

    def partition_table(self, parent: str, key: PartitionKey) -> str:
        # The partition's own folder, where the metastore will look for it once published: written
        # through a table of the parent's data columns, dropped at commit (its files stay: it is external).
        staging = "_".join([parent, *(k.label for k in key)])
        partition_columns = {k.column for k in key}
        _, described = self.fetch(f"describe table {parent}")
        columns = []
        for name, kind, *_ in described:
            if name.startswith("#"):
                break
            if name not in partition_columns:
                columns.append(f"{name} {kind}")
        location = self._location(parent) + "/" + "/".join(f"{k.column}={_path_value(k.value)}" for k in key)
        self._sql(f"create table {staging} ({', '.join(columns)}) using parquet location '{location}'")
        self._created.add(staging.lower())
        spec = ", ".join(f"{k.column} = {_literal(k.value)}" for k in key)
        self._partitions.append(f"alter table {parent} add partition ({spec}) location '{location}'")
        self._pending.append(lambda: self._sql(f"drop table {staging}"))
        return staging

    def publish_partition(self, parent: str, key: PartitionKey, replaced: Sequence[PartitionKey]) -> None:
        for old in replaced:
            spec = ", ".join(f"{k.column} = {_literal(k.value)}" for k in old)
            self._dropped.append(f"alter table {parent} drop if exists partition ({spec})")

    def _location(self, table: str) -> str:
        _, rows = self.fetch(f"describe table extended {table}")
        return next(value for name, value, *_ in rows if name == "Location")

    # Transactions ---------------------------------------------------------------------------------

    def start_loading(self) -> None:
        # Derby's embedded metastore is this process's alone while the session is open: no other load can run.
        pass

    def begin(self) -> None:
        self._in_transaction = True

    def commit(self) -> None:
        # New partitions first, the tables that name them next, replaced partitions last: a crash in
        # between leaves both loads' rows, never neither (see the module's docstring).
        try:
            for sql in self._partitions:
                self._sql(sql)
            for write in self._pending:
                write()
            for sql in self._dropped:
                self._sql(sql)
        finally:
            self._end()

    def rollback(self) -> None:
        try:
            for table in self._created:
                if self.spark.catalog.tableExists(table):
                    location = self._location(table)
                    self._sql(f"drop table {table}")
                    self._delete_folder(location)
        finally:
            self._end()

    def _end(self) -> None:
        self._in_transaction = False
        self._created, self._staged, self._pending, self._partitions, self._dropped = set(), {}, [], [], []

    def _delete_folder(self, location: str) -> None:
        """An external staging table's files, through Hadoop's file system (local disk, HDFS or S3 alike)."""
        jvm = self.spark.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(location)
        path.getFileSystem(self.spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)

    def close(self) -> None:
        # The session stays for the process's next connection (starting Spark takes seconds);
        # spark_session.release() ends it before another process needs the metastore.
        for view in self.spark.catalog.listTables():
            if view.isTemporary and view.name.startswith("sibyl_files_"):
                self.spark.catalog.dropTempView(view.name)


def _bind(sql: str, params: Sequence[Any]) -> str:
    """`$1`-style parameters as Spark literals (Spark's own markers are not allowed in every statement)."""
    if not params:
        return sql
    return _PLACEHOLDER.sub(lambda m: _literal(params[int(m.group(1)) - 1]), sql)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) + "d" if math.isfinite(value) else f"double('{value}')"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _path_value(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _rows(frame: DataFrame) -> tuple[list[str], list[tuple]]:
    """Through Arrow: times come back as the session's UTC, not converted to the Python process's zone."""
    table = frame.toArrow()
    columns = [_naive_utc(c) if pa.types.is_timestamp(c.type) and c.type.tz else c for c in table.columns]
    return table.column_names, list(zip(*(c.to_pylist() for c in columns), strict=True)) if columns else []


def _naive_utc(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return column.cast(pa.timestamp(column.type.unit, "UTC")).cast(pa.timestamp(column.type.unit))


def _without_zones(table: pa.Table) -> pa.Table:
    """Plain timestamps are UTC here; Spark would read a zone-less Arrow time as the Python process's local time."""
    fields = [pa.field(f.name, pa.timestamp("us", "UTC")) if pa.types.is_timestamp(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))
