"""The demo organisation: business groups, units, teams, services, AWS accounts and tag seeds.

Everything here is constant and hand-written (it does not depend on any random seed), so the seeds
that `write_seeds` produces are the same on every machine and a reviewer can read them.

The CUR generator uses this module to decide who owns which resource and which messy tag values
to write; the *seeds* (tag rules, value aliases) are what the warehouse later uses to undo the mess.
The aliases are written as regular expressions by hand, independently of the literal messy values
the generator writes (`TEAM_VALUE_VARIANTS`, `SERVICE_VALUE_VARIANTS`), so a test can check one
against the other.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ACCOUNTS",
    "BUSINESS_GROUPS",
    "BUSINESS_UNITS",
    "PAYER_ACCOUNT_ID",
    "RESOURCE_OWNERS",
    "SERVICES",
    "TAG_RULES",
    "TAG_VALUE_ALIASES",
    "TEAMS",
    "Account",
    "BusinessGroup",
    "BusinessUnit",
    "ResourceOwner",
    "Service",
    "TagRule",
    "TagValueAlias",
    "Team",
    "write_seeds",
]


@dataclass(frozen=True)
class BusinessGroup:
    business_group: str
    description: str


@dataclass(frozen=True)
class BusinessUnit:
    business_unit: str
    business_group: str
    description: str
    prod_account: str  # account name where the unit's production workloads run
    staging_account: str  # account name for its staging workloads


@dataclass(frozen=True)
class Team:
    team: str
    business_unit: str

    @property
    def owner_email(self) -> str:
        return f"{self.team}@example.com"

    @property
    def slack_channel(self) -> str:
        return f"#team-{self.team}"


@dataclass(frozen=True)
class Service:
    service: str
    team: str
    service_type: str  # api | frontend | worker | database | batch | pipeline | stream | storage | ml | search | platform
    description: str
    home_region: str = "us-east-1"

    @property
    def repository_url(self) -> str:
        return f"https://github.com/example-org/{self.service}"

    @property
    def documentation_url(self) -> str:
        return f"https://docs.example.com/services/{self.service}"


@dataclass(frozen=True)
class Account:
    account_id: str  # 12 digits
    name: str
    owner_team: str | None  # None: a shared account, owned by nobody
    is_payer: bool = False


BUSINESS_GROUPS: tuple[BusinessGroup, ...] = (
    BusinessGroup("Consumer", "Customer-facing products: payments, search and the marketplace."),
    BusinessGroup("Corporate", "Internal systems for finance and security."),
    BusinessGroup("Platform", "Shared engineering platforms: infrastructure, data and machine learning."),
)

BUSINESS_UNITS: tuple[BusinessUnit, ...] = (
    BusinessUnit("Payments", "Consumer", "Card and wallet payments, checkout and fraud prevention.", "payments-prod", "payments-staging"),
    BusinessUnit("Search", "Consumer", "Product search, ranking and autocomplete.", "search-prod", "staging-shared"),
    BusinessUnit("Marketplace", "Consumer", "Catalog, seller tools and recommendations.", "marketplace-prod", "staging-shared"),
    BusinessUnit("Infrastructure", "Platform", "Compute, networking, reliability and observability.", "shared-services", "staging-shared"),
    BusinessUnit("Data Platform", "Platform", "Event collection, the data lake and the warehouse.", "data-platform-prod", "staging-shared"),
    BusinessUnit("Machine Learning", "Platform", "Model training, serving and the feature store.", "ml-prod", "dev-sandbox"),
    BusinessUnit(
        "Finance Systems", "Corporate", "Invoicing, revenue recognition and financial reporting.", "finance-prod", "staging-shared"
    ),
    BusinessUnit(
        "Security", "Corporate", "Application security, security operations and identity.", "security-tooling", "security-tooling"
    ),
)

TEAMS: tuple[Team, ...] = (
    Team("analytics-engineering", "Data Platform"),
    Team("appsec", "Security"),
    Team("billing-systems", "Finance Systems"),
    Team("catalog", "Marketplace"),
    Team("checkout", "Payments"),
    Team("compute-platform", "Infrastructure"),
    Team("data-ingest", "Data Platform"),
    Team("data-warehouse", "Data Platform"),
    Team("finance-reporting", "Finance Systems"),
    Team("fraud-detection", "Payments"),
    Team("identity", "Security"),
    Team("ml-platform", "Machine Learning"),
    Team("ml-research", "Machine Learning"),
    Team("networking", "Infrastructure"),
    Team("observability", "Infrastructure"),
    Team("payments-core", "Payments"),
    Team("recommendations", "Marketplace"),
    Team("search-experience", "Search"),
    Team("search-indexing", "Search"),
    Team("search-ranking", "Search"),
    Team("secops", "Security"),
    Team("seller-tools", "Marketplace"),
    Team("sre", "Infrastructure"),
)

SERVICES: tuple[Service, ...] = (
    Service("auth-service", "identity", "api", "OAuth2 / OIDC token service for customers."),
    Service("autocomplete", "search-experience", "api", "Type-ahead suggestions for the search box."),
    Service("bi-dashboards", "analytics-engineering", "frontend", "Company dashboards on top of the warehouse."),
    Service("cart-service", "checkout", "api", "Shopping cart state and pricing."),
    Service("catalog-api", "catalog", "api", "Product catalog read and write API."),
    Service("cdc-pipeline", "data-ingest", "pipeline", "Change data capture from production databases."),
    Service("checkout-api", "checkout", "api", "Order placement and checkout orchestration.", "eu-west-1"),
    Service("checkout-web", "checkout", "frontend", "Checkout single-page application."),
    Service("ci-runners", "compute-platform", "batch", "Autoscaling CI build runners."),
    Service("dbt-runner", "analytics-engineering", "batch", "Scheduled dbt builds of the warehouse."),
    Service("edge-gateway", "networking", "platform", "Public ingress, TLS termination and rate limiting."),
    Service("event-collector", "data-ingest", "stream", "Clickstream and domain event collection."),
    Service("feature-store", "ml-platform", "database", "Online and offline feature store."),
    Service("finance-datamart", "finance-reporting", "database", "Ledger-grade reporting datamart."),
    Service("fraud-rules-engine", "fraud-detection", "worker", "Deterministic fraud rules on payment events."),
    Service("fraud-scoring", "fraud-detection", "ml", "Real-time fraud scoring models."),
    Service("incident-bot", "sre", "worker", "Incident paging and chat-ops automation."),
    Service("invoicing", "billing-systems", "api", "Customer invoices and credit notes."),
    Service("k8s-platform", "compute-platform", "platform", "Shared Kubernetes clusters."),
    Service("log-archive", "observability", "storage", "Long-term log archive."),
    Service("metrics-pipeline", "observability", "stream", "Metrics ingestion and aggregation."),
    Service("model-serving", "ml-platform", "api", "Online model inference endpoints."),
    Service("payments-api", "payments-core", "api", "Card and wallet payment authorisation API."),
    Service("payments-ledger", "payments-core", "database", "Double-entry ledger of all payments."),
    Service("payments-settlement", "payments-core", "batch", "Nightly settlement with acquirers."),
    Service("product-images", "catalog", "storage", "Product image storage and resizing."),
    Service("ranking-model", "search-ranking", "ml", "Learning-to-rank model training."),
    Service("recs-api", "recommendations", "api", "Personalised recommendations API."),
    Service("recs-training", "recommendations", "ml", "Recommendation model training jobs."),
    Service("research-notebooks", "ml-research", "ml", "Research notebooks and experiments.", "us-west-2"),
    Service("revenue-recognition", "billing-systems", "batch", "Monthly revenue recognition runs."),
    Service("search-api", "search-ranking", "api", "Query understanding and search API."),
    Service("search-cluster", "search-indexing", "search", "OpenSearch clusters behind product search."),
    Service("search-indexer", "search-indexing", "pipeline", "Incremental product index builds."),
    Service("search-web", "search-experience", "frontend", "Search results pages.", "ap-southeast-2"),
    Service("seller-onboarding", "seller-tools", "worker", "Seller KYC and onboarding workflows."),
    Service("seller-portal", "seller-tools", "frontend", "Seller self-service portal."),
    Service("siem", "secops", "stream", "Security event collection and detection."),
    Service("sso-gateway", "identity", "api", "Employee single sign-on gateway."),
    Service("status-page", "sre", "frontend", "Public status page."),
    Service("vpc-core", "networking", "platform", "VPCs, NAT gateways and transit routing."),
    Service("vuln-scanner", "appsec", "batch", "Container and dependency vulnerability scans."),
    Service(
        "warehouse",
        "data-warehouse",
        "database",
        "The analytics warehouse.",
    ),
    Service("data-lake", "data-warehouse", "storage", "Raw and curated data lake buckets."),
)

PAYER_ACCOUNT_ID = "731496058213"

ACCOUNTS: tuple[Account, ...] = (
    Account(PAYER_ACCOUNT_ID, "management", None, is_payer=True),
    Account("153870624495", "shared-services", None),
    Account("284619037552", "payments-prod", "payments-core"),
    Account("284619037564", "payments-staging", "payments-core"),
    Account("367514902278", "staging-shared", None),
    Account("415087263390", "search-prod", "search-ranking"),
    Account("480236719850", "dev-sandbox", None),
    Account("509372816604", "marketplace-prod", "catalog"),
    Account("637120458897", "data-platform-prod", "data-warehouse"),
    Account("742963185026", "ml-prod", "ml-platform"),
    Account("818254690137", "security-tooling", "secops"),
    Account("926047318461", "finance-prod", "billing-systems"),
)

# Messy spellings of team and service *values* that engineers really type. The generator writes
# these literally; the aliases below (independent regular expressions) map them back.
TEAM_VALUE_VARIANTS: dict[str, tuple[str, ...]] = {
    "payments-core": ("Payments", "payments-team", "PAY", "payments core"),
    "checkout": (" checkout ", "Checkout", "checkout-team"),
    "search-ranking": ("Search-Ranking", "search ranking", "ranking"),
    "data-ingest": ("DataIngest", "data_ingest", "ingest"),
    "sre": ("SRE", "site-reliability", "sre-team"),
    "ml-platform": ("ML Platform", "mlplatform", "ml-infra"),
    "catalog": ("Catalog", "catalogue"),
    "observability": ("o11y", "Observability"),
    "billing-systems": ("billing", "Billing Systems"),
    "compute-platform": ("k8s-team", "ComputePlatform"),
}
SERVICE_VALUE_VARIANTS: dict[str, tuple[str, ...]] = {
    "payments-api": ("PaymentsAPI", "payments_api"),
    "search-api": ("search-svc", "SearchAPI"),
    "checkout-api": ("Checkout-API",),
    "catalog-api": ("catalog_api",),
}
ENVIRONMENT_VALUE_VARIANTS: dict[str, tuple[str, ...]] = {
    "production": ("prod", "Production", "PRD", "live"),
    "staging": ("stg", "Staging", "preprod"),
    "development": ("dev", "Development", "sandbox"),
}
# Team values that resolve to no known team (and must stay unresolved).
UNKNOWN_TEAM_VALUES: tuple[str, ...] = ("growth-experiments", "legacy-billing", "data-science", "platform-team")


@dataclass(frozen=True)
class TagRule:
    rule_name: str
    tag_key: str  # exact (normalised) key, or "" for a pattern-only rule
    pattern: str  # regex on the normalised key, or ""
    normalized_key: str
    priority: int
    is_active: bool


@dataclass(frozen=True)
class TagValueAlias:
    normalized_key: str
    pattern: str  # regex on the lower-cased, trimmed value
    normalized_value: str
    priority: int


# Keys are matched after lower-casing, trimming and stripping the prefixes user:, aws:,
# resource_tags_user_, resource_tags_aws_, user_. Patterns use only syntax that RE2 and PostgreSQL
# POSIX regexes share. `t_e_a_m` / `e_n_v` are how AWS's Athena-style renaming spells TEAM / ENV
# in legacy Parquet columns and CUR 2.0 map keys (an underscore before every capital letter).
TAG_RULES: tuple[TagRule, ...] = (
    TagRule("cost_center_is_not_team", "", "^cost[-_ ]?cent(er|re)$", "team", 5, False),
    TagRule("environment_exact", "environment", "", "environment", 100, True),
    TagRule("environment_short", "", "^(env|e_n_v|stage)$", "environment", 80, True),
    TagRule("owner_email_as_team", "owner", "", "team", 10, False),
    TagRule("service_application", "", "^(app|application|app[-_ ]?name)$", "service", 80, True),
    TagRule("service_exact", "service", "", "service", 100, True),
    TagRule("team_exact", "team", "", "team", 100, True),
    TagRule("team_variants", "", "^(team[-_ ]?name|owner[-_ ]?team|t_e_a_m)$", "team", 90, True),
)

TAG_VALUE_ALIASES: tuple[TagValueAlias, ...] = (
    TagValueAlias("environment", "^(dev|development|sandbox)$", "development", 100),
    TagValueAlias("environment", "^(prod|prd|production|live)$", "production", 100),
    TagValueAlias("environment", "^(stg|stage|staging|preprod)$", "staging", 100),
    TagValueAlias("service", "^(paymentsapi|payments_api)$", "payments-api", 100),
    TagValueAlias("service", "^(search[-_]svc|searchapi)$", "search-api", 100),
    TagValueAlias("service", "^catalog_api$", "catalog-api", 100),
    TagValueAlias("team", "^(billing|billing systems)$", "billing-systems", 100),
    TagValueAlias("team", "^catalogue$", "catalog", 100),
    TagValueAlias("team", "^checkout[-_ ]?team$", "checkout", 100),
    TagValueAlias("team", "^(k8s[-_ ]?team|computeplatform)$", "compute-platform", 100),
    TagValueAlias("team", "^(dataingest|data_ingest|ingest)$", "data-ingest", 100),
    TagValueAlias("team", "^(ml platform|mlplatform|ml[-_]infra)$", "ml-platform", 100),
    TagValueAlias("team", "^(o11y)$", "observability", 100),
    TagValueAlias("team", "^(payments|payments[-_ ]?team|pay|payments core)$", "payments-core", 100),
    TagValueAlias("team", "^(search ranking|ranking)$", "search-ranking", 100),
    TagValueAlias("team", "^(site[-_ ]?reliability|sre[-_ ]team)$", "sre", 100),
)


@dataclass(frozen=True)
class ResourceOwner:
    """A row of resource_owners.csv: spend no tag will ever claim, owned by finance's decision."""

    match_type: str  # resource_id | arn_pattern | usage_type_pattern
    pattern: str  # the resource id, or a regex on the ARN / usage type
    team: str  # exactly one of team and service
    service: str
    note: str


# Each matches resources the demo CUR bills whatever its random seed: the ledger's numbered databases,
# the shared VPC's NAT gateways and inter-region transfer (the usage types of the EU and us-west-2 regions).
RESOURCE_OWNERS: tuple[ResourceOwner, ...] = (
    ResourceOwner(
        "resource_id",
        "arn:aws:rds:us-east-1:284619037552:db:payments-ledger-prod-4",
        "finance-reporting",
        "",
        "Reporting replica of the ledger: finance reporting reads it and pays for it (finance decision).",
    ),
    ResourceOwner(
        "arn_pattern",
        "^arn:aws:ec2:[a-z0-9-]+:153870624495:natgateway/",
        "",
        "vpc-core",
        "NAT gateways of the shared VPC serve every team's subnets: they cannot carry one team's tag.",
    ),
    ResourceOwner(
        "usage_type_pattern",
        "^(EU|USW2)-DataTransfer-Out-Bytes$",
        "networking",
        "",
        "Transfer out of the EU and us-west-2 regions: the shared transit network's, never tagged.",
    ),
)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    rows = sorted(rows, key=lambda r: tuple(r))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_seeds(seeds_dir: Path) -> list[Path]:
    """Write the organisation's dbt seed CSVs into `seeds_dir`; return the paths written."""
    seeds_dir = Path(seeds_dir)
    seeds_dir.mkdir(parents=True, exist_ok=True)
    return [
        _write(
            seeds_dir / "business_groups.csv",
            ["business_group", "description"],
            [[g.business_group, g.description] for g in BUSINESS_GROUPS],
        ),
        _write(
            seeds_dir / "business_units.csv",
            ["business_unit", "business_group", "description"],
            [[u.business_unit, u.business_group, u.description] for u in BUSINESS_UNITS],
        ),
        _write(
            seeds_dir / "teams.csv",
            ["team", "business_unit", "owner_email", "slack_channel", "valid_from"],
            [[t.team, t.business_unit, t.owner_email, t.slack_channel, ""] for t in TEAMS],
        ),
        _write(
            seeds_dir / "services.csv",
            ["service", "team", "service_type", "repository_url", "documentation_url", "description", "valid_from"],
            [[s.service, s.team, s.service_type, s.repository_url, s.documentation_url, s.description, ""] for s in SERVICES],
        ),
        _write(
            seeds_dir / "account_owners.csv",
            ["account_id", "team", "valid_from"],
            [[a.account_id, a.owner_team, ""] for a in ACCOUNTS if a.owner_team],
        ),
        _write(
            seeds_dir / "resource_owners.csv",
            ["match_type", "pattern", "team", "service", "note"],
            [[r.match_type, r.pattern, r.team, r.service, r.note] for r in RESOURCE_OWNERS],
        ),
        _write(
            seeds_dir / "tag_rules.csv",
            ["rule_name", "tag_key", "pattern", "normalized_key", "priority", "is_active"],
            [[r.rule_name, r.tag_key, r.pattern, r.normalized_key, str(r.priority), _bool(r.is_active)] for r in TAG_RULES],
        ),
        _write(
            seeds_dir / "tag_value_aliases.csv",
            ["normalized_key", "pattern", "normalized_value", "priority"],
            [[a.normalized_key, a.pattern, a.normalized_value, str(a.priority)] for a in TAG_VALUE_ALIASES],
        ),
    ]


def team(name: str) -> Team:
    return _TEAMS_BY_NAME[name]


def service(name: str) -> Service:
    return _SERVICES_BY_NAME[name]


def account(name: str) -> Account:
    return _ACCOUNTS_BY_NAME[name]


_TEAMS_BY_NAME = {t.team: t for t in TEAMS}
_SERVICES_BY_NAME = {s.service: s for s in SERVICES}
_ACCOUNTS_BY_NAME = {a.name: a for a in ACCOUNTS}
_UNITS_BY_NAME = {u.business_unit: u for u in BUSINESS_UNITS}


def business_unit(name: str) -> BusinessUnit:
    return _UNITS_BY_NAME[name]
