from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sibyl import duckdb_session
from sibyl.errors import ConfigError, first_line
from sibyl.warehouse.base import PartitionKey, Warehouse, WarehouseNotFound

# Peak memory stays flat whatever the files' size (bench/README.md has the figures); raw rows
# carry no order, so DuckDB may write them as its threads finish.
LOADING_SETTINGS = ("memory_limit = '128MB'", "preserve_insertion_order = false")

# DuckDB lets one process write a database file and names the one holding it.
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in .* \(PID (\d+)\)")


def lock_holder(path: Path, pid: int) -> str:
    """Who holds the file, as far as Linux tells: its command line, and whether it reads or writes (its lock in /proc/locks:
    DuckDB locks a file it writes exclusively, one it reads shared)."""
    from sibyl.publish import published_path

    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        inode = path.stat().st_ino
        kinds = {
            line.split()[3]
            for line in Path("/proc/locks").read_text().splitlines()
            if len(line.split()) > 5 and line.split()[4] == str(pid) and line.split()[5].endswith(f":{inode}")
        }
    except OSError:  # not Linux, or the holder just ended
        command, kinds = "", set()
    who = f"PID {pid}, {command[:120]}" if command else f"PID {pid}"
    if kinds == {"READ"}:
        return (
            f"another process ({who}) has it open to read; BI tools, notebooks and sibyl serve should read the published copy "
            f"{published_path(path)} instead, which never blocks a load or a build: close it here and run this again"
        )
    return f"another process ({who}) is writing to it (a sibyl load or a dbt build); wait for it to finish and run this again"


class DuckDBWarehouse(Warehouse):
    name = "duckdb"

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        if read_only and not path.exists():
            raise WarehouseNotFound(f"no DuckDB warehouse at {path}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb_session.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            holder = _LOCK_HOLDER.search(str(exc))
            if holder:
                raise ConfigError(f"cannot open the DuckDB warehouse {path}: {lock_holder(path, int(holder.group(1)))}") from exc
            raise ConfigError(f"cannot open the DuckDB warehouse {path}: {first_line(exc)}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        result = self.con.execute(sql, list(params))
        return [d[0] for d in result.description], result.fetchall()

    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        # Same engine: the files are read and inserted in one statement, no rows pass through Python.
        return self.con.execute(f"insert into {table} by name {duckdb_sql}").fetchone()[0]

    def append_arrow(self, table: str, batches: pa.RecordBatchReader) -> int:
        self.con.register("arrow_batches", batches)
        try:
            return self.con.execute(f"insert into {table} by name select * from arrow_batches").fetchone()[0]
        finally:
            self.con.unregister("arrow_batches")

    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        return self.con.execute(duckdb_sql).fetchall()

    def relation_exists(self, schema: str, name: str) -> bool:
        _, rows = self.fetch("select 1 from information_schema.tables where table_schema = $1 and table_name = $2", [schema, name])
        return bool(rows)

    # DuckDB keeps no partitions: a partition is the parent's rows with its key. They are appended
    # in the open transaction, which no reader sees before it commits, and replace others by delete.
    def create_partitioned_table(self, create_sql: str, key_columns: Sequence[str]) -> None:
        self.execute(create_sql)

    def partition_table(self, parent: str, key: PartitionKey) -> str:
        return parent

    def publish_partition(self, parent: str, key: PartitionKey, replaced: Sequence[PartitionKey]) -> None:
        for old in replaced:
            self.execute(
                f"delete from {parent} where " + " and ".join(f"{k.column} = ${i}" for i, k in enumerate(old, start=1)),
                [k.value for k in old],
            )

    def start_loading(self) -> None:
        # Opening the file for writing already locked it against every other process.
        for setting in LOADING_SETTINGS:
            self.con.execute(f"set {setting}")

    def begin(self) -> None:
        self.con.begin()

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def close(self) -> None:
        self.con.close()
