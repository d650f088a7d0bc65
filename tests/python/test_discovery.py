"""Discovery of the layouts AWS writes: the legacy overwrite (Athena) layout, from a folder and from S3,
and `--billing-period` on a Data Exports tree."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import DEMO_END_DATE
from delivery_readers import file_totals
from helpers import invoke, loaded_by_period, warehouse_rows


@pytest.fixture(scope="session")
def monthly_parquet(tmp_path_factory) -> dict[str, list[Path]]:
    """Two deliveries' Parquet files of each month: {'v1': {...}, 'v2': {...}} keyed by (year, month)."""
    from sibyl.demo.generate import generate_cur

    root = tmp_path_factory.mktemp("athena")
    out = {}
    for version, seed, lines in (("v1", 41, 900), ("v2", 42, 1000)):
        generate_cur(root / version, months=2, lines=lines, seed=seed, fmt="legacy-parquet", end_date=DEMO_END_DATE)
        out[version] = {(int(f.parents[1].name[:4]), int(f.parents[1].name[4:6])): f for f in sorted((root / version).rglob("*.parquet"))}
    return out


def athena_tree(root: Path, files: dict[tuple[int, int], Path], written: dt.datetime) -> Path:
    """`<prefix>/<report>/<report>/year=YYYY/month=M/*.parquet`, plus the status table AWS keeps beside it."""
    table_dir = root / "cur" / "sibyl-demo" / "sibyl-demo"
    for (year, month), source in files.items():
        target = table_dir / f"year={year}" / f"month={month}" / "sibyl-demo-00001.snappy.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        stamp = written.replace(tzinfo=dt.UTC).timestamp()
        os.utime(target, (stamp, stamp))
    status = table_dir / "cost_and_usage_data_status" / "cost_and_usage_data_status.parquet"
    status.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"status": ["READY"]}), status)
    return root


def expected(files: dict[tuple[int, int], Path]) -> dict[str, tuple[int, float]]:
    out = {}
    for (year, month), path in files.items():
        rows, cost = file_totals([path])
        out[f"{year}-{month:02d}"] = (rows, pytest.approx(cost, abs=0.005))
    return out


def test_athena_layout_from_a_folder_detects_files_replaced_in_place(target, monthly_parquet, tmp_path):
    tree = athena_tree(tmp_path / "bucket", monthly_parquet["v1"], dt.datetime(2026, 11, 10, 6))

    first = invoke("load", "cur", str(tree))
    assert first.exit_code == 0, first.output
    assert loaded_by_period() == expected(monthly_parquet["v1"])
    assert invoke("load", "cur", str(tree)).output.count("already loaded, unchanged") == 2

    # AWS overwrites the current month's file in place with the restated one.
    latest = max(monthly_parquet["v1"])
    athena_tree(tmp_path / "bucket", {latest: monthly_parquet["v2"][latest]}, dt.datetime(2026, 11, 10, 18))
    restated = invoke("load", "cur", str(tree))

    assert restated.exit_code == 0, restated.output
    assert "already loaded, unchanged" in restated.output and "(replaced the previous delivery)" in restated.output
    assert loaded_by_period() == {**expected(monthly_parquet["v1"]), **expected({latest: monthly_parquet["v2"][latest]})}
    assert warehouse_rows("select distinct source from raw.cur_loads") == [(str(tree / "cur" / "sibyl-demo" / "sibyl-demo"),)]


def test_athena_layout_from_s3(target, monthly_parquet, tmp_path, s3):
    tree = athena_tree(tmp_path / "bucket", monthly_parquet["v1"], dt.datetime(2026, 11, 10, 6))
    s3.create_bucket(Bucket="athena-cur")
    for path in tree.rglob("*.parquet"):
        s3.put_object(Bucket="athena-cur", Key=path.relative_to(tree).as_posix(), Body=path.read_bytes())

    result = invoke("load", "cur", "s3://athena-cur/cur")

    assert result.exit_code == 0, result.output
    assert loaded_by_period() == expected(monthly_parquet["v1"])
    assert warehouse_rows("select distinct source from raw.cur_loads") == [("s3://athena-cur/cur/sibyl-demo/sibyl-demo",)]
    assert invoke("load", "cur", "s3://athena-cur/cur").output.count("already loaded, unchanged") == 2


def test_billing_period_limits_a_data_exports_load(target, tmp_path):
    from sibyl.demo.generate import generate_cur

    generate_cur(tmp_path / "exports", months=3, lines=600, seed=5, fmt="cur2-parquet", end_date=DEMO_END_DATE)

    result = invoke("load", "cur", str(tmp_path / "exports"), "--billing-period", "2026-10")

    assert result.exit_code == 0, result.output
    assert list(loaded_by_period()) == ["2026-10"]
    [(version,)] = warehouse_rows("select delivery_version from raw.cur_loads")
    manifest = tmp_path / "exports" / "cur" / "sibyl-demo" / "metadata" / "BILLING_PERIOD=2026-10" / "sibyl-demo-Manifest.json"
    assert f'"executionId": "{version}"' in manifest.read_text()


def test_a_manifest_naming_the_athena_files_makes_one_delivery_not_two(target, monthly_parquet, tmp_path):
    tree = athena_tree(tmp_path / "bucket", monthly_parquet["v1"], dt.datetime(2026, 11, 10, 6))
    latest = max(monthly_parquet["v1"])
    key = f"cur/sibyl-demo/sibyl-demo/year={latest[0]}/month={latest[1]}/sibyl-demo-00001.snappy.parquet"
    period_dir = tree / "cur" / "sibyl-demo" / f"{latest[0]}{latest[1]:02d}01-{latest[0]}{latest[1] + 1:02d}01"
    period_dir.mkdir(parents=True)
    (period_dir / "sibyl-demo-Manifest.json").write_text(json.dumps({"assemblyId": "athena-assembly-1", "reportKeys": [key]}))

    result = invoke("load", "cur", str(tree))

    assert result.exit_code == 0, result.output
    assert loaded_by_period() == expected(monthly_parquet["v1"])
    versions = {p.strftime("%Y-%m"): v for p, v in warehouse_rows("select billing_period, delivery_version from raw.cur_loads")}
    assert len(versions) == 2
    assert versions[f"{latest[0]}-{latest[1]:02d}"] == "athena-assembly-1"


def test_billing_period_skips_other_months_even_broken_ones(target, tmp_path):
    """Only the asked month's manifest is read: a broken manifest of another month does not stop it."""
    from sibyl.demo.generate import generate_cur

    generate_cur(tmp_path / "exports", months=2, lines=300, seed=6, fmt="cur2-parquet", end_date=DEMO_END_DATE)
    (tmp_path / "exports" / "cur" / "sibyl-demo" / "metadata" / "BILLING_PERIOD=2026-10" / "sibyl-demo-Manifest.json").write_text("{")

    assert invoke("load", "cur", str(tmp_path / "exports"), "--billing-period", "2026-11").exit_code == 0
    assert list(loaded_by_period()) == ["2026-11"]

    missing = invoke("load", "cur", str(tmp_path / "exports"), "--billing-period", "2025-01")

    assert missing.exit_code == 2
    assert missing.output.strip() == (
        f"error: no CUR delivery of 2025-01 under {tmp_path / 'exports'}: "
        "check the month, or leave out --billing-period to see what is there"
    )


def test_a_lone_s3_object_loads_and_is_restated_by_a_new_upload(target, monthly_parquet, s3):
    month = min(monthly_parquet["v1"])
    label = f"{month[0]}-{month[1]:02d}"
    s3.create_bucket(Bucket="lone-cur")
    url = "s3://lone-cur/exports/cur.parquet"

    s3.put_object(Bucket="lone-cur", Key="exports/cur.parquet", Body=monthly_parquet["v1"][month].read_bytes())
    first = invoke("load", "cur", url)
    again = invoke("load", "cur", url)
    s3.put_object(Bucket="lone-cur", Key="exports/cur.parquet", Body=monthly_parquet["v2"][month].read_bytes())
    restated = invoke("load", "cur", url)

    assert first.exit_code == 0, first.output
    assert f"already loaded, unchanged: {label} from {url}" in again.output
    assert restated.exit_code == 0, restated.output
    assert loaded_by_period() == expected({month: monthly_parquet["v2"][month]})
    assert warehouse_rows("select source, status from raw.cur_loads order by loaded_at") == [(url, "replaced"), (url, "published")]


def test_a_lone_s3_object_that_does_not_exist_is_one_line_exit_2(target, s3):
    s3.create_bucket(Bucket="lone-cur")
    s3.put_object(Bucket="lone-cur", Key="exports/cur.parquet.bak", Body=b"not this one")

    result = invoke("load", "cur", "s3://lone-cur/exports/cur.parquet")

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: s3://lone-cur/exports/cur.parquet does not exist: check the key, or give the prefix that holds the report"
    )
    if target == "duckdb":
        assert not Path(os.environ["SIBYL_DUCKDB_PATH"]).exists()
    else:
        assert warehouse_rows("select count(*) from information_schema.tables where table_schema = 'raw'") == [(0,)]
