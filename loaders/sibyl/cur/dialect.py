"""The SQL spelling of the engine that reads a delivery's files: DuckDB (for DuckDB and PostgreSQL) or Spark.

The readers (parquet_format, csv_format, reader) and the validation gate write one query each on the
raw contract; what differs between engines is here and only here: how files are scanned, how names
and types are spelt, maps, hashes and the tag-set unpivot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from sibyl.warehouse.spark import SparkWarehouse

# Contract kinds as the gate's suite names them (Great Expectations' type_), by the engine's own type name.
_SUITE_TYPES = {"varchar": "VARCHAR", "string": "VARCHAR", "double": "DOUBLE", "timestamp": "TIMESTAMP", "date": "DATE", "bigint": "BIGINT"}


class Dialect:
    """DuckDB's spelling; SparkDialect overrides what Spark spells otherwise."""

    name = "duckdb"
    types: ClassVar[dict[str, str]] = {"varchar": "varchar", "double": "double", "timestamp": "timestamp"}
    map_type = "map(varchar, varchar)"
    empty_map = "cast(map([], []) as map(varchar, varchar))"

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def cast(self, source: str, kind: str) -> str:
        return f"cast({source} as {self.types[kind]})"

    def parquet_scan(self, files: list[str]) -> str:
        return "read_parquet([" + ", ".join(self.literal(f) for f in files) + "], union_by_name = true)"

    def csv_scan(self, files: list[str], width: int, buffer_bytes: int) -> str:
        """Every field as text, named by position (`c0`, `c1`, …)."""
        # null_padding: some writers drop trailing empty fields (koku's fixtures do). buffer_size: the
        # default 32 MB read buffer per thread, beside the insert's own, ran the loader's 128 MB DuckDB
        # out of memory on a 250,000-line CSV; 8 MB still holds the longest line DuckDB accepts (2 MB).
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
        paths = ", ".join(self.literal(f) for f in files)
        return (
            f"read_csv([{paths}], header = true, auto_detect = false, columns = {{{columns}}}, "
            f"delim = ',', quote = '\"', escape = '\"', null_padding = true, buffer_size = {buffer_bytes})"
        )

    def json_map(self, text: str) -> str:
        """A CUR 2.0 map column that CSV spells as JSON text."""
        return f"cast(cast({text} as json) as {self.map_type})"

    def map_tag_set_id(self, tags: str) -> str:
        """md5 over a map's non-empty entries in key order (as the wide form's id, reader._tag_set_id)."""
        entries = f"list_sort(list_filter(map_entries({tags}), lambda e: coalesce(e.value, '') <> ''))"
        return f"md5(array_to_string(list_transform({entries}, lambda e: e.key || chr(31) || e.value), chr(30)))"

    def map_tag_sets(self, tag_set_id: str, tags: str, rows_sql: str) -> str:
        return (
            f"with tagged as (\n    select distinct {tag_set_id} as tag_set_id, {tags}\n"
            f"    from (\n{rows_sql}\n) as delivery_rows\n),\n"
            f"entries as (\n    select tag_set_id, unnest(map_entries({tags})) as entry from tagged\n)\n"
            "select tag_set_id, entry.key as tag_key, entry.value as tag_value from entries where entry.value <> ''"
        )

    def wide_tag_sets(self, tag_set_id: str, columns: dict[str, str], rows_sql: str) -> str:
        """`columns`: tag column -> tag key."""
        names = ", ".join(columns)
        # Keys go through a VALUES list: DuckDB names are case-insensitive and `user:Team`, `user:team` both occur.
        keys = ", ".join(f"({self.literal(c)}, {self.literal(k)})" for c, k in columns.items())
        return (
            f"with tagged as (\n    select distinct {tag_set_id} as tag_set_id, {names}\n"
            f"    from (\n{rows_sql}\n) as delivery_rows\n),\n"
            f"unpivoted as (\n    unpivot tagged on {names} into name tag_column value tag_value\n)\n"
            f"select tag_set_id, keys.tag_key, tag_value from unpivoted\n"
            f"join (values {keys}) as keys(tag_column, tag_key) using (tag_column)\nwhere tag_value <> ''"
        )

    def no_tag_sets(self) -> str:
        return "select null::varchar as tag_set_id, null::varchar as tag_key, null::varchar as tag_value where false"

    def not_finite(self, column: str) -> str:
        return f"not isfinite({column})"

    def key_hash(self, columns: str) -> str:
        """A 64-bit hash of a compound key."""
        return f"hash({columns})"

    def describe(self, sql: str) -> str:
        """A query whose rows start with (column name, engine type name), read from the plan."""
        return f"describe (\n{sql}\n)"

    def suite_type(self, engine_type: str) -> str:
        return _SUITE_TYPES.get(engine_type.lower(), engine_type.upper())

    def probe(self, sql: str) -> list[tuple]:
        """Rows of a query over the files, on a connection of its own (used to find a bad file after a failure)."""
        from sibyl import duckdb_session

        with duckdb_session.connect() as con:
            return con.execute(sql).fetchall()

    def read_every_row(self, rows_sql: str) -> str:
        """A query that reads and converts every row and column (a projection would skip some)."""
        return f"select max(hash(delivery_rows)) from (\n{rows_sql}\n) as delivery_rows"

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """What reading or converting files raises, as opposed to an outage of the warehouse."""
        import duckdb

        return (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.IOException)

    @property
    def probe_errors(self) -> tuple[type[Exception], ...]:
        import duckdb

        return (duckdb.Error,)


class SparkDialect(Dialect):
    """Spark SQL, with the files read by the warehouse's Spark session (temporary views)."""

    name = "spark"
    types: ClassVar[dict[str, str]] = {"varchar": "string", "double": "double", "timestamp": "timestamp"}
    map_type = "map<string, string>"
    empty_map = "cast(map() as map<string, string>)"

    def __init__(self, warehouse: SparkWarehouse) -> None:
        self.warehouse = warehouse

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def literal(self, text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def parquet_scan(self, files: list[str]) -> str:
        # Files of one delivery may differ in columns (AWS adds tag columns as keys appear): their union.
        # One file needs no merge, which would cost a job that reads every footer.
        merge = "true" if len(files) > 1 else "false"
        return self.warehouse.register_files(lambda read: read.option("mergeSchema", merge).parquet(*files))

    def csv_scan(self, files: list[str], width: int, buffer_bytes: int) -> str:
        # A schema by position, not the header's names (Spark compares names case-insensitively and CURs
        # carry `resourceTags/user:Team` and `resourceTags/user:team`). multiLine: quoted fields may hold
        # line breaks. FAILFAST: a malformed line fails the load instead of loading as nulls.
        schema = ", ".join(f"c{i} string" for i in range(width))
        return self.warehouse.register_files(
            lambda read: read.csv(
                files, schema=schema, header=True, enforceSchema=True, sep=",", quote='"', escape='"', multiLine=True, mode="FAILFAST"
            )
        )

    def json_map(self, text: str) -> str:
        return f"from_json({text}, '{self.map_type}')"

    def _entries(self, tags: str) -> str:
        return f"array_sort(filter(map_entries({tags}), e -> coalesce(e.value, '') <> ''))"

    def map_tag_set_id(self, tags: str) -> str:
        return f"md5(array_join(transform({self._entries(tags)}, e -> concat(e.key, chr(31), e.value)), chr(30)))"

    # Unpivoted first, then made distinct: grouping on the tag set id's expression with the tag columns made
    # Spark's planner spin for minutes on CSV's dozens of tag keys (it canonicalises the expression again and again).
    def map_tag_sets(self, tag_set_id: str, tags: str, rows_sql: str) -> str:
        return (
            f"with entries as (\n    select {tag_set_id} as tag_set_id, explode({tags}) as (tag_key, tag_value)\n"
            f"    from (\n{rows_sql}\n) as delivery_rows\n)\n"
            "select distinct tag_set_id, tag_key, tag_value from entries where tag_value <> ''"
        )

    def wide_tag_sets(self, tag_set_id: str, columns: dict[str, str], rows_sql: str) -> str:
        pairs = ", ".join(f"{self.literal(k)}, {c}" for c, k in columns.items())
        return (
            f"with unpivoted as (\n    select {tag_set_id} as tag_set_id, stack({len(columns)}, {pairs}) as (tag_key, tag_value)\n"
            f"    from (\n{rows_sql}\n) as delivery_rows\n)\n"
            "select distinct tag_set_id, tag_key, tag_value from unpivoted where tag_value <> ''"
        )

    def no_tag_sets(self) -> str:
        return "select cast(null as string) as tag_set_id, cast(null as string) as tag_key, cast(null as string) as tag_value where false"

    def not_finite(self, column: str) -> str:
        # Spark's isnan takes only numbers; the bounds also apply to times, which are always finite.
        return f"(cast({column} as string) in ('NaN', 'Infinity', '-Infinity'))"

    def key_hash(self, columns: str) -> str:
        return f"xxhash64({columns})"

    def describe(self, sql: str) -> str:
        return f"describe query\n{sql}"

    def probe(self, sql: str) -> list[tuple]:
        return self.warehouse.fetch(sql)[1]

    def read_every_row(self, rows_sql: str) -> str:
        return f"select max(xxhash64(*)) from (\n{rows_sql}\n) as delivery_rows"

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        return (PySparkException, Py4JJavaError)

    @property
    def probe_errors(self) -> tuple[type[Exception], ...]:
        return self.errors


DUCKDB = Dialect()
