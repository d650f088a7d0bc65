from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sibyl.errors import ConfigError

if TYPE_CHECKING:
    from sibyl.cur.dialect import Dialect

_LABEL = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class ListKey:
    """One level of a list partition: rows whose `column` equals `value`; `label` names its table."""

    column: str
    value: str | dt.date
    label: str

    def __post_init__(self) -> None:
        # Labels become part of table names: only ids and dates of our own, never free text.
        if not _LABEL.match(self.label):
            raise ValueError(f"unexpected partition label {self.label!r}")


class WarehouseNotFound(ConfigError):
    """A warehouse opened to be read that nothing has written yet (the caller says what writes it)."""


# A partition, outermost level first: e.g. (month, load) for a table partitioned by month, then by load.
PartitionKey = tuple[ListKey, ...]


class Warehouse(ABC):
    """What the loaders and reports need from a warehouse engine, and nothing more."""

    name: str

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Column names and rows of a query."""

    @abstractmethod
    def relation_exists(self, schema: str, name: str) -> bool:
        """Whether a table or view exists, asked of the catalog (whatever the user may read)."""

    @abstractmethod
    def append_query(self, table: str, duckdb_sql: str, *, streamed: bool = True) -> int:
        """Append the rows of a DuckDB query (whose columns are named like the table's) to `table`; how many.

        `streamed`: rows flow as the files are read (a big table), not computed whole first (a small one).
        """

    @abstractmethod
    def append_arrow(self, table: str, batches: pa.RecordBatchReader) -> int:
        """Append Arrow batches (whose columns are named like the table's) to `table`; how many rows."""

    @abstractmethod
    def fetch_files_query(self, duckdb_sql: str) -> list[tuple]:
        """Rows of a DuckDB query over files, run in the engine that `append_query` reads them with."""

    @property
    def files_dialect(self) -> Dialect:
        """The SQL that `append_query` and `fetch_files_query` take: DuckDB's, except on an engine that reads files itself."""
        from sibyl.cur.dialect import DUCKDB

        return DUCKDB

    @abstractmethod
    def create_partitioned_table(self, create_sql: str, key_columns: Sequence[str]) -> None:
        """Create a table from `create table if not exists` DDL, list-partitioned by `key_columns`
        (outermost first) where the engine keeps partitions."""

    @abstractmethod
    def partition_table(self, parent: str, key: PartitionKey) -> str:
        """The table one partition's rows are appended to inside a transaction, before
        `publish_partition` makes them the ones readers of `parent` see."""

    @abstractmethod
    def publish_partition(self, parent: str, key: PartitionKey, replaced: Sequence[PartitionKey]) -> None:
        """In the transaction that wrote it: publish the partition `key` of `parent` and remove the
        `replaced` ones."""

    @abstractmethod
    def start_loading(self) -> None:
        """Hold the warehouse for this loader until close (a second load waits or fails, never
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
    def transaction(self) -> Iterator[Warehouse]:
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
