"""marts.resources, marts.untagged_resources and marts.compliance_summary, built from hand-made inventory scans
(landed by load_scan, as a real scan is) and a small CUR (inventory_estate.py), on both warehouses: every row
expected is computed here from what the test created."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import uuid
from collections import defaultdict

import pytest

from conftest import DEMO_END_DATE, _admin_connection, dbt_target_path
from expected import effective_cost, line_items, tag_verdict
from helpers import invoke, table_rows, warehouse_rows
from inventory_estate import (
    AS_OF,
    CUR_ONLY_VERDICTS,
    LEDGER_DB,
    RESOURCES,
    USAGE,
    VERDICTS,
    WINDOW_START,
    A,
    B,
    Verdict,
    listing_places,
    scan_one,
    scan_two,
    write_cur,
)
from sibyl.config import Settings
from sibyl.inventory.load import load_scan
from sibyl.inventory.scan import READ_COMPLETE, Scan
from sibyl.warehouse import connect

MARTS = {
    "untagged": "select cost_rank, resource_id, resource_type, account_id, region, source, missing_tags, invalid_tags, monthly_cost, "
    "billed_cost_30d, first_seen_at, last_seen_at, suggested_owner, suggested_owner_reason "
    "from marts.untagged_resources order by cost_rank",
    "resources": "select resource_id, account_id, region, resource_type, team, allocation_method, team_tag_value, service_tag_value, "
    "environment, is_compliant, missing_tags, invalid_tags, effective_cost_30d, billed_cost_30d, first_seen_at, last_seen_at, scan_id, "
    "is_carried_forward from marts.resources order by account_id, resource_id",
    "summary": "select scan_id, grain, account_id, team, resources_seen, resources_compliant, resources_carried_forward, compliant_pct, "
    "spend_30d, spend_compliant_pct, noncompliant_monthly_cost, previous_scan_id, previous_compliant_pct "
    "from marts.compliance_summary order by scan_id, grain, account_id, team",
}


def read_marts() -> dict[str, list[tuple]]:
    return {name: [_rounded(row) for row in warehouse_rows(sql)] for name, sql in MARTS.items()}


def _rounded(row: tuple) -> tuple:
    """Costs to the cent, percentages to 1e-6: what the tests compare."""
    return tuple(round(v, 6) if isinstance(v, float) else v for v in row)


def load(scan: Scan) -> None:
    with connect(Settings.from_env()) as wh:
        load_scan(wh, scan, source="test")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def estate(request, tmp_path_factory) -> dict[str, dict[str, list[tuple]]]:
    """The CUR and the first scan loaded and built, then the second scan: the marts after each, per warehouse.
    The warehouse stays selected for the module's tests (the reports read it)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SIBYL_TARGET", request.param)
        env.setenv("DBT_TARGET_PATH", dbt_target_path(tmp_path_factory, f"estate-{request.param}"))
        if request.param == "postgres":
            request.getfixturevalue("postgres_available")
            database = f"sibyl_test_estate_{uuid.uuid4().hex[:8]}"
            with _admin_connection() as con, con.cursor() as cur:
                cur.execute(f"create database {database}")
            env.setenv("PGDATABASE", database)
        else:
            env.setenv("SIBYL_DUCKDB_PATH", str(tmp_path_factory.mktemp("estate") / "warehouse.duckdb"))
        for path in write_cur(tmp_path_factory.mktemp("estate-cur")):
            invoke("load", "cur", str(path), check=True)
        marts = {}
        for phase, scan in (("first", scan_one()), ("second", scan_two())):
            load(scan)
            invoke("build", check=True)
            marts[phase] = read_marts()
        yield marts
    if request.param == "postgres":
        with _admin_connection() as con, con.cursor() as cur:
            cur.execute(f"drop database if exists {database} with (force)")


# What each phase's marts must hold, computed from the scans and the CUR lines.

SECOND_SCAN_VERDICTS = {**VERDICTS, "i-0badservice": Verdict(None, None, "search-ranking")}
CURRENT = {"first": list(RESOURCES), "second": [r for r in RESOURCES if r != "vol-0blankteam"]}
CARRIED_FORWARD = {"first": set(), "second": {LEDGER_DB}}  # its place's read failed in the second scan


def phase_scans(phase: str) -> list[Scan]:
    return [scan_one()] if phase == "first" else [scan_one(), scan_two()]


def seen_times(scans: list[Scan]) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """First and last start of the scans whose complete read listed each resource."""
    seen = defaultdict(list)
    for scan in scans:
        complete = {(r.account_id, r.region, r.resource_type) for r in scan.reads if r.status == READ_COMPLETE}
        for resource in scan.resources:
            if listing_places([resource]) <= complete:
                seen[resource.resource_id].append(scan.started_at)
    return {resource_id: (min(times), max(times)) for resource_id, times in seen.items()}


def cur_in_window() -> dict[str, dict]:
    """Per resource billed in the window: effective and billed cost there, first and last usage day, region."""
    found = {}
    for usage in USAGE:
        days = [d for d in usage.days() if d <= AS_OF]
        if any(d >= WINDOW_START for d in days):
            effective, billed = usage.window_costs()
            first, last = (dt.datetime.combine(d, dt.time()) for d in (min(days), max(days)))
            found[usage.resource_id] = {"effective": effective, "billed": billed, "first": first, "last": last, "region": usage.region}
    return found


def expected_untagged(phase: str, *, with_cur: bool = True) -> list[tuple]:
    verdicts = VERDICTS if phase == "first" else SECOND_SCAN_VERDICTS
    if not with_cur:  # only the CUR's attribution pointed to its owner; its account has none
        verdicts = {**verdicts, "i-0curtagged": dataclasses.replace(verdicts["i-0curtagged"], owner=None, reason=None)}
    seen, cur = seen_times(phase_scans(phase)), cur_in_window() if with_cur else {}
    rows = []
    for resource_id in CURRENT[phase]:
        resource, verdict, usage = RESOURCES[resource_id], verdicts[resource_id], cur.get(resource_id)
        if verdict.compliant:
            continue
        first, last = seen[resource_id]
        source = "both" if usage else "inventory"
        costs = (usage["effective"], usage["billed"]) if usage else (0.0, 0.0)
        rows.append((resource_id, resource.resource_type, resource.account_id, resource.region, source, verdict, *costs, first, last))
    for usage in USAGE:
        verdict, found = CUR_ONLY_VERDICTS.get(usage.resource_id), cur.get(usage.resource_id)
        if usage.resource_id not in RESOURCES and found and verdict:
            row = (usage.resource_id, None, usage.account, usage.region, "cur", verdict, found["effective"], found["billed"])
            rows.append((*row, found["first"], found["last"]))
    rows.sort(key=lambda r: (-round(r[6], 6), r[2], r[0]))
    return [
        _rounded((rank, rid, kind, account, region, source, v.missing, v.invalid, cost, billed, first, last, v.owner, v.reason))
        for rank, (rid, kind, account, region, source, v, cost, billed, first, last) in enumerate(rows, start=1)
    ]


def test_the_untagged_list_is_every_noncompliant_resource_with_its_cost_and_suggested_owner(estate):
    assert estate["first"]["untagged"] == expected_untagged("first")
    reasons = {row[-1] for row in estate["first"]["untagged"]}
    assert reasons == {"team_tag", "service_tag", "cur_attribution", "name", "account_owner", None}


def test_a_failed_read_keeps_its_places_last_complete_state_and_a_resource_missing_from_a_complete_read_is_gone(estate):
    first, second = estate["first"], estate["second"]

    assert second["untagged"] == expected_untagged("second")
    ledger = {row[0]: row for row in second["resources"]}[LEDGER_DB]
    # the denied place is neither emptied nor judged from the rows its failed read landed (tags fixed there)
    assert ledger[9:12] == (False, None, "team=paymnts")
    assert (ledger[16], ledger[17]) == ("scan-1", True)
    assert [row[0] for row in second["resources"]] == sorted(CURRENT["second"], key=lambda r: (RESOURCES[r].account_id, r))
    assert "vol-0blankteam" in {row[0] for row in first["resources"]}
    assert "i-0neverread" not in {row[0] for row in second["resources"] + second["untagged"]}


def test_a_resource_whose_cur_tags_changed_in_the_window_is_judged_by_its_latest_usage(estate):
    untagged = {row[1]: row for row in estate["first"]["untagged"]}

    assert "i-0curonly" not in untagged  # untagged at first, compliant since 5 November
    assert untagged["i-0curlost"][6:8] == ("service, environment", None)  # lost two tags on 10 November


def expected_resources(phase: str) -> list[tuple]:
    verdicts = VERDICTS if phase == "first" else SECOND_SCAN_VERDICTS
    seen, cur = seen_times(phase_scans(phase)), cur_in_window()
    rows = []
    for resource_id in CURRENT[phase]:
        resource, verdict, usage = RESOURCES[resource_id], verdicts[resource_id], cur.get(resource_id, {})
        first, last = seen[resource_id]
        scan = "scan-1" if phase == "first" or resource_id in CARRIED_FORWARD[phase] else "scan-2"
        costs = (usage.get("effective", 0.0), usage.get("billed", 0.0))
        rows.append(
            (resource_id, resource.account_id, verdict.team, verdict.compliant, verdict.missing, verdict.invalid, *costs, first, last, scan)
        )
    return sorted(_rounded(row) for row in rows)


def test_resources_hold_the_latest_state_with_owning_team_compliance_and_cost(estate):
    for phase in ("first", "second"):
        found = sorted((r[0], r[1], r[4], r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16]) for r in estate[phase]["resources"])
        assert found == expected_resources(phase), phase
    messy = {row[0]: row for row in estate["first"]["resources"]}["i-0messy"]
    assert messy[4:10] == ("payments-core", "team_tag", "payments-core", "payments-api", "production", True)
    bucket = {row[0]: row for row in estate["first"]["resources"]}["orphan-logs-bucket"]
    assert bucket[2:4] == ("eu-west-1", "s3:bucket")


def expected_summary() -> list[tuple]:
    """Per scan and grain: resources, compliant, carried forward, % compliant, spend, % spend compliant, non-compliant
    spend, and the previous scan's % compliant."""
    cur = cur_in_window()
    rows, previous = [], {}
    for phase, scan_id in (("first", "scan-1"), ("second", "scan-2")):
        verdicts = VERDICTS if phase == "first" else SECOND_SCAN_VERDICTS
        groups = defaultdict(list)
        for resource_id in CURRENT[phase]:
            verdict, account = verdicts[resource_id], RESOURCES[resource_id].account_id
            member = (verdict.compliant, resource_id in CARRIED_FORWARD[phase], cur.get(resource_id, {}).get("effective", 0.0))
            for key in (("overall", None, None), ("account", account, None), ("team", None, verdict.team)):
                groups[key].append(member)
        for (grain, account, team), members in groups.items():
            spend = sum(cost for _, _, cost in members)
            compliant_spend = sum(cost for compliant, _, cost in members if compliant)
            pct = 100 * sum(c for c, _, _ in members) / len(members)
            before = previous.get((grain, account, team))
            row = (scan_id, grain, account, team, len(members), sum(c for c, _, _ in members), sum(f for _, f, _ in members), pct, spend)
            row += (100 * compliant_spend / spend if spend else None, spend - compliant_spend, *(before or (None, None)))
            rows.append(_rounded(row))
            previous[(grain, account, team)] = (scan_id, pct)
    return sorted(rows, key=repr)


def test_compliance_summary_per_scan_overall_account_and_team_with_the_previous_scan(estate):
    assert sorted(estate["second"]["summary"], key=repr) == expected_summary()
    overall = {row[0]: row for row in estate["second"]["summary"] if row[1] == "overall"}
    assert overall["scan-1"][7] == 20.0 and overall["scan-2"][7] == round(300 / 9, 6)  # 2 of 10, then 3 of 9


# `sibyl report untagged` and `sibyl report compliance` read the warehouse the estate left (after the second scan).

JSON_COLUMNS = [
    "cost_rank",
    "account_id",
    "region",
    "resource_type",
    "resource_id",
    "source",
    "missing_tags",
    "invalid_tags",
    "monthly_cost",
    "billed_cost_30d",
    "suggested_owner",
    "suggested_owner_reason",
    "first_seen_at",
    "last_seen_at",
]


COSTS = ("monthly_cost", "billed_cost_30d")


def _as_report(row: tuple) -> dict:
    rank, rid, kind, account, region, source, missing, invalid, cost, billed, first, last, owner, reason = row
    values = [rank, account, region, kind, rid, source, missing, invalid, cost, billed, owner, reason, first.isoformat(), last.isoformat()]
    return dict(zip(JSON_COLUMNS, values, strict=True))


@pytest.mark.parametrize(
    "args, keep",
    [
        ([], lambda r: True),
        (["--min-cost", "9.10"], lambda r: r["monthly_cost"] >= 9.10),
        (["--account", B], lambda r: r["account_id"] == B),
        (["--team", "payments-core"], lambda r: r["suggested_owner"] == "payments-core"),
        (["--account", A, "--team", "checkout", "--min-cost", "1"], lambda r: r["account_id"] == A and r["suggested_owner"] == "checkout"),
    ],
    ids=["all", "min-cost", "account", "team", "all-filters"],
)
def test_report_untagged_filters_in_json(estate, args, keep):
    expected = [row for row in map(_as_report, expected_untagged("second")) if keep(row)]

    rows = json.loads(invoke("report", "untagged", *args, "--format", "json", check=True).stdout)

    assert [{k: round(v, 6) if isinstance(v, float) else v for k, v in row.items()} for row in rows] == expected
    assert expected, "each filter keeps some rows"


def test_report_untagged_as_csv_and_table(estate):
    expected = [_as_report(row) for row in expected_untagged("second") if row[3] == B]

    found = list(csv.DictReader(io.StringIO(invoke("report", "untagged", "--account", B, "--format", "csv", check=True).stdout)))
    title, table = table_rows(invoke("report", "untagged", "--account", B, check=True).stdout)

    assert [{**row, **{k: round(float(row[k]), 6) for k in COSTS}, "cost_rank": int(row["cost_rank"])} for row in found] == [
        {k: "" if v is None else v for k, v in row.items()} for row in expected
    ]
    assert title == "Non-compliant resources, most expensive first (monthly cost: the last 30 days of CUR effective cost)"
    assert [list(row) for row in table] == [JSON_COLUMNS] * len(expected)
    assert [(row["resource_id"], row["suggested_owner"]) for row in table] == [
        (r["resource_id"], r["suggested_owner"] or "") for r in expected
    ]
    assert [row["monthly_cost"] for row in table] == [f"{row['monthly_cost']:,.2f}" for row in expected]


def test_report_untagged_refuses_a_negative_minimum(estate):
    result = invoke("report", "untagged", "--min-cost", "-1")

    assert result.exit_code == 2
    assert "Invalid value for '--min-cost': -1.0 is not in the range x>=0." in result.output


def test_report_compliance_shows_the_latest_scan_with_the_previous_one(estate):
    expected = [row for row in expected_summary() if row[0] == "scan-2"]

    rows = json.loads(invoke("report", "compliance", "--format", "json", check=True).stdout)
    every_scan = json.loads(invoke("report", "compliance", "--all-scans", "--format", "json", check=True).stdout)
    _, table = table_rows(invoke("report", "compliance", check=True).stdout)

    assert [r["grain"] for r in rows] == ["overall"] + ["account"] * 2 + ["team"] * (len(expected) - 3)
    found = [(r["scan_id"], r["grain"], r["account_id"], r["team"], r["resources_seen"], r["resources_compliant"]) for r in rows]
    assert sorted(found, key=repr) == sorted((row[:6] for row in expected), key=repr)
    assert {r["scan_id"] for r in every_scan} == {"scan-1", "scan-2"}
    assert (table[0]["grain"], table[0]["compliant_pct"], table[0]["previous_compliant_pct"]) == ("overall", "33.3%", "20.0%")


def test_an_inventory_without_cur_builds_and_rebuilds_the_same(target):
    # a warehouse with neither source builds empty marts: test_rebuild.py
    load(scan_one())
    invoke("build", check=True)
    marts = read_marts()
    invoke("build", check=True)

    assert read_marts() == marts
    assert marts["untagged"] == expected_untagged("first", with_cur=False)
    assert {row[0] for row in marts["resources"]} == set(RESOURCES)


def demo_untagged(cur_root, as_of: dt.date) -> dict[tuple[str, str], tuple]:
    """From the demo CUR's files: each resource used in the 30 days to `as_of` whose latest line (by start, then tag set
    id, then line id) carries non-compliant tags -> (missing, invalid, effective cost in the window)."""
    start, latest, costs = as_of - dt.timedelta(days=29), {}, defaultdict(float)
    for row in line_items(cur_root):
        key = (row["line_item_usage_account_id"], row["line_item_resource_id"])
        if not key[1] or not start <= row["usage_date"] <= as_of:
            continue
        costs[key] += effective_cost(row)
        order = (row["line_item_usage_start_date"], cur_tag_set_id(row["tags"]), row["identity_line_item_id"])
        latest[key] = max(latest.get(key, (order, row["tags"])), (order, row["tags"]))
    verdicts = {key: tag_verdict(dict(tags)) for key, (_, tags) in latest.items()}
    return {key: (*verdict, round(costs[key], 2)) for key, verdict in verdicts.items() if verdict != (None, None)}


def cur_tag_set_id(tags: tuple[tuple[str, str], ...]) -> str:
    """The CUR loader's id of a line's tags: md5 over its sorted non-empty (key, value), a legacy Parquet key being the column."""
    return hashlib.md5("\x1e".join(f"{k}\x1f{v}" for k, v in sorted(tags) if v).encode()).hexdigest()


def test_from_the_cur_alone_the_list_is_every_resource_whose_latest_usage_is_noncompliant(built_target, demo_cur):
    rows = warehouse_rows("select account_id, resource_id, source, missing_tags, invalid_tags, monthly_cost from marts.untagged_resources")

    assert {(a, r): (m, i, round(c, 2)) for a, r, _, m, i, c in rows} == demo_untagged(demo_cur, DEMO_END_DATE - dt.timedelta(days=1))
    assert {source for _, _, source, *_ in rows} == {"cur"}
    assert warehouse_rows("select count(*) from marts.resources") == [(0,)]
    assert warehouse_rows("select count(*) from marts.compliance_summary") == [(0,)]
