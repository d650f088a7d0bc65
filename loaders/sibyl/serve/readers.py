"""Read-only connections for the server: each request borrows one and returns it; none can write.

DuckDB: the published copy of the marts (sibyl.publish), opened read-only. A build swaps in a new file by rename,
so a reader never holds the warehouse the loads and builds write, and the server opens the new copy when the
file's identity changes (the old one stays readable until its last cursor closes).
PostgreSQL: connections that SET ROLE to the read-only BI role (var bi_role) with read-only transactions,
in autocommit so no request leaves a transaction open that would hold a lock against a build's drops.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sibyl.config import Settings, postgres_location, postgres_uri
from sibyl.errors import ConfigError, SibylError, first_line


class MartsUnavailable(ConfigError):
    """Nothing to read yet (no published marts, no database): the server answers 503 with what to run."""


class _DuckDBCursor:
    name = "duckdb"

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        result = self.cursor.execute(sql, list(params))
        return [d[0] for d in result.description], result.fetchall()

    def relation_exists(self, schema: str, name: str) -> bool:
        _, rows = self.fetch("select 1 from information_schema.tables where table_schema = $1 and table_name = $2", [schema, name])
        return bool(rows)


class DuckDBReader:
    def __init__(self, path: Path, warehouse: Path) -> None:
        self.path, self.warehouse = path, warehouse
        self._lock = threading.Lock()
        self._opened: tuple[tuple[int, int], Any] | None = None

    def version(self) -> tuple[int, int] | None:
        """The published file's identity: a build replaces the file, so a new identity means new marts."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _connection(self):
        identity = self.version()
        if identity is None:
            raise MartsUnavailable(self._missing())
        with self._lock:
            if self._opened is None or self._opened[0] != identity:
                from sibyl import duckdb_session

                self._opened = (identity, duckdb_session.connect(str(self.path), read_only=True))
            return self._opened[1]

    def _missing(self) -> str:
        if self.warehouse.exists():
            return f"the marts are not published yet ({self.path}): run `sibyl build`"
        return f"no DuckDB warehouse at {self.warehouse}: run `sibyl load cur <source>` and `sibyl build`, or set SIBYL_DUCKDB_PATH"

    def close(self) -> None:
        with self._lock:
            if self._opened is not None:
                self._opened[1].close()
                self._opened = None

    @contextmanager
    def borrow(self) -> Iterator[_DuckDBCursor]:
        cursor = self._connection().cursor()
        try:
            cursor.execute("set TimeZone = 'UTC'")
            yield _DuckDBCursor(cursor)
        finally:
            cursor.close()


class _PostgresConnection:
    name = "postgres"

    def __init__(self, con) -> None:
        self.con = con

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        with self.con.cursor() as cursor:
            cursor.execute(sql, list(params) or None)
            return [d[0] for d in cursor.description], cursor.fetchall()

    def relation_exists(self, schema: str, name: str) -> bool:
        _, rows = self.fetch(
            "select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2",
            [schema, name],
        )
        return bool(rows)


_MARTS_VERSION_SQL = """
select string_agg(c.oid::text || ':' || coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)::text, ',' order by c.oid)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_stat_user_tables s on s.relid = c.oid
where n.nspname = 'marts' and c.relkind in ('r', 'p')
"""


class PostgresReader:
    """A few connections as the BI role, kept between requests (a connection costs more than a query)."""

    def __init__(self, role: str, size: int = 8) -> None:
        self.role = role
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    def _connect(self):
        import adbc_driver_postgresql.dbapi as adbc

        try:
            con = adbc.connect(postgres_uri(), autocommit=True)
        except Exception as exc:  # the driver raises several classes for one cause: nobody answered
            raise MartsUnavailable(f"cannot connect to PostgreSQL at {postgres_location()}: {first_line(exc)}") from exc
        try:
            with con.cursor() as cursor:
                cursor.execute(f'set role "{self.role}"')
                cursor.execute("set session characteristics as transaction read only")
        except Exception as exc:
            con.close()
            raise MartsUnavailable(
                f"cannot read as the BI role {self.role}: {first_line(exc)} (run `sibyl build`, which creates it, "
                f"and grant it to {os.environ.get('PGUSER', 'postgres')})"
            ) from exc
        return con

    def version(self) -> str | None:
        """What identifies the marts' contents: each table's oid (a build creates every mart table anew, so a new oid
        at its commit) and its rows inserted, updated and deleted (an incremental model keeps its oid; the statistics
        count its writes seconds after their commit). None without a mart table, or when it cannot be read: then
        nothing is kept."""
        try:
            with self.borrow() as con:
                _, rows = con.fetch(_MARTS_VERSION_SQL)
        except Exception:  # the query of the request says what is wrong, better than this one
            return None
        return rows[0][0]

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()

    @contextmanager
    def borrow(self) -> Iterator[_PostgresConnection]:
        with self._slots:
            try:
                con = self._idle.get_nowait()
            except queue.Empty:
                con = self._connect()
            try:
                yield _PostgresConnection(con)
            except SibylError:
                self._idle.put(con)  # an answer of ours (no data, not built): the connection is fine
                raise
            except BaseException:
                con.close()  # a query the driver failed may have broken it: never lend it again
                raise
            self._idle.put(con)


def reader_for(settings: Settings):
    if settings.target == "duckdb":
        from sibyl.publish import published_path

        return DuckDBReader(published_path(settings.duckdb_path), settings.duckdb_path)
    role = os.environ.get("SIBYL_BI_ROLE", "sibyl_bi")
    if not role.replace("_", "").isalnum():
        raise ConfigError(f"SIBYL_BI_ROLE must be a plain role name (letters, digits, _), not {role!r}")
    return PostgresReader(role)
