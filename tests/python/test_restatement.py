"""Restatements: a newer delivery of a month replaces the loaded one; the same again changes nothing;
an older one (written before the loaded one, or already replaced) is ignored and said so, exit 0.
A built warehouse rebuilt after a restatement: test_incremental_build.py."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from conftest import DEMO_END_DATE
from delivery_readers import file_totals
from helpers import invoke, loaded_by_period, raw_state, warehouse_rows

WRITTEN_V1 = dt.datetime(2026, 11, 10, 6, 0, 0)
WRITTEN_V2 = dt.datetime(2026, 11, 10, 18, 0, 0)


@pytest.fixture(scope="session")
def two_deliveries(tmp_path_factory) -> dict[str, Path]:
    """Two deliveries of the same month of the same report: each an assembly folder and its manifest."""
    from sibyl.demo.generate import generate_cur

    root = tmp_path_factory.mktemp("restatement")
    out = {}
    for version, seed, lines in (("v1", 31, 400), ("v2", 32, 450)):
        [manifest] = generate_cur(root / version, months=1, lines=lines, seed=seed, fmt="legacy-parquet", end_date=DEMO_END_DATE)
        out[version] = manifest
    return out


@pytest.fixture
def report(two_deliveries, tmp_path) -> dict:
    """One report folder holding both assemblies; `point_to(version)` makes one of them current."""
    tree = tmp_path / "cur"
    shutil.copytree(two_deliveries["v1"].parents[2], tree / "cur")
    period_dir = tree / "cur" / "sibyl-demo" / two_deliveries["v1"].parent.name
    versions = {}
    for version, manifest in two_deliveries.items():
        assembly = next(p for p in manifest.parent.iterdir() if p.is_dir())
        shutil.copytree(assembly, period_dir / assembly.name, dirs_exist_ok=True)
        rows, cost = file_totals(sorted(assembly.glob("*.parquet")))
        versions[version] = {"assembly": assembly.name, "manifest": manifest.read_text(), "rows": rows, "cost": cost}
    set_written(period_dir, versions["v1"]["assembly"], WRITTEN_V1)
    set_written(period_dir, versions["v2"]["assembly"], WRITTEN_V2)

    def point_to(version: str) -> None:
        (period_dir / "sibyl-demo-Manifest.json").write_text(versions[version]["manifest"])

    month = f"{period_dir.name[:4]}-{period_dir.name[4:6]}"
    return {"tree": tree, "source": str(period_dir.parent), "period": period_dir.name, "month": month, "point_to": point_to, **versions}


def set_written(period_dir: Path, assembly: str, when: dt.datetime) -> None:
    stamp = when.replace(tzinfo=dt.UTC).timestamp()
    for path in (period_dir / assembly).iterdir():
        os.utime(path, (stamp, stamp))


def test_v1_then_v2_then_v2_again_then_v1(target, report):
    v1, v2 = report["v1"], report["v2"]
    assert v1["rows"] != v2["rows"]

    report["point_to"]("v1")
    assert invoke("load", "cur", str(report["tree"])).exit_code == 0
    assert loaded_by_period() == {report["month"]: (v1["rows"], pytest.approx(v1["cost"], abs=0.005))}

    report["point_to"]("v2")
    second = invoke("load", "cur", str(report["tree"]))
    assert second.exit_code == 0, second.output
    assert "(replaced the previous delivery)" in second.output
    assert loaded_by_period() == {report["month"]: (v2["rows"], pytest.approx(v2["cost"], abs=0.005))}
    assert warehouse_rows("select delivery_version, status, delivered_at from raw.cur_loads order by loaded_at") == [
        (v1["assembly"], "replaced", WRITTEN_V1),
        (v2["assembly"], "published", WRITTEN_V2),
    ]
    after_v2 = raw_state()

    again = invoke("load", "cur", str(report["tree"]))
    assert again.exit_code == 0
    assert again.output.startswith("already loaded, unchanged: 2026-11")
    assert raw_state() == after_v2

    report["point_to"]("v1")
    stale = invoke("load", "cur", str(report["tree"]))

    assert stale.exit_code == 0, stale.output
    assert stale.output.splitlines()[0] == (
        f"ignored 2026-11 from {report['source']}: delivery {v1['assembly']} (written 2026-11-10 06:00:00 UTC) "
        f"is older than the loaded {v2['assembly']}; kept it: {v2['rows']:,} line items, billed {v2['cost']:,.2f}"
    )
    assert raw_state() == after_v2


def test_an_older_delivery_never_loaded_is_ignored_by_its_time(target, report):
    report["point_to"]("v2")
    assert invoke("load", "cur", str(report["tree"])).exit_code == 0
    after_v2 = raw_state()

    report["point_to"]("v1")
    result = invoke("load", "cur", str(report["tree"]))

    assert result.exit_code == 0
    assert result.output.startswith(f"ignored 2026-11 from {report['source']}: delivery {report['v1']['assembly']}")
    assert raw_state() == after_v2


def test_a_replaced_delivery_copied_again_later_is_still_ignored(target, report):
    report["point_to"]("v1")
    assert invoke("load", "cur", str(report["tree"])).exit_code == 0
    report["point_to"]("v2")
    assert invoke("load", "cur", str(report["tree"])).exit_code == 0
    after_v2 = raw_state()
    # A stale copy of v1 arrives with fresh file times: its version was already replaced.
    set_written(Path(report["source"]) / report["period"], report["v1"]["assembly"], WRITTEN_V2 + dt.timedelta(days=1))
    report["point_to"]("v1")

    result = invoke("load", "cur", str(report["tree"]))

    assert result.exit_code == 0
    assert result.output.startswith("ignored 2026-11")
    assert raw_state() == after_v2


PARTITIONS = (
    "select c.relname::text, c.relkind::text, coalesce(pg_get_expr(c.relpartbound, c.oid), '') from pg_class c "
    "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'raw' and c.relname like 'cur_line_items%' "
    "and c.relkind in ('r', 'p') order by 1"
)


def test_on_postgres_a_restatement_swaps_the_months_partition(postgres_db, monkeypatch, report):
    monkeypatch.setenv("SIBYL_TARGET", "postgres")
    report["point_to"]("v1")
    assert invoke("load", "cur", str(report["tree"])).exit_code == 0
    [(v1_load,)] = warehouse_rows("select load_id from raw.cur_loads")
    report["point_to"]("v2")
    assert invoke("load", "cur", str(report["tree"])).exit_code == 0
    [(v2_load,)] = warehouse_rows("select load_id from raw.cur_loads where status = 'published'")

    assert warehouse_rows(PARTITIONS) == [
        ("cur_line_items", "p", ""),
        ("cur_line_items_2026_11", "p", "FOR VALUES IN ('2026-11-01')"),
        (f"cur_line_items_2026_11_{v2_load}", "r", f"FOR VALUES IN ('{v2_load}')"),
    ]
    assert v1_load != v2_load
    assert loaded_by_period() == {report["month"]: (report["v2"]["rows"], pytest.approx(report["v2"]["cost"], abs=0.005))}


def test_on_postgres_a_line_items_table_from_before_partitions_is_partitioned_keeping_every_row(postgres_db, monkeypatch, demo_cur, caplog):
    monkeypatch.setenv("SIBYL_TARGET", "postgres")
    assert invoke("load", "cur", str(demo_cur)).exit_code == 0
    loads = (
        "select load_id, billing_period, count(*), round(sum(line_item_unblended_cost)::numeric, 6) "
        "from raw.cur_line_items group by 1, 2 order by 2"
    )
    by_load = warehouse_rows(loads)
    _unpartition_line_items()  # as an earlier Sibyl left it, with a dbt view on it and a month without rows
    by_load.append(("0" * 32, dt.date(2026, 8, 1), 0, None))

    again = invoke("load", "cur", str(demo_cur))

    assert again.exit_code == 0, again.output
    assert "moving raw.cur_line_items (written before Sibyl partitioned it) into partitions" in caplog.text
    assert warehouse_rows(PARTITIONS)[0] == ("cur_line_items", "p", "")
    assert sorted(name for name, kind, _ in warehouse_rows(PARTITIONS) if kind == "r") == sorted(
        f"cur_line_items_{period:%Y_%m}_{load_id}" for load_id, period, _, _ in by_load
    )
    assert warehouse_rows(loads) == by_load[:-1]
    assert warehouse_rows("select count(*) from information_schema.views where table_name = 'stg_cur__line_items'") == [(0,)]


def _unpartition_line_items() -> None:
    import adbc_driver_postgresql.dbapi as adbc

    from conftest import postgres_uri

    with adbc.connect(postgres_uri(), autocommit=True) as con, con.cursor() as cur:
        cur.execute("create table raw.flat as select * from raw.cur_line_items")
        cur.execute("drop table raw.cur_line_items cascade")
        cur.execute("alter table raw.flat rename to cur_line_items")
        cur.execute("create schema staging")
        cur.execute("create view staging.stg_cur__line_items as select * from raw.cur_line_items")
        cur.execute(
            "insert into raw.cur_loads (load_id, source, billing_period, delivery_version, delivery_format, files, row_count, "
            f"billed_total, loaded_at, status) values ('{'0' * 32}', '/cur/empty.csv', date '2026-08-01', 'v1', 'csv', '[]', "
            "0, 0, now(), 'published')"
        )
