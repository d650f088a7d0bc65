"""CloudWatch snapshots: overlapping windows land each datapoint once; a damaged or foreign file is refused in one
line and the warehouse holds what it held."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from helpers import invoke, warehouse_rows

T0 = 1_794_268_800  # 2026-11-10 00:00 UTC


def series(resource_id: str, hours: range, region: str = "us-east-1", statistic: str = "Average") -> dict:
    timestamps = [T0 + 3600 * h for h in hours]
    return {
        "account_id": "123456789012",
        "region": region,
        "resource_id": resource_id,
        "namespace": "AWS/EC2",
        "metric_name": "CPUUtilization",
        "statistic": statistic,
        "period_seconds": 3600,
        "unit": "Percent",
        "timestamps": timestamps,
        "values": [float(h) for h in hours],
    }


def write(path: Path, run_id: str, records: list[dict], *, version: int = 1, end: bool = True) -> Path:
    """A snapshot written line by line as the format says, without Sibyl's writer."""
    header = {"run_id": run_id, "started_at": "2026-11-15T01:00:00", "window_start": "2026-11-01T00:00:00"}
    header |= {"window_end": "2026-11-15T00:00:00", "period_seconds": 3600}
    lines = [{"format": "sibyl-cloudwatch-snapshot", "version": version, "run": header}, *records]
    places = {(r["series"]["account_id"], r["series"]["region"]) for r in records if "series" in r}
    lines += [{"read": {"account_id": a, "region": r, "status": "complete", "api_calls": 1}} for a, r in sorted(places)]
    if end:
        counts = {"reads": len(places), "series": len(records), "datapoints": sum(len(r["series"]["timestamps"]) for r in records)}
        lines.append({"end": {"finished_at": "2026-11-15T01:05:00", **counts}})
    with gzip.open(path, "wt") as out:
        out.writelines(json.dumps(line) + "\n" for line in lines)
    return path


def state() -> list[list[tuple]]:
    return [
        warehouse_rows("select count(*), sum(value) from raw.cloudwatch_metrics"),
        warehouse_rows("select run_id, status, datapoints_loaded from raw.cloudwatch_runs order by run_id"),
        warehouse_rows("select count(*) from raw.cloudwatch_reads"),
    ]


def test_overlapping_windows_land_each_datapoint_once(target, tmp_path):
    first = write(tmp_path / "a.jsonl.gz", "run-a", [{"series": series("i-0a", range(48))}])
    second = write(
        tmp_path / "b.jsonl.gz",
        "run-b",
        [{"series": series("i-0a", range(24, 72))}, {"series": series("i-0b", range(2), region="eu-west-1")}],
    )

    assert invoke("load", "cloudwatch", "--from-file", str(first)).exit_code == 0
    result = invoke("load", "cloudwatch", "--from-file", str(second))

    assert result.exit_code == 0, result.output
    assert "loaded 26 new datapoints of 2 series" in result.output
    assert warehouse_rows("select run_id, datapoints_fetched, datapoints_loaded from raw.cloudwatch_runs order by run_id") == [
        ("run-a", 48, 48),
        ("run-b", 50, 26),
    ]
    assert warehouse_rows(
        "select resource_id, count(*), count(distinct timestamp), min(timestamp), max(timestamp), sum(value) "
        "from raw.cloudwatch_metrics group by resource_id order by resource_id"
    ) == [
        ("i-0a", 72, 72, dt.datetime(2026, 11, 10), dt.datetime(2026, 11, 12, 23), float(sum(range(72)))),
        ("i-0b", 2, 2, dt.datetime(2026, 11, 10), dt.datetime(2026, 11, 10, 1), 1.0),
    ]
    assert warehouse_rows("select resource_id, last_timestamp, run_id from raw.cloudwatch_series order by resource_id") == [
        ("i-0a", dt.datetime(2026, 11, 12, 23), "run-b"),
        ("i-0b", dt.datetime(2026, 11, 10, 1), "run-b"),
    ]


def test_series_of_a_place_without_a_complete_read_are_not_kept(target, tmp_path):
    path = write(
        tmp_path / "a.jsonl.gz", "run-a", [{"series": series("i-0a", range(3))}, {"series": series("i-0b", range(3), "eu-west-1")}]
    )
    records = [json.loads(line) for line in lines_of(path)]
    for record in records:
        if record.get("read", {}).get("region") == "eu-west-1":
            record["read"] |= {"status": "failed", "error_code": "AccessDenied", "error_message": "denied"}
    rewrite(path, [json.dumps(record) + "\n" for record in records])

    result = invoke("load", "cloudwatch", "--from-file", str(path))

    assert result.exit_code == 0, result.output
    assert "could not read account 123456789012 in eu-west-1: AccessDenied: denied" in result.output
    assert warehouse_rows("select distinct resource_id from raw.cloudwatch_metrics") == [("i-0a",)]
    assert warehouse_rows("select status, datapoints_fetched, datapoints_loaded from raw.cloudwatch_runs") == [("partial", 6, 3)]
    assert warehouse_rows("select resource_id from raw.cloudwatch_series") == [("i-0a",)]


def lines_of(path: Path) -> list[str]:
    with gzip.open(path, "rt") as f:
        return f.read().splitlines(keepends=True)


def rewrite(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt") as out:
        out.writelines(lines)


def cut_short(path: Path) -> None:
    """The same file without its end line."""
    rewrite(path, lines_of(path)[:-1])


def truncated_bytes(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def fewer_records(path: Path) -> None:
    lines = lines_of(path)
    rewrite(path, [lines[0], *lines[2:]])


@pytest.mark.parametrize(
    "damage, expected",
    [
        (cut_short, "the snapshot is cut short (no end line): write it again with --to-file"),
        (fewer_records, "the snapshot is cut short (fewer records than its end line announces): write it again"),
        (truncated_bytes, "not a readable CloudWatch snapshot (EOFError: "),
    ],
    ids=["no-end-line", "fewer-records", "truncated-gzip"],
)
def test_a_damaged_snapshot_is_refused_and_nothing_is_loaded(target, tmp_path, damage, expected):
    assert (
        invoke(
            "load", "cloudwatch", "--from-file", str(write(tmp_path / "a.jsonl.gz", "run-a", [{"series": series("i-0a", range(5))}]))
        ).exit_code
        == 0
    )
    before = state()
    path = write(tmp_path / "b.jsonl.gz", "run-b", [{"series": series(f"i-0{n}", range(100))} for n in range(30)])
    damage(path)

    result = invoke("load", "cloudwatch", "--from-file", str(path))

    assert result.exit_code == 1
    [message] = result.output.splitlines()
    assert message.startswith(f"error: {path}: ")
    assert expected in message
    assert state() == before


@pytest.mark.parametrize(
    "header, expected",
    [
        (
            {"format": "sibyl-cloudwatch-snapshot", "version": 2},
            "CloudWatch snapshot version 2 is not one this Sibyl reads (1); load it with the Sibyl that wrote it, or fetch again",
        ),
        (
            {"format": "sibyl-inventory-snapshot", "version": 1},
            "not a Sibyl CloudWatch snapshot (its first line names no format 'sibyl-cloudwatch-snapshot')",
        ),
        (
            {"format": "sibyl-cloudwatch-snapshot", "version": 1, "run": {"run_id": "x; drop table raw.cloudwatch_runs"}},
            "run id 'x; drop table raw.cloudwatch_runs' is not one Sibyl writes (letters, digits, '-' and '_', at most 64)",
        ),
    ],
    ids=["unknown-version", "another-format", "unsafe-run-id"],
)
def test_a_snapshot_of_another_version_or_format_is_refused_in_one_line(target, tmp_path, header, expected):
    path = tmp_path / "x.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write(json.dumps(header) + "\n")

    result = invoke("load", "cloudwatch", "--from-file", str(path))

    assert result.exit_code == 1
    assert result.output == f"error: {path}: {expected}\n"
    assert warehouse_rows("select count(*) from information_schema.tables where table_name like 'cloudwatch%'") == [(0,)]


def test_a_series_with_unordered_timestamps_is_refused(target, tmp_path):
    bad = series("i-0a", range(3))
    bad["timestamps"] = bad["timestamps"][::-1]

    result = invoke("load", "cloudwatch", "--from-file", str(write(tmp_path / "a.jsonl.gz", "run-a", [{"series": bad}])))

    assert result.exit_code == 1
    assert (
        "series i-0a CPUUtilization Average: as many timestamps as values, timestamps whole seconds, ascending and unique" in result.output
    )
    assert warehouse_rows("select count(*) from information_schema.tables where table_name like 'cloudwatch%'") == [(0,)]


def test_options_that_shape_a_fetch_are_refused_with_from_file(tmp_path):
    result = invoke("load", "cloudwatch", "--from-file", str(tmp_path / "a.jsonl.gz"), "--days", "3", "--region", "eu-west-1")

    assert result.exit_code == 2
    assert result.output == "error: --from-file loads a snapshot as it was fetched: leave out --days, --region\n"
