"""`sibyl discover`: draft seeds from a CUR whose tags are spelt the way people spell them, from the
demo's CUR, from AWS Organizations (moto) and from the real anonymized CUR. Expected rows are written
by hand from the lines below, or computed from them with plain Python."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import REFERENCE_DATA, needs_reference_data
from expected import charge_category, line_items
from helpers import invoke
from sibyl.config import Settings
from sibyl.demo import organisation as demo_org
from sibyl.raw_tables import ensure_raw_tables
from sibyl.seed_drafts.spellings import ONE_LETTER, PLURAL, SAME_COMPACT, near_duplicate, regex_literal
from sibyl.seed_drafts.tag_keys import STRIPPED, KeySpend, fold_keys
from sibyl.seed_drafts.tag_values import WITHOUT_TEAM, ValueSpend, draft_values

PAYER, PAYMENTS, SEARCH = "111111111111", "222222222222", "333333333333"
TAG_KEYS = ("user:Team", "user:team", "user:TEAM", "user:team_name", "user:teamname", "user:Service", "user:app")
TAG_KEYS += ("user:Environment", "user:env", "aws:createdBy")

# (usage account, line item type, unblended cost, tags): one key spelt five ways, values spelt with
# case, spaces, a plural, a `_team` suffix and a typo, a line tagged `Team` and `team` that disagree,
# an untagged line, a tax line (never a team's), and an AWS-generated tag.
MESSY_LINES = (
    (PAYMENTS, "Usage", 100.0, {"user:Team": "Payments", "user:Service": "payments-api", "user:Environment": "prod"}),
    (PAYMENTS, "Usage", 50.0, {"user:team": "payments "}),
    (PAYMENTS, "Usage", 20.0, {"user:TEAM": "payment"}),
    (PAYMENTS, "Usage", 10.0, {"user:team_name": "payments_team"}),
    (SEARCH, "Usage", 40.0, {"user:teamname": "Search"}),
    (SEARCH, "Usage", 30.0, {"user:Team": "search", "user:app": "search-api", "user:env": "production"}),
    (PAYMENTS, "Usage", 5.0, {"user:Team": "paymets"}),
    (PAYER, "Usage", 25.0, {}),
    (PAYER, "Tax", 7.0, {}),
    (PAYMENTS, "Usage", 8.0, {"user:Team": "Payments", "user:team": "search"}),
    (SEARCH, "Usage", 12.0, {"aws:createdBy": "AROAEXAMPLE"}),
)
CUR_HEADER = [
    "identity/LineItemId",
    "identity/TimeInterval",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
    *(f"resourceTags/{key}" for key in TAG_KEYS),
]


def write_cur(path: Path, lines=MESSY_LINES) -> Path:
    """A legacy CUR CSV, one day of September 2024, with a column per tag spelling as AWS writes them."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CUR_HEADER)
        for number, (account, kind, cost, tags) in enumerate(lines):
            interval = ["2024-09-01T00:00:00Z/2024-09-02T00:00:00Z", PAYER, "2024-09-01T00:00:00Z", account, kind]
            usage = ["2024-09-01T00:00:00Z", "2024-09-02T00:00:00Z", "AmazonEC2", "USD", cost]
            writer.writerow([f"line-{number}", *interval, *usage, *(tags.get(key, "") for key in TAG_KEYS)])
    return path


def write_seeds(folder: Path, *, owners: dict[str, str]) -> Path:
    """The organisation the estimate counts against: teams payments and search, search owns search-api."""
    folder.mkdir()
    (folder / "teams.csv").write_text("team,business_unit,owner_email,slack_channel\npayments,Pay,,\nsearch,Find,,\n")
    (folder / "services.csv").write_text(
        "service,team,service_type,repository_url,documentation_url,description\nsearch-api,search,api,,,\n"
    )
    (folder / "account_owners.csv").write_text("account_id,team\n" + "".join(f"{a},{t}\n" for a, t in owners.items()))
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def spend_with_tag(key: str) -> float:
    return sum(cost for _, kind, cost, tags in MESSY_LINES if kind == "Usage" and tags.get(key))


@pytest.fixture
def messy_cur(target, tmp_path, monkeypatch) -> Path:
    """The messy CUR loaded; the seeds folder knows teams payments and search, and that SEARCH is search's."""
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(write_seeds(tmp_path / "org", owners={SEARCH: "search"})))
    invoke("load", "cur", str(write_cur(tmp_path / "messy.csv")), check=True)
    return tmp_path / "drafts"


def test_drafts_fold_every_spelling_of_a_key_and_every_near_duplicate_value(messy_cur):
    result = invoke("discover", "--out", str(messy_cur), "--format", "json", check=True)

    assert read_csv(messy_cur / "tag_rules.csv") == [
        dict(zip(["rule_name", "tag_key", "pattern", "normalized_key", "priority", "is_active"], row, strict=True))
        for row in [
            ("environment_exact", "environment", "", "environment", "100", "true"),
            ("environment_from_env", "env", "", "environment", "90", "true"),
            ("service_exact", "service", "", "service", "100", "true"),
            ("service_from_app", "app", "", "service", "90", "true"),
            ("team_exact", "team", "", "team", "100", "true"),
            ("team_from_team_name", "team_name", "", "team", "90", "true"),
            ("team_from_teamname", "teamname", "", "team", "90", "true"),
        ]
    ]
    # `Payments` and `payments ` need no alias: Sibyl reads values trimmed and lower-cased.
    assert [tuple(r.values()) for r in read_csv(messy_cur / "tag_value_aliases.csv")] == [
        ("environment", "^production$", "prod", "100"),
        ("team", "^payment$", "payments", "100"),
        ("team", "^payments_team$", "payments", "100"),
        ("team", "^paymets$", "payments", "100"),
    ]
    keys = [(r["normalized_key"], r["tag_key"], r["how"], float(r["spend"])) for r in read_csv(messy_cur / "discovered_tag_keys.csv")]
    assert keys == [
        ("aws:createdby", "aws:createdBy", STRIPPED, spend_with_tag("aws:createdBy")),
        ("environment", "user:Environment", STRIPPED, spend_with_tag("user:Environment")),
        ("environment", "user:env", "synonym", spend_with_tag("user:env")),
        ("service", "user:Service", STRIPPED, spend_with_tag("user:Service")),
        ("service", "user:app", "synonym", spend_with_tag("user:app")),
        ("team", "user:Team", STRIPPED, spend_with_tag("user:Team")),
        ("team", "user:team", STRIPPED, spend_with_tag("user:team")),
        ("team", "user:teamname", "synonym", spend_with_tag("user:teamname")),
        ("team", "user:TEAM", STRIPPED, spend_with_tag("user:TEAM")),
        ("team", "user:team_name", "synonym", spend_with_tag("user:team_name")),
    ]
    # 300 of Usage: 25 untagged; SEARCH's aws-tagged 12 by its owner; every team value names payments or search.
    assert {row["measure"]: (row["spend"], row["share_pct"]) for row in json.loads(result.stdout)} == {
        "spend a team can own": (300.0, 100.0),
        "carries at least one tag": (275.0, pytest.approx(100 * 275 / 300)),
        "carries a tag the drafts read as team": (263.0, pytest.approx(100 * 263 / 300)),
        "attributed by a team tag naming a team of teams.csv": (263.0, pytest.approx(100 * 263 / 300)),
        "attributed by a service tag naming a service of services.csv": (0.0, 0.0),
        "attributed by the account's owner (account_owners.csv and the drafts)": (12.0, 4.0),
        "attributed with the drafts as they stand": (275.0, pytest.approx(100 * 275 / 300)),
        "unallocated": (25.0, pytest.approx(100 * 25 / 300)),
    }


def test_each_value_is_shown_with_its_spend_and_why_it_reads_as_it_does(messy_cur):
    invoke("discover", "--out", str(messy_cur), check=True)

    team_values = [
        (r["tag_value"], r["draft_value"], r["how"], r["alias_pattern"], float(r["spend"]))
        for r in read_csv(messy_cur / "discovered_tag_values.csv")
        if r["normalized_key"] == "team"
    ]
    assert team_values == [
        ("Payments", "payments", "same once trimmed and lower-cased", "", 108.0),
        ("payments ", "payments", "same once trimmed and lower-cased", "", 50.0),
        ("payment", "payments", PLURAL, "^payment$", 20.0),
        ("payments_team", "payments", WITHOUT_TEAM, "^payments_team$", 10.0),
        ("paymets", "payments", ONE_LETTER, "^paymets$", 5.0),
        ("Search", "search", "same once trimmed and lower-cased", "", 40.0),
        ("search", "search", "same", "", 38.0),
    ]


def test_existing_drafts_are_not_overwritten_unless_forced(messy_cur):
    invoke("discover", "--out", str(messy_cur), check=True)
    (messy_cur / "tag_rules.csv").write_text("reviewed by hand\n")

    refused = invoke("discover", "--out", str(messy_cur))

    assert refused.exit_code == 2
    assert refused.output.strip().splitlines()[-1] == (
        f"error: {messy_cur / 'tag_rules.csv'} exists (and 4 more): review the drafts there and move them away, "
        "or run again with --force to overwrite them"
    )
    assert (messy_cur / "tag_rules.csv").read_text() == "reviewed by hand\n"

    invoke("discover", "--out", str(messy_cur), "--force", check=True)
    assert read_csv(messy_cur / "tag_rules.csv")[0]["rule_name"] == "environment_exact"


def test_an_empty_warehouse_is_one_line(target, tmp_path):
    ensure_raw_tables(Settings.from_env())  # as `sibyl build` leaves a warehouse nothing was loaded into

    result = invoke("discover", "--out", str(tmp_path / "drafts"))

    assert result.exit_code == 2
    assert result.output.strip() == f"error: no CUR line items in the {target} warehouse: run `sibyl load cur SOURCE` first"
    assert not (tmp_path / "drafts").exists()


# --- AWS Organizations ----------------------------------------------------------------------------


@pytest.fixture
def organizations(monkeypatch):
    """A moto Organizations behind fake credentials; nothing leaves the machine."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        import boto3

        yield boto3.client("organizations", region_name="us-east-1")


def make_organization(client) -> dict[str, str]:
    """Root -> Consumer -> (Payments, Search), Root -> Platform; accounts tagged `Team`, `team-name`, or not.
    Returns account name -> id (moto draws the ids)."""
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]
    consumer = client.create_organizational_unit(ParentId=root, Name="Consumer")["OrganizationalUnit"]["Id"]
    units = {
        "Payments": client.create_organizational_unit(ParentId=consumer, Name="Payments")["OrganizationalUnit"]["Id"],
        "Search": client.create_organizational_unit(ParentId=consumer, Name="Search")["OrganizationalUnit"]["Id"],
        "Platform": client.create_organizational_unit(ParentId=root, Name="Platform")["OrganizationalUnit"]["Id"],
    }
    accounts = {}
    for name, unit, tags in (
        ("payments-prod", "Payments", [{"Key": "Team", "Value": "Payments"}]),
        ("payments-dev", "Payments", [{"Key": "team", "Value": "payment"}]),
        ("search-prod", "Search", [{"Key": "team-name", "Value": "Search"}, {"Key": "cost-center", "Value": "42"}]),
        ("shared-tools", "Platform", []),
    ):
        status = client.create_account(Email=f"{name}@example.com", AccountName=name, Tags=tags)["CreateAccountStatus"]
        accounts[name] = status["AccountId"]
        client.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=units[unit])
    return accounts


def test_organizations_draft_account_owners_and_business_units(organizations, duckdb_path, tmp_path, monkeypatch):
    accounts = make_organization(organizations)
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(write_seeds(tmp_path / "org", owners={})))
    lines = [(accounts["payments-prod"], "Usage", 70.0, {}), (accounts["payments-dev"], "Usage", 20.0, {}), (SEARCH, "Usage", 10.0, {})]
    # The CUR's own `payment` gets an alias to `payments`: payments-dev's tag is read through it too.
    lines += [
        (accounts["search-prod"], "Usage", 4.0, {"user:Team": "payments"}),
        (accounts["search-prod"], "Usage", 1.0, {"user:Team": "payment"}),
    ]
    invoke("load", "cur", str(write_cur(tmp_path / "cur.csv", lines)), check=True)
    drafts = tmp_path / "drafts"

    result = invoke("discover", "--from-organizations", "--out", str(drafts), "--format", "json", check=True)

    assert read_csv(drafts / "account_owners.csv") == [
        {"account_id": a, "team": t, "valid_from": ""}
        for a, t in sorted(
            [(accounts["payments-prod"], "payments"), (accounts["payments-dev"], "payments"), (accounts["search-prod"], "search")]
        )
    ]
    assert [tuple(r.values()) for r in read_csv(drafts / "business_groups.csv")] == [
        ("Consumer", "AWS Organizations unit Consumer and the units below it"),
        ("Platform", "AWS Organizations unit Platform and the units below it"),
    ]
    assert [tuple(r.values()) for r in read_csv(drafts / "business_units.csv")] == [
        ("Payments", "Consumer", "AWS Organizations unit Consumer/Payments: 2 account(s)"),
        ("Platform", "Platform", "AWS Organizations unit Platform: 1 account(s)"),
        ("Search", "Consumer", "AWS Organizations unit Consumer/Search: 1 account(s)"),
    ]
    by_account = {r["account_id"]: r for r in read_csv(drafts / "discovered_accounts.csv")}
    assert (by_account[accounts["search-prod"]]["account_name"], by_account[accounts["search-prod"]]["organizational_unit"]) == (
        "search-prod",
        "Consumer/Search",
    )
    assert (by_account[accounts["search-prod"]]["team_tag"], float(by_account[accounts["search-prod"]]["spend"])) == (
        "team-name=Search",
        5.0,
    )
    assert (by_account[SEARCH]["account_name"], float(by_account[SEARCH]["spend"])) == ("", 10.0)  # in the CUR, not in the organization
    assert float(by_account[accounts["shared-tools"]]["spend"]) == 0.0  # in the organization, not in the CUR
    # payments-prod and payments-dev by their drafted owners; search-prod's line by its team tag; SEARCH by nobody.
    summary = {row["measure"]: row["spend"] for row in json.loads(result.stdout)}
    assert summary["attributed by the account's owner (account_owners.csv and the drafts)"] == 90.0
    assert (summary["attributed by a team tag naming a team of teams.csv"], summary["unallocated"]) == (5.0, 10.0)


def test_organizations_not_in_use_is_one_line_and_writes_nothing(organizations, duckdb_path, tmp_path):
    invoke("load", "cur", str(write_cur(tmp_path / "cur.csv")), check=True)

    result = invoke("discover", "--from-organizations", "--out", str(tmp_path / "drafts"))

    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: cannot read AWS Organizations (ListRoots): AWSOrganizationsNotInUseException: ")
    assert line.endswith("allowed the actions in policies/sibyl-discover-read-only.json")
    assert not (tmp_path / "drafts").exists()


def test_the_policy_allows_exactly_the_organizations_calls_discover_makes():
    root = Path(__file__).resolve().parents[2]
    [statement] = json.loads((root / "policies" / "sibyl-discover-read-only.json").read_text())["Statement"]
    operations = re.findall(r'"(list_\w+)"', (root / "loaders" / "sibyl" / "seed_drafts" / "organizations.py").read_text())

    assert len(operations) == 4
    assert (statement["Effect"], sorted(statement["Action"])) == (
        "Allow",
        sorted({"organizations:" + "".join(word.title() for word in op.split("_")) for op in operations}),
    )


# --- the demo's CUR and the real one ----------------------------------------------------------------


def test_on_the_demo_cur_the_drafts_fold_the_generators_spellings_and_alias_only_its_variants(built_target, demo_cur, tmp_path):
    result = invoke("discover", "--out", str(tmp_path / "drafts"), "--format", "json", check=True)

    # The generator writes team as Team, TEAM, team_name, team-name and owner-team; Parquet spells them
    # team, t_e_a_m, team_name and owner_team; environment as env, ENV, stage; service as app, application.
    assert [(r["rule_name"], r["tag_key"]) for r in read_csv(tmp_path / "drafts" / "tag_rules.csv")] == [
        ("environment_exact", "environment"),
        ("environment_from_e_n_v", "e_n_v"),
        ("environment_from_env", "env"),
        ("environment_from_stage", "stage"),
        ("service_exact", "service"),
        ("service_from_app", "app"),
        ("service_from_application", "application"),
        ("team_exact", "team"),
        ("team_from_owner_team", "owner_team"),
        ("team_from_t_e_a_m", "t_e_a_m"),
        ("team_from_team_name", "team_name"),
    ]
    # Every alias drafted reads a value as another spelling of the same value the generator meant: no false friend.
    variants = {**demo_org.TEAM_VALUE_VARIANTS, **demo_org.SERVICE_VALUE_VARIANTS, **demo_org.ENVIRONMENT_VALUE_VARIANTS}
    meant = {spelling.strip().lower(): value for value, spellings in variants.items() for spelling in (value, *spellings)}
    aliases = read_csv(tmp_path / "drafts" / "tag_value_aliases.csv")
    assert len(aliases) >= 10
    for alias in aliases:
        value, alias_value = alias["pattern"].strip("^$"), alias["normalized_value"]
        assert meant.get(value, value) == meant.get(alias_value, alias_value), alias
    # Spend and tagged spend, computed from the generated files with the suite's own reading of them.
    spend, tagged = defaultdict(float), defaultdict(float)
    for row in line_items(demo_cur):
        if charge_category(row["line_item_line_item_type"]) in ("Usage", "Purchase"):
            spend["all"] += row["line_item_unblended_cost"]
            tagged["all"] += row["line_item_unblended_cost"] if row["tags"] else 0.0
    summary = {row["measure"]: row["spend"] for row in json.loads(result.stdout)}
    assert summary["spend a team can own"] == pytest.approx(spend["all"], abs=1e-6)
    assert summary["carries at least one tag"] == pytest.approx(tagged["all"], abs=1e-6)


FOCUS_CSV = REFERENCE_DATA / "focus-converters" / "sample-anonymous-aws-export-dataset.csv"


@needs_reference_data
def test_on_the_real_anonymized_cur_discover_says_there_is_no_tag_to_fold(target, tmp_path, monkeypatch):
    """The real export carries no resource tags: empty drafts, the account and its spend, 0% attributed."""
    records = read_csv(FOCUS_CSV)
    usage = sum(float(r["lineItem/UnblendedCost"]) for r in records if r["lineItem/LineItemType"] == "Usage")
    monkeypatch.setenv("SIBYL_SEEDS_DIR", str(write_seeds(tmp_path / "org", owners={})))
    invoke("load", "cur", str(FOCUS_CSV), check=True)

    result = invoke("discover", "--out", str(tmp_path / "drafts"), "--format", "json", check=True)

    summary = {row["measure"]: row["spend"] for row in json.loads(result.stdout)}
    assert summary["spend a team can own"] == pytest.approx(usage, abs=1e-9)
    assert summary["carries at least one tag"] == summary["attributed with the drafts as they stand"] == 0.0
    assert read_csv(tmp_path / "drafts" / "tag_rules.csv") == []
    assert [(r["account_id"], float(r["spend"])) for r in read_csv(tmp_path / "drafts" / "discovered_accounts.csv")] == [
        ("123412340534", pytest.approx(usage, abs=1e-6))
    ]


# --- the comparisons themselves -------------------------------------------------------------------


def test_keys_fold_across_cur_formats_and_aws_tags_stay_apart():
    spellings = ["resource_tags_user_t_e_a_m", "user_team", "user:Team ", "resource_tags_user_teams", "resource_tags_aws_created_by"]
    spellings += ["aws:createdBy", "created-by", "cost-center", "cost_center", "costcentre"]
    folded = fold_keys([KeySpend(key, float(i), 1, 1) for i, key in enumerate(reversed(spellings), start=1)])

    assert {(f.tag_key, f.normalized_key, f.how) for f in folded} == {
        ("resource_tags_user_t_e_a_m", "team", SAME_COMPACT),
        ("user_team", "team", STRIPPED),
        ("user:Team ", "team", STRIPPED),
        ("resource_tags_user_teams", "team", PLURAL),
        ("resource_tags_aws_created_by", "aws:created_by", STRIPPED),
        ("aws:createdBy", "aws:created_by", SAME_COMPACT),  # the same AWS tag as CSV and Parquet spell it
        ("created-by", "created-by", "same"),  # a user tag never folds into AWS's own
        ("cost-center", "cost-center", "same"),  # the biggest spend of its spellings names it
        ("cost_center", "cost-center", SAME_COMPACT),
        ("costcentre", "costcentre", "same"),  # two letters from costcenter: not folded
    }


@pytest.mark.parametrize(
    ("a", "b", "how"),
    [
        ("payments", "payment", PLURAL),
        ("payments", "paymets", ONE_LETTER),
        ("payments", "paymentz", ONE_LETTER),
        ("node1", "node2", None),  # digits name different things
        ("tear", "team", None),  # too short to call one letter a typo
        ("catalog", "catalogue", None),
        ("apps", "app", PLURAL),
    ],
)
def test_near_duplicates_are_narrow(a, b, how):
    assert near_duplicate(a, b) == near_duplicate(b, a) == how


def test_known_team_names_are_never_aliased_to_each_other():
    values = [
        ValueSpend("team", v, v, spend, 1) for v, spend in (("search-ranking", 5.0), ("search-rankings", 9.0), ("search-rankin", 1.0))
    ]
    known = {"team": {"search-ranking", "search-rankings"}}

    drafts = draft_values(values, {("team", v.cleaned_value): v.spend for v in values}, known)

    # Known names lead first (biggest spend first); `search-rankin` joins the first it is one letter from.
    assert [(d.tag_value, d.draft_value, d.alias_pattern) for d in drafts] == [
        ("search-ranking", "search-ranking", ""),
        ("search-rankin", "search-ranking", "^search-rankin$"),
        ("search-rankings", "search-rankings", ""),
    ]


@pytest.mark.parametrize(
    ("value", "near_miss"),
    [("kubernetes.io/cluster", "kubernetesXio/cluster"), ("c++ team", "c team"), ("a|b (x)", "a"), ("cost$", "cost"), ("[x]^y", "x")],
)
def test_an_alias_pattern_matches_its_value_and_nothing_else_in_duckdb(value, near_miss):
    import duckdb

    pattern = f"^{regex_literal(value)}$"

    with duckdb.connect() as con:  # not duckdb's default connection, which the process's other tests share
        matched = con.execute("select regexp_matches($1, $3), regexp_matches($2, $3)", [value, near_miss, pattern]).fetchone()
    assert matched == (True, False)
