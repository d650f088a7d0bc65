"""Where a build of the marts lives, and scratch builds that are always removed.

DuckDB: a copy of the warehouse file, built in place and deleted afterwards. PostgreSQL: schemas of
the same database under a prefix of their own (`sibyl_diff_<id>_head_marts`, …), reading the real
`raw` tables, dropped afterwards. Either way the real seeds, staging, intermediate and marts schemas
are only read.
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sibyl.config import Settings
from sibyl.dbt_runner import build_args, run_dbt
from sibyl.errors import ConfigError, DataError
from sibyl.raw_tables import ensure_raw_tables
from sibyl.warehouse import WarehouseNotFound, connect


@dataclass(frozen=True)
class Marts:
    """One build of the project, as the comparison's SQL names its relations."""

    label: str  # what a person reads: "the marts as built", "seeds at main"
    duckdb_file: Path | None = None  # DuckDB: the file, attached under `catalog` for the comparison
    catalog: str | None = None
    schema_prefix: str = ""  # PostgreSQL: before every schema name

    def relation(self, schema: str, name: str) -> str:
        return f"{self.catalog}.{schema}.{name}" if self.catalog else f"{self.schema_prefix}{schema}.{name}"


def built_marts(settings: Settings, label: str) -> Marts:
    """The real marts, as `sibyl build` left them; a clear error when they are not built."""
    try:
        with connect(settings, read_only=True) as wh:
            built = wh.relation_exists("marts", "cost_by_team_30d")
    except WarehouseNotFound as exc:
        raise ConfigError(f"{exc}: run `sibyl load cur` and `sibyl build` first, or set SIBYL_DUCKDB_PATH") from exc
    if not built:
        raise ConfigError("the marts are not built yet: run `sibyl build` first, or compare with the seeds at a git ref (--base REF)")
    return Marts(label, duckdb_file=settings.duckdb_path if settings.target == "duckdb" else None)


@contextmanager
def scratch_build(settings: Settings, seeds_dir: Path, workdir: Path, name: str, label: str) -> Iterator[Marts]:
    """The project built with `seeds_dir` in a scratch place named `name`, removed on exit whatever happens.
    A build that fails (a seed check, a model) is a DataError saying the real marts are unchanged."""
    if settings.target == "duckdb":
        copy = workdir / f"{name}.duckdb"
        _copy_warehouse(settings, copy)
        scratch = dataclasses.replace(settings, duckdb_path=copy, seeds_dir=seeds_dir)
        marts = Marts(label, duckdb_file=copy)
    else:
        prefix = f"sibyl_diff_{secrets.token_hex(4)}_{name}_"
        scratch = dataclasses.replace(settings, seeds_dir=seeds_dir, schema_prefix=prefix)
        marts = Marts(label, schema_prefix=prefix)
    try:
        ensure_raw_tables(scratch)
        try:
            run_dbt(scratch, build_args(), target_path=workdir / f"{name}-target", quiet=True)
        except DataError as exc:
            raise DataError(
                f"the marts do not build with {label}, so nothing was compared and the real marts are unchanged: {exc}"
            ) from exc
        yield marts
    finally:
        if marts.duckdb_file:
            for path in (marts.duckdb_file, marts.duckdb_file.with_name(marts.duckdb_file.name + ".wal")):
                path.unlink(missing_ok=True)
        else:
            _drop_schemas(settings, marts.schema_prefix)


def _copy_warehouse(settings: Settings, copy: Path) -> None:
    """Copy the DuckDB file (and its write-ahead log) while a read-only connection holds it, so no
    writer changes it halfway."""
    try:
        wh = connect(settings, read_only=True)
    except WarehouseNotFound as exc:
        raise ConfigError(f"{exc}: run `sibyl load cur` first, or set SIBYL_DUCKDB_PATH") from exc
    with wh:
        shutil.copyfile(settings.duckdb_path, copy)
        wal = settings.duckdb_path.with_name(settings.duckdb_path.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))


def _drop_schemas(settings: Settings, prefix: str) -> None:
    with connect(settings) as wh:
        _, rows = wh.fetch("select nspname from pg_namespace where left(nspname, length($1)) = $1", [prefix])
        for (schema,) in rows:
            wh.execute(f'drop schema if exists "{schema}" cascade')
        wh.commit()
