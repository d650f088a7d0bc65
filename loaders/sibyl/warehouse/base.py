from __future__ import annotations

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
