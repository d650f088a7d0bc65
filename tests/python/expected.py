"""Sibyl's attribution rules, re-implemented plainly in Python over the generated Parquet files and
the seed CSVs: the expected values of the end-to-end tests, computed without Sibyl's own code."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pyarrow.compute as pc

from delivery_readers import manifest_table, period_manifests

USER_PREFIXES = ("resource_tags_user_", "user:", "user_")
TEAM_CATEGORIES = {"Usage", "Purchase"}


def seed(name: str) -> list[dict[str, str]]:
    """A seed of the organisation the suite builds with (conftest's demo_seeds)."""
    with (Path(os.environ["SIBYL_SEEDS_DIR"]) / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def known_teams() -> set[str]:
    return {row["team"] for row in seed("teams")}


@cache
def normalized_key(source_key: str) -> tuple[str, int]:
    """(normalized key, priority of the rule that named it)."""
    key = source_key.strip().lower()
    if key.startswith("resource_tags_aws_"):
        key = "aws:" + key[len("resource_tags_aws_") :]
    else:
        for prefix in USER_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :]
                break
    matches = [
        rule
        for rule in seed("tag_rules")
        if rule["is_active"] == "true" and (key == rule["tag_key"].strip().lower() or (rule["pattern"] and re.search(rule["pattern"], key)))
    ]
    if not matches:
        return key, 0
    best = sorted(matches, key=lambda r: (-int(r["priority"]), r["rule_name"]))[0]
    return best["normalized_key"].strip().lower(), int(best["priority"])


@cache
def normalized_value(key: str, value: str) -> str:
    cleaned = value.strip().lower()
    matches = [a for a in seed("tag_value_aliases") if a["normalized_key"].strip().lower() == key and re.search(a["pattern"], cleaned)]
    if not matches:
        return cleaned
    return sorted(matches, key=lambda a: (-int(a["priority"]), a["pattern"]))[0]["normalized_value"]


def resolve_tags(tags: dict[str, str]) -> dict[str, str]:
    """Normalized key → value; two source keys for one key: higher rule priority, then first key, wins."""
    candidates = defaultdict(list)
    for source_key, value in tags.items():
        if value:
            key, priority = normalized_key(source_key)
            candidates[key].append((-priority, source_key, normalized_value(key, value)))
    return {key: sorted(options)[0][2] for key, options in candidates.items()}


def resource_owner(resource_id: str, usage_type: str) -> str | None:
    """The team resource_owners.csv gives a line item: a row naming its resource id, or whose regex
    matches its resource id (an ARN) or its usage type; a row naming a service gives the service's team."""
    services = {row["service"]: row["team"] for row in seed("services")}
    for row in seed("resource_owners"):
        subject = {"resource_id": None, "arn_pattern": resource_id, "usage_type_pattern": usage_type}[row["match_type"]]
        if (row["pattern"] == resource_id) if subject is None else bool(subject and re.search(row["pattern"], subject)):
            return row["team"] or services[row["service"]]
    return None


@cache
def owner(tag_items: tuple[tuple[str, str], ...], account: str, resource_id: str = "", usage_type: str = "") -> tuple[str, str]:
    """(team, allocation method) for a line item's tags, usage account, resource id and usage type."""
    tags = resolve_tags(dict(tag_items))
    teams = known_teams()
    services = {row["service"]: row["team"] for row in seed("services")}
    accounts = {row["account_id"]: row["team"] for row in seed("account_owners")}
    overridden = resource_owner(resource_id, usage_type)
    if overridden:
        return overridden, "resource_override"
    if tags.get("team") in teams:
        return tags["team"], "team_tag"
    if tags.get("service") in services:
        return services[tags["service"]], "service_tag"
    if account in accounts:
        return accounts[account], "account_owner"
    return "unallocated", "unallocated"


def line_item_owner(row: dict) -> tuple[str, str]:
    return owner(row["tags"], row["line_item_usage_account_id"], row["line_item_resource_id"] or "", row["line_item_usage_type"] or "")


def charge_category(line_item_type: str) -> str:
    if line_item_type in ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation"):
        return "Usage"
    if line_item_type in ("Fee", "RIFee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee"):
        return "Purchase"
    if line_item_type == "Tax":
        return "Tax"
    if line_item_type in ("Credit", "BundledDiscount", "Discount", "EdpDiscount", "PrivateRateDiscount", "SppDiscount"):
        return "Credit"
    return "Adjustment"


def effective_cost(row: dict) -> float:
    kind, unblended = row["line_item_line_item_type"], row["line_item_unblended_cost"]

    def value(name: str) -> float:
        return row.get(name) or 0.0  # a column may be absent or null

    if kind == "SavingsPlanCoveredUsage":
        return value("savings_plan_savings_plan_effective_cost")
    if kind == "SavingsPlanRecurringFee":
        return value("savings_plan_total_commitment_to_date") - value("savings_plan_used_commitment")
    if kind in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return 0.0
    if kind == "DiscountedUsage":
        return value("reservation_effective_cost")
    if kind == "RIFee":
        return value("reservation_unused_amortized_upfront_fee_for_billing_period") + value("reservation_unused_recurring_fee")
    if kind == "Fee" and row.get("reservation_reservation_a_r_n"):
        return 0.0
    return unblended


def line_items(cur_root: Path):
    """Every line item of the current deliveries as a dict, with its usage day."""
    for manifest in period_manifests(cur_root):
        table = manifest_table(manifest)
        days = pc.cast(table["line_item_usage_start_date"], "date32").to_pylist()
        tag_columns = [c for c in table.column_names if c.startswith("resource_tags_")]
        for day, row in zip(days, table.to_pylist(), strict=True):
            row["usage_date"] = day
            row["tags"] = tuple((c, row[c]) for c in tag_columns if row[c])
            yield row


def team_view_costs(cur_root: Path, start: dt.date, end: dt.date, basis: str = "effective") -> dict[str, float]:
    """Cost per team-view row (teams, `unallocated`, `(tax)`, `(credit)`, `(adjustment)`) between two days."""
    costs: dict[str, float] = defaultdict(float)
    for row in line_items(cur_root):
        if not start <= row["usage_date"] <= end:
            continue
        category = charge_category(row["line_item_line_item_type"])
        label = line_item_owner(row)[0] if category in TEAM_CATEGORIES else f"({category.lower()})"
        costs[label] += effective_cost(row) if basis == "effective" else row["line_item_unblended_cost"]
    return costs


def cost_by_allocation_method(cur_root: Path) -> dict[str, float]:
    costs: dict[str, float] = defaultdict(float)
    for row in line_items(cur_root):
        costs[line_item_owner(row)[1]] += effective_cost(row)
    return costs


REQUIRED_TAGS = ("team", "service", "environment")  # the dbt var's default


def tag_verdict(tags: dict[str, str]) -> tuple[str | None, str | None]:
    """(missing tags, invalid tags) as the compliance marts list them; (None, None) when compliant."""
    resolved = resolve_tags(tags)
    services = {row["service"] for row in seed("services")}
    missing = [key for key in REQUIRED_TAGS if not resolved.get(key, "").strip()]
    invalid = [
        f"{key}={resolved[key]}"
        for key, known in (("service", services), ("team", known_teams()))
        if resolved.get(key, "").strip() and resolved[key] not in known
    ]
    return ", ".join(missing) or None, ", ".join(invalid) or None
