"""Where Sibyl finds its warehouse and its dbt project: environment first, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sibyl.errors import ConfigError

TARGETS = ("duckdb", "postgres", "spark")


@dataclass(frozen=True)
class Settings:
    target: str
    duckdb_path: Path
    project_dir: Path
    # The organisation's seed CSVs: the project's seeds/ unless SIBYL_SEEDS_DIR names another folder
    # (the demo and the tests build with the demo organisation's own, written by the generator).
    seeds_dir: Path
    # Put before every schema dbt builds (seeds, staging, intermediate, marts): `sibyl diff` builds a
    # scratch copy beside the real schemas on PostgreSQL. Empty for every real build.
    schema_prefix: str = ""

    @classmethod
    def from_env(cls, target: str | None = None) -> Settings:
        target = target or os.environ.get("SIBYL_TARGET", "duckdb")
        if target not in TARGETS:
            raise ConfigError(f"unknown target {target!r}: use one of {', '.join(TARGETS)} (flag --target or SIBYL_TARGET)")
        duckdb_path = Path(os.environ.get("SIBYL_DUCKDB_PATH", "warehouse.duckdb")).resolve()
        project_dir = find_project_dir()
        explicit_seeds = os.environ.get("SIBYL_SEEDS_DIR")
        seeds_dir = Path(explicit_seeds).resolve() if explicit_seeds else project_dir / "seeds"
        return cls(target=target, duckdb_path=duckdb_path, project_dir=project_dir, seeds_dir=seeds_dir)


def find_project_dir() -> Path:
    """The dbt project: SIBYL_PROJECT_DIR, else the checkout this package was installed from, else cwd."""
    explicit = os.environ.get("SIBYL_PROJECT_DIR")
    candidates = [Path(explicit)] if explicit else [Path(__file__).resolve().parents[2], Path.cwd()]
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file():
            return candidate.resolve()
    raise ConfigError(
        f"no dbt_project.yml in {', '.join(str(c) for c in candidates)}: run sibyl from the Sibyl checkout or set SIBYL_PROJECT_DIR"
    )


def postgres_uri() -> str:
    """A connection URI built from the standard libpq variables, with the defaults CI uses."""
    from urllib.parse import quote

    user = quote(os.environ.get("PGUSER", "postgres"), safe="")
    password = os.environ.get("PGPASSWORD")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    dbname = quote(os.environ.get("PGDATABASE", "postgres"), safe="")
    return f"postgresql://{auth}@{host}:{port}/{dbname}"


def postgres_location() -> str:
    return (
        f"{os.environ.get('PGUSER', 'postgres')}@{os.environ.get('PGHOST', '127.0.0.1')}:"
        f"{os.environ.get('PGPORT', '5432')}/{os.environ.get('PGDATABASE', 'postgres')}"
    )
