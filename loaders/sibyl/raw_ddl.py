"""DDL of the raw tables from a column contract: the same column kinds on every engine."""

from __future__ import annotations

ENGINE_TYPES = {
    "duckdb": {"varchar": "varchar", "double": "double", "timestamp": "timestamp", "date": "date", "bigint": "bigint"},
    "postgres": {"varchar": "text", "double": "double precision", "timestamp": "timestamp", "date": "date", "bigint": "bigint"},
    # Spark's varchar needs a length; its timestamp is the session's (UTC) instant, as the others' plain one.
    "spark": {"varchar": "string", "double": "double", "timestamp": "timestamp", "date": "date", "bigint": "bigint"},
}

# Spark's tables are Parquet files in its warehouse folder; they keep no primary key (the loaders keep keys unique).
_TABLE_FORMAT = {"spark": " using parquet"}


def create_table_sql(table: str, columns: dict[str, str], engine: str, primary_key: tuple[str, ...] = ()) -> str:
    """`create table if not exists` with each contract kind as the engine spells it."""
    types = ENGINE_TYPES[engine]
    lines = [f"    {name} {types[kind]}" for name, kind in columns.items()]
    if primary_key and engine != "spark":
        lines.append(f"    primary key ({', '.join(primary_key)})")
    return f"create table if not exists {table} (\n" + ",\n".join(lines) + "\n)" + _TABLE_FORMAT.get(engine, "")
