"""Shared fixtures: a fresh PostgreSQL database per test, a DuckDB file per test, generated CURs."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest

# The public CUR samples live beside the checkout (../shared/reference-data), or where SIBYL_REFERENCE_DATA says.
REFERENCE_DATA = Path(os.environ.get("SIBYL_REFERENCE_DATA") or Path(__file__).resolve().parents[3] / "shared" / "reference-data")

# Without the samples a developer's run skips the tests that read them and says why; CI always runs them.
needs_reference_data = pytest.mark.skipif(
    not REFERENCE_DATA.is_dir() and os.environ.get("CI") != "true",
    reason=f"reference data not found at {REFERENCE_DATA}: set SIBYL_REFERENCE_DATA",
)

# A fixed end of usage so expected windows do not depend on the day the tests run.
DEMO_END_DATE = dt.date(2026, 11, 15)


@pytest.fixture(scope="session", autouse=True)
def demo_seeds(tmp_path_factory) -> Path:
    """The demo organisation's seed CSVs, as `sibyl demo` writes them: every build in the suite uses
    these, so the tests hold whatever an organisation's own seeds/ says."""
    from sibyl.demo.organisation import write_seeds

    folder = tmp_path_factory.mktemp("demo-seeds")
    write_seeds(folder)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SIBYL_SEEDS_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session", autouse=True)
def dbt_artifacts_outside_the_checkout(tmp_path_factory) -> None:
    """dbt's artifacts of this test process's builds go to a folder of the session's (unless a fixture
    gives them one of their own), never to the checkout's target/, which another process of `make test`
    may be writing at the same time."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_TARGET_PATH", dbt_target_path(tmp_path_factory, "default"))
        yield


def postgres_uri(database: str | None = None) -> str:
    """The libpq variables as a URI, read at call time (tests point PGDATABASE at their own database);
    `database`: that one instead."""
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    password = os.environ.get("PGPASSWORD")
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@{host}:{port}/{database or os.environ.get('PGDATABASE', 'postgres')}"


def _admin_connection():
    """On the server's maintenance database: a test's own database can be dropped or copied from there."""
    import adbc_driver_postgresql.dbapi as adbc

    return adbc.connect(postgres_uri("postgres"), autocommit=True)


@pytest.fixture(scope="session")
def postgres_available() -> None:
    try:
        _admin_connection().close()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is unreachable at {postgres_uri()} and CI=true: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {postgres_uri()} (set PG* variables to run these): {str(exc).splitlines()[0]}")


# dbt parses the whole project again (~7 s a build) when the profile differs from the last parse's, and
# the profile holds the DuckDB path and the PostgreSQL database. So every test of a session gets the same
# path and the same database name (emptied before each test), and each target keeps its own dbt
# artifacts folder (its own saved parse): a build in a test costs what a user's second build costs.
SESSION_DATABASE = f"sibyl_test_{uuid.uuid4().hex[:10]}"


def dbt_target_path(tmp_path_factory, name: str) -> str:
    """A folder for dbt's artifacts (its saved parse among them) that lives for the session."""
    folder = tmp_path_factory.getbasetemp() / f"dbt-target-{name}"
    folder.mkdir(exist_ok=True)
    return str(folder)


def _recreate_database(name: str) -> None:
    with _admin_connection() as con, con.cursor() as cur:
        cur.execute(f"drop database if exists {name} with (force)")
        cur.execute(f"create database {name}")


def _drop_database(name: str) -> None:
    with _admin_connection() as con, con.cursor() as cur:
        cur.execute(f"drop database if exists {name} with (force)")


@pytest.fixture
def postgres_db(postgres_available, tmp_path_factory, monkeypatch) -> str:
    """An empty database, the same name all session; PGDATABASE points at it for the test's duration."""
    _recreate_database(SESSION_DATABASE)
    monkeypatch.setenv("PGDATABASE", SESSION_DATABASE)
    monkeypatch.setenv("DBT_TARGET_PATH", dbt_target_path(tmp_path_factory, "postgres"))
    yield SESSION_DATABASE
    monkeypatch.undo()
    _drop_database(SESSION_DATABASE)


@pytest.fixture
def duckdb_path(tmp_path_factory, monkeypatch) -> Path:
    """A DuckDB file that does not exist yet, at the same path all session, in a folder of its own."""
    folder = tmp_path_factory.getbasetemp() / "duckdb-warehouse"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    monkeypatch.setenv("SIBYL_DUCKDB_PATH", str(folder / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", dbt_target_path(tmp_path_factory, "duckdb"))
    yield folder / "warehouse.duckdb"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["duckdb", "postgres"])
def target(request, monkeypatch) -> str:
    """Runs a test once per warehouse, each on a fresh, empty one."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_db")
    else:
        request.getfixturevalue("duckdb_path")
    monkeypatch.setenv("SIBYL_TARGET", request.param)
    return request.param


@pytest.fixture(scope="session")
def demo_cur(tmp_path_factory) -> Path:
    """Three months of legacy Parquet CUR for the demo organisation, written once per session."""
    from sibyl.demo.generate import generate_cur

    root = tmp_path_factory.mktemp("demo-cur")
    generate_cur(root, months=3, lines=20_000, seed=7, fmt="legacy-parquet", end_date=DEMO_END_DATE)
    return root


@pytest.fixture(scope="session")
def built_warehouses(demo_cur, tmp_path_factory, request):
    """The demo CUR loaded and `dbt build` run once per warehouse and session, on first use: target -> its env."""
    from click.testing import CliRunner

    from sibyl.cli import cli

    built: dict[str, dict[str, str]] = {}

    def build(target: str) -> dict[str, str]:
        if target in built:
            return built[target]
        env = {"SIBYL_TARGET": target, "DBT_TARGET_PATH": dbt_target_path(tmp_path_factory, f"built-{target}")}
        if target == "postgres":
            request.getfixturevalue("postgres_available")
            env["PGDATABASE"] = f"sibyl_test_built_{uuid.uuid4().hex[:8]}"
            _recreate_database(env["PGDATABASE"])
        else:
            env["SIBYL_DUCKDB_PATH"] = str(tmp_path_factory.mktemp("built") / "warehouse.duckdb")
        built[target] = env
        runner = CliRunner()
        for args in (["load", "cur", str(demo_cur)], ["build"]):
            result = runner.invoke(cli, args, env=env)
            assert result.exit_code == 0, result.output
        return env

    yield build
    for env in built.values():
        if "PGDATABASE" in env:
            _drop_database(env["PGDATABASE"])


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def built_warehouse(request, built_warehouses) -> dict[str, str]:
    """The demo CUR loaded and built once per warehouse, for tests that only read the marts."""
    return built_warehouses(request.param)


@pytest.fixture
def built_target(built_warehouse, monkeypatch) -> str:
    for key, value in built_warehouse.items():
        monkeypatch.setenv(key, value)
    return built_warehouse["SIBYL_TARGET"]


def copy_of_the_built_demo(target: str, built_warehouses) -> None:
    """Replace the test's own warehouse (the session's DuckDB path or database, selected by the `target` or
    `postgres_db` fixture) with a copy of the built demo warehouse: a test that changes a built warehouse
    starts there in a second, instead of a load and a build (~30 s)."""
    source = built_warehouses(target)
    if target == "postgres":
        with _admin_connection() as con, con.cursor() as cur:
            cur.execute(f"drop database if exists {SESSION_DATABASE} with (force)")
            # a template must have no session: a connection a read-only test left open would refuse the copy
            cur.execute(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{source['PGDATABASE']}'")
            cur.execute(f"create database {SESSION_DATABASE} template {source['PGDATABASE']}")
    else:
        for suffix in ("", ".wal"):
            if Path(source["SIBYL_DUCKDB_PATH"] + suffix).exists():
                shutil.copyfile(source["SIBYL_DUCKDB_PATH"] + suffix, os.environ["SIBYL_DUCKDB_PATH"] + suffix)


@pytest.fixture
def built_demo_copy(target, built_warehouses) -> str:
    """`target`'s warehouse holding a copy of the built demo (see copy_of_the_built_demo)."""
    copy_of_the_built_demo(target, built_warehouses)
    return target


def _fake_aws_credentials(monkeypatch, **more: str) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        **more,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def s3(monkeypatch):
    """A moto S3 behind fake credentials; nothing leaves the machine."""
    from moto import mock_aws

    _fake_aws_credentials(monkeypatch)
    with mock_aws():
        import boto3

        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def aws(monkeypatch):
    """All of AWS in moto behind fake credentials, without moto's default AMIs (their 1,300 snapshots would be the account's)."""
    from moto import mock_aws

    _fake_aws_credentials(monkeypatch, AWS_EC2_METADATA_DISABLED="true", MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    with mock_aws():
        yield


@pytest.fixture
def every_client(monkeypatch):
    """Callables run on every boto3 client made from now on (the real clients: a test registers its botocore
    event handlers on them)."""
    import boto3

    hooks = []
    make = boto3.session.Session.client

    def client(self, *args, **kwargs):
        made = make(self, *args, **kwargs)
        for hook in hooks:
            hook(made)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)
    return hooks


# The files that take minutes, longest first: `make test` hands whole files to its processes in collection
# order, so a long file met last would leave one process working alone at the end.
SLOW_FILES = (
    "test_spark_build.py",
    "test_untagged_resources.py",
    "test_rebuild.py",
    "test_diff.py",
    "test_incremental_build.py",
    "test_restatement.py",
    "test_inventory_scan.py",
    "test_discover.py",
    "test_spark_load.py",
    "test_formats.py",
    "test_cloudwatch_demo.py",
    "test_seed_validation.py",
    "test_hierarchy_history.py",
    "test_demo_end_to_end.py",
)


def pytest_collection_modifyitems(items) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))  # stable: each file keeps its order
