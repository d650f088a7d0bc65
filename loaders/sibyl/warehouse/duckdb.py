from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import duckdb

from sibyl import duckdb_session
from sibyl.errors import ConfigError, first_line
from sibyl.warehouse.base import Warehouse

# Peak memory stays flat whatever the delivery's size (bench/README.md has the figures); raw rows
# carry no order, so DuckDB may write them as its threads finish.
LOADING_SETTINGS = ("memory_limit = '128MB'", "preserve_insertion_order = false")

# DuckDB lets one process write a database file and names the one holding it.
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in .* \(PID (\d+)\)")


class DuckDBWarehouse(Warehouse):
    name = "duckdb"

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        if read_only and not path.exists():
            raise ConfigError(f"no DuckDB warehouse at {path}: run `sibyl load cur` and `sibyl build` first, or set SIBYL_DUCKDB_PATH")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb_session.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            holder = _LOCK_HOLDER.search(str(exc))
            if holder:
                raise ConfigError(
                    f"cannot open the DuckDB warehouse {path}: another process (PID {holder.group(1)}, a sibyl load or "
                    "a dbt build) is writing to it; wait for it to finish and run this again"
                ) from exc
            raise ConfigError(f"cannot open the DuckDB warehouse {path}: {first_line(exc)}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        result = self.con.execute(sql, list(params))
        return [d[0] for d in result.description], result.fetchall()

    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        # Same engine: the files are read and inserted in one statement, no rows pass through Python.
        return self.con.execute(f"insert into {table} by name {duckdb_sql}").fetchone()[0]

    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        return self.con.execute(duckdb_sql).fetchall()

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

