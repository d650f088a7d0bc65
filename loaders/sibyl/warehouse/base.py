from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Any, Iterator, Sequence


class Warehouse(ABC):
    """What the loaders and reports need from a warehouse, and nothing more."""

    name: str

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Column names and rows of a query."""

    @abstractmethod
    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        """Append the rows of a DuckDB query (whose columns are named like the table's) to `table`; how many.

        `streamed`: rows flow as the files are read (line items), not computed whole first (tag sets).
        """

    @abstractmethod
    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        """Rows of a DuckDB query over delivery files, run in the engine that `append_query` reads them with."""

    def create_line_items_table(self, create_sql: str) -> None:
        """Create raw.cur_line_items from `create table if not exists` DDL (PostgreSQL partitions it)."""
        self.execute(create_sql)

    def line_items_table(self, load_id: str, billing_period: dt.date) -> str:
        """The table a load appends its line items to, inside its publishing transaction."""
        return "raw.cur_line_items"

    def swap_in_line_items(self, load_id: str, billing_period: dt.date, replaced_load_ids: list[str]) -> None:
        """In the publishing transaction: make the load's line items the ones readers see, and remove
        those of the deliveries it replaces."""
        for replaced in replaced_load_ids:
            self.execute("delete from raw.cur_line_items where load_id = $1", [replaced])

    @abstractmethod
    def start_loading(self) -> None:
        """Hold the warehouse for this loader until close (a concurrent load waits or fails, never
        interleaves) and give the connection the loader's memory and speed settings."""

    @abstractmethod
    def begin(self) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def transaction(self) -> Iterator["Warehouse"]:
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
