"""The demo CUR generator and the organisation seeds, checked on the files they write.

Expected values are computed independently of the generator: files are read back with pyarrow,
csv and json (delivery_readers); tag keys and values are normalised by expected.py's plain-Python
re-implementation of the tag rules, not Sibyl's; column spellings are compared with the real AWS
files in reference-data when they are available.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import math
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import REFERENCE_DATA, needs_reference_data
from delivery_readers import csv_header_and_rows, data_files, file_totals, manifest_json, parquet_table
from expected import normalized_key, normalized_value
from sibyl.demo import organisation
from sibyl.demo.generate import FORMATS, generate_cur

END = dt.date(2026, 3, 15)  # usage through 2026-03-14: February closed, March month-to-date
MONTHS = 2
LINES = 6_000
SEED = 11
PERIOD_STARTS = ["20260201", "20260301"]
LINE_TYPES = {
    "Usage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "SavingsPlanUpfrontFee",
    "DiscountedUsage",
    "RIFee",
    "Fee",
    "Tax",
    "Credit",
    "Refund",
}


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, tuple[Path, list[Path]]]:
    """The same CUR in all three formats: {format: (bucket root, manifests)}."""
    out = {}
    for fmt in FORMATS:
        root = tmp_path_factory.mktemp(fmt)
        out[fmt] = (root, generate_cur(root, months=MONTHS, lines=LINES, seed=SEED, fmt=fmt, end_date=END))
    return out


@pytest.fixture(scope="module")
def larger(tmp_path_factory) -> pa.Table:
    """Two weeks of a bigger estate (~900 resources), for proportions and magnitudes."""
    root = tmp_path_factory.mktemp("larger")
    manifests = generate_cur(root, months=1, lines=25_000, seed=SEED, fmt="legacy-parquet", end_date=END)
    return parquet_table(data_files(manifests[0]))


@pytest.fixture(scope="module")
def legacy_parquet(generated) -> list[pa.Table]:
    manifests = generated["legacy-parquet"][1]
    return [parquet_table(data_files(m)) for m in manifests]


@pytest.fixture(scope="module")
def legacy_csv(generated) -> list[tuple[list[str], list[dict[str, str]]]]:
    manifests = generated["legacy-csv"][1]
    out = []
    for m in manifests:
        header, rows = None, []
        for f in data_files(m):
            h, r = csv_header_and_rows(f)
            header = header or h
            assert h == header
            rows += r
        out.append((header, rows))
    return out


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    directory = tmp_path_factory.mktemp("seeds")
    paths = organisation.write_seeds(directory)
    out = {}
    for p in paths:
        raw = p.read_bytes()
        assert b"\r" not in raw, f"{p.name} must use \\n line endings"
        raw.decode("utf-8")
        with p.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            out[p.stem] = (list(reader.fieldnames or []), list(reader))
    return out


# --- the organisation ---------------------------------------------------------------------------------------

SEED_HEADERS = {
    "business_groups": ["business_group", "description"],
    "business_units": ["business_unit", "business_group", "description"],
    "teams": ["team", "business_unit", "owner_email", "slack_channel", "valid_from"],
    "services": ["service", "team", "service_type", "repository_url", "documentation_url", "description", "valid_from"],
    "account_owners": ["account_id", "team", "valid_from"],
    "tag_rules": ["rule_name", "tag_key", "pattern", "normalized_key", "priority", "is_active"],
    "tag_value_aliases": ["normalized_key", "pattern", "normalized_value", "priority"],
    "resource_owners": ["match_type", "pattern", "team", "service", "note"],
}


def test_seed_files_have_the_documented_headers_and_sorted_rows(seeds):
    assert set(seeds) == set(SEED_HEADERS)
    for name, (header, rows) in seeds.items():
        assert header == SEED_HEADERS[name], name
        assert rows, name
        firsts = [r[header[0]] for r in rows]
        assert firsts == sorted(firsts), f"{name} is not sorted by {header[0]}"


def test_organisation_sizes(seeds):
    assert len(seeds["business_groups"][1]) >= 3
    assert len(seeds["business_units"][1]) >= 6
    assert len(seeds["teams"][1]) >= 20
    assert len(seeds["services"][1]) >= 30
    accounts = {a.account_id for a in organisation.ACCOUNTS}
    assert len(accounts) == len(organisation.ACCOUNTS) >= 10
    assert all(re.fullmatch(r"[0-9]{12}", a) for a in accounts)
    owned = {r["account_id"] for r in seeds["account_owners"][1]}
    assert owned and owned < accounts, "some accounts are owned by one team, some are shared"
    kebab = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
    assert all(kebab.fullmatch(r["team"]) for r in seeds["teams"][1])
    assert all(kebab.fullmatch(r["service"]) for r in seeds["services"][1])


def test_every_seed_parent_exists_and_keys_are_unique(seeds):
    groups = [r["business_group"] for r in seeds["business_groups"][1]]
    units = [r["business_unit"] for r in seeds["business_units"][1]]
    teams = [r["team"] for r in seeds["teams"][1]]
    services = [r["service"] for r in seeds["services"][1]]
    for keys in (
        groups,
        units,
        teams,
        services,
        [r["account_id"] for r in seeds["account_owners"][1]],
        [r["rule_name"] for r in seeds["tag_rules"][1]],
    ):
        assert len(keys) == len(set(keys))
    assert {r["business_group"] for r in seeds["business_units"][1]} <= set(groups)
    assert {r["business_unit"] for r in seeds["teams"][1]} <= set(units)
    assert {r["team"] for r in seeds["services"][1]} <= set(teams)
    assert {r["team"] for r in seeds["account_owners"][1]} <= set(teams)
    assert set(teams) == {r["team"] for r in seeds["services"][1]}, "every team runs at least one service"
    assert set(units) == {r["business_unit"] for r in seeds["teams"][1]}, "every unit has a team"
    for r in seeds["tag_value_aliases"][1]:
        if r["normalized_key"] == "team":
            assert r["normalized_value"] in teams, r
        if r["normalized_key"] == "service":
            assert r["normalized_value"] in services, r
    for r in seeds["teams"][1]:
        assert "@" in r["owner_email"] and r["slack_channel"].startswith("#")


def test_tag_rule_and_alias_regexes_compile_and_avoid_non_portable_syntax(seeds):
    rules = seeds["tag_rules"][1]
    assert {r["is_active"] for r in rules} == {"true", "false"}, "booleans as true/false, one rule inactive"
    assert {r["normalized_key"] for r in rules if r["is_active"] == "true"} >= {"team", "service", "environment"}
    for r in rules + seeds["tag_value_aliases"][1]:
        assert r.get("tag_key") or r["pattern"], r
        if r["pattern"]:
            re.compile(r["pattern"])
            # RE2 and PostgreSQL POSIX share no lookarounds, backreferences or \d-style classes
            assert not re.search(r"\(\?|\\[dDwWsSb0-9]", r["pattern"]), r["pattern"]
        int(r["priority"])


# --- layout, manifests, counts ----------------------------------------------------------------------------


def test_legacy_layout_and_manifests(generated):
    for fmt in ("legacy-parquet", "legacy-csv"):
        root, manifests = generated[fmt]
        assert len(manifests) == MONTHS
        for manifest, start in zip(manifests, PERIOD_STARTS, strict=True):
            m = manifest_json(manifest)
            label = manifest.parent.name
            assert label.startswith(start) and re.fullmatch(r"[0-9]{8}-[0-9]{8}", label)
            assert manifest.relative_to(root).parts[:2] == ("cur", "sibyl-demo")
            assert manifest.name == "sibyl-demo-Manifest.json"
            assert m["billingPeriod"]["start"] == f"{start}T000000.000Z"
            assert m["billingPeriod"]["end"] == f"{label[9:]}T000000.000Z"
            assert m["reportName"] == "sibyl-demo" and m["account"] == organisation.PAYER_ACCOUNT_ID
            assert {
                "assemblyId",
                "columns",
                "charset",
                "compression",
                "contentType",
                "reportId",
                "bucket",
                "reportKeys",
                "additionalArtifactKeys",
            } <= set(m)
            assembly = manifest.parent / m["assemblyId"]
            assert (assembly / manifest.name).read_bytes() == manifest.read_bytes(), "assembly copy of the manifest"
            for key in m["reportKeys"]:
                assert key.startswith(f"cur/sibyl-demo/{label}/{m['assemblyId']}/")
            files = data_files(manifest)
            assert [f.relative_to(root).as_posix() for f in files] == m["reportKeys"], "keys are paths under the bucket"
            assert files and all(f.is_file() for f in files)
            on_disk = sorted(p for p in assembly.iterdir() if not p.name.endswith(".json"))
            assert on_disk == sorted(files), "every data file is named by the manifest"
            if fmt == "legacy-csv":
                assert (m["compression"], m["contentType"]) == ("GZIP", "text/csv")
                assert [f.name for f in files] == [f"sibyl-demo-{i}.csv.gz" for i in range(1, len(files) + 1)]
            else:
                assert (m["compression"], m["contentType"]) == ("Parquet", "Parquet")
                assert [f.name for f in files] == [f"sibyl-demo-{i:05d}.snappy.parquet" for i in range(1, len(files) + 1)]


def test_cur2_layout_and_manifests(generated):
    root, manifests = generated["cur2-parquet"]
    assert [m.parent.name for m in manifests] == ["BILLING_PERIOD=2026-02", "BILLING_PERIOD=2026-03"]
    for manifest in manifests:
        assert manifest.relative_to(root).parts[:3] == ("cur", "sibyl-demo", "metadata")
        m = manifest_json(manifest)
        assert {
            "assemblyId",
            "account",
            "columns",
            "charset",
            "compression",
            "contentType",
            "reportId",
            "reportName",
            "executionId",
            "exportArn",
            "dataFiles",
            "timeFormat",
            "finalized",
        } <= set(m)
        files = data_files(manifest)
        assert [f"s3://{m['bucket']}/{f.relative_to(root).as_posix()}" for f in files] == m["dataFiles"], "URLs under the bucket"
        data_dir = root / "cur" / "sibyl-demo" / "data" / manifest.parent.name
        assert sorted(files) == sorted(data_dir.iterdir())
        assert [f.name for f in files] == [f"sibyl-demo-{i:05d}.snappy.parquet" for i in range(1, len(files) + 1)]
        names = [c["name"] for c in m["columns"]]
        assert names == pq.ParquetFile(files[0]).schema_arrow.names
    assert [manifest_json(m)["finalized"] for m in manifests] == [True, False]


def test_row_counts_match_the_files_and_the_request(generated, legacy_csv):
    counts = {"legacy-csv": [len(rows) for _, rows in legacy_csv]}
    for fmt in ("legacy-parquet", "cur2-parquet"):
        manifests = generated[fmt][1]
        counts[fmt] = [sum(pq.ParquetFile(f).metadata.num_rows for f in data_files(m)) for m in manifests]
    assert counts["legacy-csv"] == counts["legacy-parquet"] == counts["cur2-parquet"], counts
    total = sum(counts["legacy-csv"])
    assert abs(total - LINES) <= LINES * 0.01, total


def test_large_periods_are_split_into_several_files(tmp_path, monkeypatch):
    from sibyl.demo import writers

    monkeypatch.setattr(writers, "MAX_ROWS_PER_FILE", 700)
    for fmt in FORMATS:
        root = tmp_path / fmt
        manifests = generate_cur(root, months=1, lines=2_000, seed=3, fmt=fmt, end_date=dt.date(2026, 5, 1))
        files = data_files(manifests[0])
        counts = [len(csv_header_and_rows(f)[1]) if fmt == "legacy-csv" else pq.ParquetFile(f).metadata.num_rows for f in files]
        assert len(files) >= 3 and all(c <= 700 for c in counts), counts
        assert abs(sum(counts) - 2_000) <= 20


# --- determinism ----------------------------------------------------------------------------------------------


def _data_bytes(root: Path, manifests: list[Path]) -> dict[str, bytes]:
    return {f.relative_to(root).as_posix(): f.read_bytes() for m in manifests for f in data_files(m)}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(generated, tmp_path):
    for fmt in FORMATS:
        root, manifests = generated[fmt]
        again = generate_cur(tmp_path / fmt, months=MONTHS, lines=LINES, seed=SEED, fmt=fmt, end_date=END)
        assert _data_bytes(root, manifests) == _data_bytes(tmp_path / fmt, again)
        assert [m.read_bytes() for m in manifests] == [m.read_bytes() for m in again]
    other = generate_cur(tmp_path / "other", months=MONTHS, lines=LINES, seed=SEED + 1, fmt="legacy-parquet", end_date=END)
    root, manifests = generated["legacy-parquet"]
    mine, theirs = _data_bytes(root, manifests), _data_bytes(tmp_path / "other", other)
    assert len(mine) == len(theirs) and all(a != b for a, b in zip(mine.values(), theirs.values(), strict=True))


def test_output_does_not_depend_on_the_process(generated, tmp_path):
    """Another interpreter, another hash seed: the same bytes."""
    root, manifests = generated["legacy-csv"]
    code = (
        "import datetime as dt, sys; from pathlib import Path; from sibyl.demo.generate import generate_cur; "
        f"generate_cur(Path(sys.argv[1]), months={MONTHS}, lines={LINES}, seed={SEED}, fmt='legacy-csv', "
        f"end_date=dt.date({END.year}, {END.month}, {END.day}))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env)
    again = sorted((tmp_path / "cur" / "sibyl-demo").glob("*/sibyl-demo-Manifest.json"))
    assert _data_bytes(root, manifests) == _data_bytes(tmp_path, again)


# --- the three formats hold the same CUR --------------------------------------------------------------------


def test_all_formats_hold_the_same_cost_and_rows(generated, legacy_csv, legacy_parquet):
    per_format = {
        "legacy-csv": [(round(sum(float(r["lineItem/UnblendedCost"]) for r in rows), 2), len(rows)) for _, rows in legacy_csv],
        "legacy-parquet": [(round(pc.sum(t["line_item_unblended_cost"]).as_py(), 2), t.num_rows) for t in legacy_parquet],
    }
    manifests = generated["cur2-parquet"][1]
    per_format["cur2-parquet"] = [(round(c, 2), n) for n, c in (file_totals(data_files(m)) for m in manifests)]
    assert per_format["legacy-csv"] == per_format["legacy-parquet"] == per_format["cur2-parquet"], per_format
    totals = {fmt: round(sum(c for c, _ in v), 2) for fmt, v in per_format.items()}
    assert len(set(totals.values())) == 1 and next(iter(totals.values())) > 0, totals


# --- calendar ------------------------------------------------------------------------------------------------------


def test_last_period_is_month_to_date_and_earlier_ones_complete(legacy_parquet):
    day = dt.timedelta(days=1)
    for table, start in zip(legacy_parquet, PERIOD_STARTS, strict=True):
        first = dt.datetime.strptime(start, "%Y%m%d")
        usage = table.filter(pc.is_in(table["line_item_line_item_type"], pa.array(["Usage", "DiscountedUsage"])))
        days = {d.date() for d in pc.floor_temporal(usage["line_item_usage_start_date"], unit="day").to_pylist()}
        assert min(days) == first.date()
        if start != PERIOD_STARTS[-1]:
            nxt = (first + dt.timedelta(days=32)).replace(day=1).date()
            assert max(days) == nxt - day and len(days) == (nxt - first.date()).days
        else:
            assert max(days) == END - day
            assert max(usage["line_item_usage_end_date"].to_pylist()) == dt.datetime(END.year, END.month, END.day)
        monthly = table.filter(pc.is_in(table["line_item_line_item_type"], pa.array(["Tax", "RIFee"])))
        assert set(monthly["line_item_usage_start_date"].to_pylist()) == {first}
        assert set(monthly["line_item_usage_end_date"].to_pylist()) == set(table["bill_billing_period_end_date"].to_pylist())
    intervals = {s.split("/")[0][:10] for s in legacy_parquet[-1]["identity_time_interval"].to_pylist()}
    assert max(intervals) == (END - day).isoformat()


# --- line items -------------------------------------------------------------------------------------------------------


def test_every_line_item_type_is_present(legacy_parquet, legacy_csv):
    seen = set()
    for table in legacy_parquet:
        seen |= set(table["line_item_line_item_type"].to_pylist())
    assert seen == LINE_TYPES
    assert {r["lineItem/LineItemType"] for _, rows in legacy_csv for r in rows} == LINE_TYPES


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_line_items_follow_aws_semantics(legacy_parquet):
    upfront_fees = 0
    for table in legacy_parquet:
        rows = table.to_pylist()
        start = rows[0]["bill_billing_period_start_date"]
        end = rows[0]["bill_billing_period_end_date"]
        covered = defaultdict(float)
        negated = defaultdict(float)
        usage_accounts, taxed_accounts = set(), set()
        for r in rows:
            t = r["line_item_line_item_type"]
            cost = r["line_item_unblended_cost"]
            assert r["line_item_currency_code"] == "USD"
            if t == "Usage":
                assert close(cost, r["pricing_public_on_demand_cost"]) and cost >= 0
                usage_accounts.add(r["line_item_usage_account_id"])
            elif t == "SavingsPlanCoveredUsage":
                assert r["savings_plan_savings_plan_a_r_n"].startswith("arn:aws:savingsplans::")
                assert close(cost, r["pricing_public_on_demand_cost"])
                assert 0 < r["savings_plan_savings_plan_effective_cost"] < cost
                covered[(r["line_item_resource_id"], r["identity_time_interval"])] += cost
            elif t == "SavingsPlanNegation":
                assert r["savings_plan_savings_plan_a_r_n"] and cost <= 0
                negated[(r["line_item_resource_id"], r["identity_time_interval"])] += cost
            elif t == "SavingsPlanRecurringFee":
                assert r["savings_plan_total_commitment_to_date"] > 0
                assert 0 <= r["savings_plan_used_commitment"] <= r["savings_plan_total_commitment_to_date"] + 1e-9
                assert r["savings_plan_savings_plan_a_r_n"]
            elif t == "SavingsPlanUpfrontFee":
                upfront_fees += 1
                assert cost > 0 and r["bill_bill_type"] == "Purchase" and r["savings_plan_savings_plan_a_r_n"]
            elif t == "DiscountedUsage":
                assert cost == 0 and r["reservation_reservation_a_r_n"]
                assert r["reservation_effective_cost"] > 0 and r["pricing_public_on_demand_cost"] > r["reservation_effective_cost"]
            elif t == "RIFee":
                assert cost > 0 and r["reservation_reservation_a_r_n"]
                for c in (
                    "reservation_unused_quantity",
                    "reservation_unused_recurring_fee",
                    "reservation_unused_amortized_upfront_fee_for_billing_period",
                    "reservation_amortized_upfront_fee_for_billing_period",
                ):
                    assert r[c] is not None and r[c] >= 0, c
            elif t == "Fee":
                assert cost > 0 and r["reservation_reservation_a_r_n"] and r["bill_bill_type"] == "Purchase"
            elif t == "Tax":
                assert r["line_item_tax_type"] and cost >= 0
                assert (r["line_item_usage_start_date"], r["line_item_usage_end_date"]) == (start, end)
                taxed_accounts.add(r["line_item_usage_account_id"])
            elif t in ("Credit", "Refund"):
                assert cost < 0
        assert covered and set(covered) == set(negated)
        assert all(close(covered[k], -negated[k]) for k in covered)
        assert usage_accounts <= taxed_accounts, "one or more Tax lines per account per period"
    assert upfront_fees == 1


def test_costs_are_dominated_by_usage(larger):
    usage = other = 0.0
    for t, c in zip(larger["line_item_line_item_type"].to_pylist(), larger["line_item_unblended_cost"].to_pylist(), strict=True):
        if t in ("Usage", "SavingsPlanCoveredUsage"):
            usage += c
        elif t != "SavingsPlanNegation":  # negations only cancel covered usage
            other += abs(c)
    assert usage > 3 * other, (usage, other)
    monthly = usage / 14 * 30
    assert 20_000 < monthly < 2_000_000, monthly


def test_line_item_ids_look_like_aws_ids_and_are_unique_per_interval(legacy_parquet):
    seen_per_id = defaultdict(set)
    for table in legacy_parquet:
        pairs = list(zip(table["identity_line_item_id"].to_pylist(), table["identity_time_interval"].to_pylist(), strict=True))
        assert len(pairs) == len(set(pairs))
        for i, interval in pairs:
            assert re.fullmatch(r"[a-z2-7]{51}[aq]", i), i
            seen_per_id[i].add(interval)
    assert any(len(v) > 1 for v in seen_per_id.values()), "a few ids repeat across intervals, as in real CURs"


def test_time_interval_and_timestamps_are_spelt_as_aws_does(legacy_parquet, legacy_csv):
    for s in legacy_parquet[0]["identity_time_interval"].to_pylist()[:50]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z/\d{4}-\d\d-\d\dT00:00:00Z", s)
    _, rows = legacy_csv[0]
    for r in rows[:50]:
        for c in ("bill/BillingPeriodStartDate", "lineItem/UsageStartDate", "lineItem/UsageEndDate"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00\.000Z", r[c]), r[c]
        assert re.fullmatch(r"-?\d+\.\d+(E-?\d+)?", r["lineItem/UnblendedCost"]), r["lineItem/UnblendedCost"]


def test_csv_quotes_only_what_needs_quoting(generated):
    manifests = generated["legacy-csv"][1]
    with gzip.open(data_files(manifests[0])[0], "rt", encoding="utf-8", newline="") as fh:
        head = [next(fh) for _ in range(20)]
    assert '"' not in head[0] and head[0].startswith("identity/LineItemId,identity/TimeInterval,")
    assert all(line.endswith("\n") and not line.endswith("\r\n") for line in head)
    assert all('"Amazon Web Services, Inc."' in line for line in head[1:])
    assert not any('"AWS"' in line or '"USD"' in line for line in head[1:])


# --- columns, types and tags ---------------------------------------------------------------------------------------


def test_parquet_physical_types(generated):
    manifests = generated["legacy-parquet"][1]
    f = pq.ParquetFile(data_files(manifests[0])[0])
    schema = f.schema_arrow
    for c in ("bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_start_date", "line_item_usage_end_date"):
        assert schema.field(c).type == pa.timestamp("ms"), c
    for c in (
        "line_item_unblended_cost",
        "line_item_usage_amount",
        "pricing_public_on_demand_cost",
        "savings_plan_savings_plan_effective_cost",
        "reservation_effective_cost",
    ):
        assert schema.field(c).type == pa.float64(), c
    for c in (
        "identity_line_item_id",
        "line_item_usage_account_id",
        "line_item_unblended_rate",
        "pricing_public_on_demand_rate",
        "reservation_reservation_a_r_n",
        "resource_tags_user_team",
    ):
        assert schema.field(c).type == pa.string(), c
    assert b"ARROW:schema" not in (f.schema_arrow.metadata or {}), "no Arrow schema embedded, as in AWS's files"
    cur2 = pq.ParquetFile(data_files(generated["cur2-parquet"][1][0])[0]).schema_arrow
    assert cur2.field("resource_tags").type == pa.map_(pa.string(), pa.string())
    assert cur2.field("product").type == pa.map_(pa.string(), pa.string())
    assert cur2.field("cost_category").type == pa.map_(pa.string(), pa.string())
    assert cur2.field("discount").type == pa.map_(pa.string(), pa.float64())
    assert cur2.field("line_item_usage_start_date").type == pa.timestamp("ms")


@needs_reference_data
def test_parquet_physical_types_match_the_real_placeholder(generated):
    manifests = generated["legacy-parquet"][1]
    f = pq.ParquetFile(data_files(manifests[0])[0])
    placeholder = pq.ParquetFile(REFERENCE_DATA / "cudos-placeholder" / "placeholder.parquet")
    real = {placeholder.schema.column(i).name: placeholder.schema.column(i).physical_type for i in range(len(placeholder.schema))}
    ours = {f.schema.column(i).name: f.schema.column(i).physical_type for i in range(len(f.schema))}
    shared = set(real) & set(ours)
    assert len(shared) >= 30
    assert {c: ours[c] for c in shared} == {c: real[c] for c in shared}


@needs_reference_data
def test_column_spellings_match_real_aws_files(legacy_csv, legacy_parquet):
    ref = REFERENCE_DATA
    csv_headers = set()
    for f in (
        ref / "focus-converters" / "sample-anonymous-aws-export-dataset.csv",
        ref / "koku" / "masu-test-data" / "aws" / "2023-06-01.csv",
    ):
        with f.open(encoding="utf-8", newline="") as fh:
            csv_headers |= set(next(csv.reader(fh)))
    for f in [ref / "koku" / "masu-test-data" / "test_cur.csv.gz", *ref.glob("koku/local-bucket/**/*.csv.gz")]:
        with gzip.open(f, "rt", encoding="utf-8", newline="") as fh:
            csv_headers |= set(next(csv.reader(fh)))
    with (ref / "koku" / "masu-test-data" / "aws" / "2022-07-01-alt-columns.csv").open(encoding="utf-8") as fh:
        snake = set(next(csv.reader(fh)))
    snake |= set(pq.ParquetFile(ref / "cudos-placeholder" / "placeholder.parquet").schema_arrow.names)

    ours_csv = {h for header, _ in legacy_csv for h in header}
    categories = ("identity/", "bill/", "lineItem/", "pricing/", "reservation/", "savingsPlan/")
    fixed_csv = {h for h in ours_csv if h.startswith(categories)}
    # the reference CSVs only have a garbled `pricing/OfferingClasspricing/PurchaseOption`
    assert fixed_csv - csv_headers <= {"pricing/OfferingClass", "pricing/PurchaseOption"}
    ours_snake = {c for t in legacy_parquet for c in t.column_names}
    fixed_snake = {c for c in ours_snake if c.startswith(("identity_", "bill_", "line_item_", "pricing_", "reservation_", "savings_plan_"))}
    assert fixed_snake <= snake, fixed_snake - snake
    assert "resource_tags_aws_created_by" in ours_snake and "resource_tags_aws_created_by" in snake


# Tag keys no rule is meant to name, as expected.normalized_key spells them: names, cost centres, AWS's own.
UNRULED_KEYS = {"name", "cost_center", "costcenter", "owner", "aws:created_by", "aws:createdby", "aws_created_by"}


def rule_key(source_key: str) -> str | None:
    """The key a tag rule names `source_key` by; None for a key no rule is meant to name."""
    key, priority = normalized_key(source_key)
    if priority:
        return key
    return None if key in UNRULED_KEYS else f"<unmatched {source_key}>"


def test_tag_key_spellings_vary_and_all_normalise(generated, legacy_csv, legacy_parquet):
    csv_keys = {h[len("resourceTags/") :] for header, _ in legacy_csv for h in header if h.startswith("resourceTags/")}
    assert {
        "user:team",
        "user:Team",
        "user:TEAM",
        "user:team_name",
        "user:team-name",
        "user:owner-team",
        "user:service",
        "user:Service",
        "user:app",
        "user:App",
        "user:application",
        "user:environment",
        "user:Environment",
        "user:env",
        "user:Env",
        "user:ENV",
        "user:stage",
        "aws:createdBy",
    } <= csv_keys
    parquet_keys = {c for t in legacy_parquet for c in t.column_names if c.startswith("resource_tags_")}
    assert {
        "resource_tags_user_team",
        "resource_tags_user_t_e_a_m",
        "resource_tags_user_team_name",
        "resource_tags_user_owner_team",
        "resource_tags_user_e_n_v",
        "resource_tags_user_cost_center",
        "resource_tags_aws_created_by",
    } <= parquet_keys
    assert "resource_tags_user_Team" not in parquet_keys and "resource_tags_user_team-name" not in parquet_keys
    manifests = generated["cur2-parquet"][1]
    cur2_keys = set()
    for m in manifests:
        for f in data_files(m):
            tags = pq.read_table(f, columns=["resource_tags"]).column(0).combine_chunks()
            cur2_keys |= set(pc.unique(tags.keys).to_pylist())
    assert {"user_team", "user_t_e_a_m", "user_team_name", "user_service", "user_environment", "user_e_n_v", "aws_created_by"} <= cur2_keys
    assert not any(k != k.lower() or "-" in k or ":" in k for k in cur2_keys)
    for key in csv_keys | parquet_keys | cur2_keys:
        normalised = rule_key(key)
        assert normalised in (None, "team", "service", "environment"), (key, normalised)


def test_team_values_resolve_through_aliases_except_unknown_teams(seeds, legacy_csv):
    teams = {r["team"] for r in seeds["teams"][1]}
    raw_values = set()
    for header, rows in legacy_csv:
        team_columns = [h for h in header if h.startswith("resourceTags/") and rule_key(h[len("resourceTags/") :]) == "team"]
        for r in rows:
            raw_values |= {r[h] for h in team_columns if r[h]}
    resolved, unknown = {}, set()
    for raw in raw_values:
        value = normalized_value("team", raw)
        resolved[raw] = value
        if value not in teams:
            unknown.add(value)
    messy = {raw for raw, value in resolved.items() if raw != value}
    assert {"Payments", "PAY", " checkout "} <= messy and len(messy) >= 8
    assert any(raw.strip().lower() != value for raw, value in resolved.items()), "some values need an alias"
    assert unknown and unknown <= set(organisation.UNKNOWN_TEAM_VALUES), unknown


def test_untagged_resources_exist_in_owned_and_shared_accounts(seeds, legacy_csv):
    owned = {r["account_id"] for r in seeds["account_owners"][1]}
    header, rows = legacy_csv[0]
    user_tags = [h for h in header if h.startswith("resourceTags/user:")]
    untagged_accounts = {
        r["lineItem/UsageAccountId"]
        for r in rows
        if r["lineItem/LineItemType"] == "Usage" and r["lineItem/ResourceId"] and not any(r[h] for h in user_tags)
    }
    assert untagged_accounts & owned and untagged_accounts - owned


def test_tag_profiles_are_in_the_advertised_proportions(larger):
    usage = larger.filter(pc.equal(larger["line_item_line_item_type"], "Usage"))
    by_column = {c: rule_key(c) for c in usage.column_names if c.startswith("resource_tags_user_")}
    columns = {c: usage[c].to_pylist() for c in by_column}
    profile = {}
    for i, rid in enumerate(usage["line_item_resource_id"].to_pylist()):
        present = {by_column[c] for c in columns if columns[c][i] and by_column[c]}
        profile[rid] = "untagged" if not present else ("service-only" if present == {"service"} else "team")
    n = len(profile)
    share = {k: sum(v == k for v in profile.values()) / n for k in ("team", "service-only", "untagged")}
    assert n > 500
    assert 0.75 <= share["team"] <= 0.88, share
    assert 0.05 <= share["service-only"] <= 0.12, share
    assert 0.06 <= share["untagged"] <= 0.14, share


# --- arguments -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{"fmt": "focus"}, {"months": 0}, {"lines": 0}, {"report_name": "a/b"}])
def test_bad_arguments_are_refused(tmp_path, kwargs):
    with pytest.raises(ValueError):
        generate_cur(tmp_path, end_date=END, **kwargs)


# --- golden output ---------------------------------------------------------------------------------------------------

# SHA-256 of every file the generator and write_seeds write for a few fixed inputs, recorded from the
# generator before its refactoring: a change that is meant to keep the output must keep these bytes.
GOLDEN = Path(__file__).with_name("golden") / "demo_output_sha256.json"
GOLDEN_CASES = {
    "two-months-to-date": {"months": 2, "lines": 3_000, "seed": 11, "end_date": dt.date(2026, 3, 15)},
    "closed-quarter": {"months": 3, "lines": 4_000, "seed": 7, "end_date": dt.date(2026, 4, 1)},
    # small limits, so that days span several chunks, CSV slices and data files
    "small-files": {
        "months": 1,
        "lines": 2_000,
        "seed": 3,
        "end_date": dt.date(2026, 5, 1),
        "limits": {"MAX_ROWS_PER_FILE": 700, "CSV_SLICE_ROWS": 100, "CHUNK_ROWS": 64},
    },
}


def tree_digests(root: Path) -> dict[str, str]:
    """{path relative to root: SHA-256} of every file under root."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def golden_digests(tmp: Path, case: str, fmt: str, monkeypatch) -> dict[str, str]:
    from sibyl.demo import lines as lines_module
    from sibyl.demo import writers

    kwargs = dict(GOLDEN_CASES[case])
    for name, value in kwargs.pop("limits", {}).items():
        monkeypatch.setattr(lines_module if name == "CHUNK_ROWS" else writers, name, value)
    generate_cur(tmp, fmt=fmt, **kwargs)
    return tree_digests(tmp)


@pytest.mark.parametrize("case", list(GOLDEN_CASES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_output_matches_the_recorded_digests(tmp_path, monkeypatch, case, fmt):
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))[case][fmt]
    assert golden_digests(tmp_path, case, fmt, monkeypatch) == expected


def test_seeds_match_the_recorded_digests(tmp_path):
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))["seeds"]
    organisation.write_seeds(tmp_path)
    assert tree_digests(tmp_path) == expected
