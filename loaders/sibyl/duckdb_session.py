"""Every DuckDB connection Sibyl opens, to the warehouse or to read files, works in UTC."""

from __future__ import annotations

from typing import Any

import duckdb


def connect(database: str = ":memory:", *, read_only: bool = False, config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database, read_only=read_only, config=config or {})
    # CUR times are UTC. A Parquet timestamp that carries its zone, cast to the contract's plain
    # timestamp, would otherwise shift by the machine's zone and could move a row out of its month.
    # (Set after connecting: as a connect-time option DuckDB wants ICU loaded first.)
    con.execute("set TimeZone = 'UTC'")
    return con
