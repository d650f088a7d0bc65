"""Draw the demo estate from one random stream: commitments, hand-placed anchors, then random resources.

`build_estate` keeps drawing resources until the planned line count reaches `lines`, trims the last
one to land on it, and freezes the result into an `Estate` of numpy columns.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

import numpy as np

from . import catalog, fees
from . import organisation as org
from .column_tables import Descriptors, Resource, ResourceTable, Slot, SlotTable
from .cur_fields import covered_descriptor, discounted_descriptor, negation_descriptor, usage_descriptor
from .estate import ACCOUNT_INDEX, PATTERN_CODES, PAYER, Estate, Reservation, SavingsPlan
from .periods import Period, make_calendar
from .resource_draws import MEDIAN_SLOTS, LifetimeDraws, SlotDraws, TagDraws, draw_resource

ENV_SCALE = {"production": 1.0, "staging": 0.3, "development": 0.15}
# the messy spellings of tag keys, and who the aws:createdBy tag says created a resource
TEAM_KEYS = ("Team", "TEAM", "team_name", "team-name", "owner-team")
SERVICE_KEYS = ("Service", "app", "application", "App")
ENV_KEYS = ("env", "Environment", "Env", "ENV", "stage")
CREATORS = (
    "AssumedRole:AROAEXAMPLEROLE01:terraform",
    "AssumedRole:AROAEXAMPLEROLE02:github-actions",
    "IAMUser:AIDAEXAMPLEUSER01:alice",
    "IAMUser:AIDAEXAMPLEUSER02:bob",
)


def _iso_ms(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}T00:00:00.000Z"


def _pick(options: tuple[str, ...], x: float) -> str:
    """The option a uniform draw `x` falls on."""
    return options[min(int(x * len(options)), len(options) - 1)]


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _clean_tags(team: str, service: str, environment: str) -> dict[str, str]:
    """The three required tags, spelled as the tag rules want them."""
    return {"team": team, "service": service, "environment": environment}


def service_region(service: org.Service, u: float) -> catalog.Region:
    """Where a resource of `service` runs: its home region mostly, another one for a uniform draw `u` >= 0.85."""
    if u < 0.85:
        return catalog.REGION_BY_CODE[service.home_region]
    others = [r for r in catalog.REGIONS if r.code != service.home_region]
    return others[min(int((u - 0.85) / 0.15 * len(others)), len(others) - 1)]


def service_account(service: org.Service, env: str, u: float) -> int:
    """The account (index) a resource of `service` in `env` runs in: its business unit's, by environment."""
    unit = org.business_unit(org.team(service.team).business_unit)
    if env == "production":
        if unit.business_unit == "Security" and u < 0.2:
            return PAYER
        return ACCOUNT_INDEX[unit.prod_account]
    if env == "staging":
        return ACCOUNT_INDEX[unit.staging_account]
    return ACCOUNT_INDEX["dev-sandbox"]


class _Builder:
    """The estate while it is being drawn: resources and slots so far, and the lines they make."""

    def __init__(self, seed: int, window_start: dt.date, n_days: int, periods: list[Period]) -> None:
        self.seed = seed
        self.window_start = window_start
        self.n_days = n_days
        self.periods = periods
        self.rng = np.random.default_rng(seed)
        self.resources = ResourceTable()
        self.resources.append(Resource("", PAYER))  # index 0: "no resource"
        self.slots = SlotTable()
        self._last: tuple[int, int] = (0, 0)  # last resource, its lines per day
        self.pair_index: dict[tuple[int, str], int] = {}
        self.period_pairs: list[set[int]] = [set() for _ in periods]
        self.period_accounts: list[set[int]] = [set() for _ in periods]
        self._fee_lines: int | None = None
        self.slot_lines = 0
        self.ri_purchase_day = round(0.35 * (n_days - 1))
        self.sp_purchase_day = round(0.60 * (n_days - 1))
        self.savings_plans: list[SavingsPlan] = []
        self.reservations: list[Reservation] = []
        self._commitments()
        # the day fees depend only on the commitments, drawn above, so they are counted once
        self.day_fee_lines = sum(len(fees.day_fees(day, self.savings_plans, self.reservations)) for day in range(n_days))

    # -- commitments -----------------------------------------------------------------------------
    def _commitments(self) -> None:
        rng, ws = self.rng, self.window_start
        payer_id = org.PAYER_ACCOUNT_ID
        sp1_start = ws - dt.timedelta(days=200)
        sp2_start = ws + dt.timedelta(days=self.sp_purchase_day)
        for i, (otype, payment, term, start, years, region, family, usage_type) in enumerate(
            (
                ("ComputeSavingsPlans", "No Upfront", "3yr", sp1_start, 3, "", "", "ComputeSP:3yrNoUpfront"),
                ("EC2InstanceSavingsPlans", "All Upfront", "1yr", sp2_start, 1, "us-east-1", "r6i", "EC2InstanceSP:1yrAllUpfront"),
            )
        ):
            arn = f"arn:aws:savingsplans::{payer_id}:savingsplan/{_uuid(rng)}"
            res = self.resources.append(Resource(arn, PAYER))
            self.savings_plans.append(
                SavingsPlan(
                    i,
                    arn,
                    otype,
                    payment,
                    term,
                    (start - ws).days,
                    _iso_ms(start),
                    _iso_ms(start.replace(year=start.year + years)),
                    region,
                    family,
                    usage_type,
                    resource=res,
                )
            )
        ri1_start = ws - dt.timedelta(days=400)
        ri2_start = ws + dt.timedelta(days=self.ri_purchase_day)
        specs = (
            ("payments-prod", "rds:db.r6g.2xlarge", 2, 0.2248, 0.2248, ri1_start, 3, "rds"),
            ("search-prod", "ec2:m6i.2xlarge", 3, 0.121, 0.121, ri2_start, 1, "ec2"),
        )
        for i, (acct_name, template, count, up, rec, start, years, service) in enumerate(specs):
            acct = org.account(acct_name).account_id
            if service == "rds":
                arn = f"arn:aws:rds:us-east-1:{acct}:ri:payments-ledger-ri-{int(rng.integers(1000, 9999))}"
            else:
                arn = f"arn:aws:ec2:us-east-1:{acct}:reserved-instances/{_uuid(rng)}"
            t = catalog.TEMPLATES[template]
            self.reservations.append(
                Reservation(
                    i,
                    arn,
                    ACCOUNT_INDEX[acct_name],
                    template,
                    "us-east-1",
                    count,
                    up,
                    rec,
                    (start - ws).days,
                    _iso_ms(start),
                    _iso_ms(start.replace(year=start.year + years)),
                    f"{years}yr",
                    str(int(rng.integers(10**9, 10**10))),
                    t.normalization_factor,
                )
            )

    # -- bookkeeping -----------------------------------------------------------------------------
    def _pair(self, account: int, product: str) -> int:
        key = (account, product)
        idx = self.pair_index.get(key)
        if idx is None:
            idx = self.pair_index[key] = len(self.pair_index)
        return idx

    def fee_lines(self) -> int:
        """Lines that are not usage slots, counted by the rules that make them."""
        if self._fee_lines is None:  # recounted only when the billed pairs change
            self._fee_lines = self.day_fee_lines + sum(
                len(fees.month_end_fees(p, self.reservations, self.period_pairs[p.index], self.period_accounts[p.index]))
                for p in self.periods
            )
        return self._fee_lines

    def _add_period_pair(self, period: int, account: int, product: str) -> None:
        pair = self._pair(account, product)
        if pair not in self.period_pairs[period]:
            self.period_pairs[period].add(pair)
            self.period_accounts[period].add(account)
            self._fee_lines = None

    def _reset_pairs(self) -> None:
        self.period_pairs = [set() for _ in self.periods]
        self.period_accounts = [set() for _ in self.periods]
        self._fee_lines = None

    def _register_fee_pairs(self) -> None:
        for p in self.periods:
            self._add_period_pair(p.index, PAYER, "ComputeSavingsPlans")
            for ri in self.reservations:
                if ri.start_day <= p.last_day:
                    self._add_period_pair(p.index, ri.account, catalog.TEMPLATES[ri.template].product_code)

    def add_resource(self, res: Resource, slots: list[Slot]) -> None:
        res.start = max(0, min(res.start, self.n_days - 1))
        res.end = max(res.start, min(res.end, self.n_days - 1))
        index = self.resources.append(res)
        days = res.end - res.start + 1
        per_day = 0
        for s in slots:
            self.slots.append(index, s)
            per_day += 2 if s.sp >= 0 else 1
        self.slot_lines += days * per_day
        self._last = (index, per_day)
        self._register_pairs(res.account, res.start, res.end, {catalog.TEMPLATES[s.template].product_code for s in slots})

    def _register_pairs(self, account: int, start: int, end: int, products: set[str]) -> None:
        for p in self.periods:
            if start <= p.last_day and end >= p.first_day:
                for product in sorted(products):  # sorted: set order varies with PYTHONHASHSEED
                    self._add_period_pair(p.index, account, product)

    def trim_last(self, excess: int) -> None:
        """Shorten the last resource's life by whole days to take away up to `excess` lines."""
        index, per_day = self._last
        r = self.resources
        cut = min(excess // max(per_day, 1), r.end[index] - r.start[index])
        if cut <= 0:
            return
        r.end[index] -= cut
        r.end_hour[index] = 24
        self.slot_lines -= cut * per_day

    # -- resources ---------------------------------------------------------------------------------
    def _resource_id(self, kind: str, service: str, env: str, region: catalog.Region, account: int, n: int) -> str:
        id_format = catalog.RESOURCE_ID_FORMATS[kind]
        hex16 = self.rng.bytes(8).hex()
        short = catalog.ENV_SHORT[env]
        fields = {
            "region": region.code,
            "account": org.ACCOUNTS[account].account_id,
            "service": service,
            "env": short,
            "name": f"{service}-{short}",
            "n": n,
            "hex": hex16,
            "HEX": hex16.upper(),
            "bucket_purpose": catalog.BUCKET_PURPOSES[n % len(catalog.BUCKET_PURPOSES)],
            "function_role": catalog.FUNCTION_ROLES[n % len(catalog.FUNCTION_ROLES)],
        }
        if "{uuid}" in id_format:  # drawn only where used, after the hex digits, as it always was
            fields["uuid"] = _uuid(self.rng)
        return id_format.format(**fields)

    def _slots(
        self, kind: str, service: org.Service, env: str, d: SlotDraws, instance: str | None = None, with_optional: bool = True
    ) -> list[Slot]:
        scale = ENV_SCALE[env]
        out = []
        for j, (key, prob) in enumerate(catalog.KINDS[kind].templates):
            if prob < 1.0 and (not with_optional or d.keep[j] >= prob):
                continue
            if key == "ec2:*":
                key = f"ec2:{instance or self._instance_type(service, env, d.size)}"
            elif key == "rds:*":
                key = f"rds:{instance or self._db_class(env, d.size)}"
            t = catalog.TEMPLATES[key]
            if t.pattern == "hours":
                if t.median > 1:
                    base = max(1.0, round(t.median * math.exp(0.4 * d.amount[j]) * (1.0 if env == "production" else 0.5)))
                else:
                    base = 1.0
            elif t.pattern == "variable":
                base = t.median * math.exp(1.0 * d.amount[j]) * scale
            else:
                base = t.median * math.exp(1.2 * d.amount[j]) * scale
            out.append(Slot(key, base))
        return out

    @staticmethod
    def _instance_type(service: org.Service, env: str, u: float) -> str:
        choices = catalog.INSTANCE_CHOICES.get(service.service_type, catalog.INSTANCE_CHOICES["default"])
        if env != "production":
            choices = choices[:2]
        return choices[min(int(u * len(choices)), len(choices) - 1)]

    @staticmethod
    def _db_class(env: str, u: float) -> str:
        choices = catalog.DB_CHOICES if env == "production" else catalog.DB_CHOICES[:2]
        return choices[min(int(u * len(choices)), len(choices) - 1)]

    def _tags(self, service: org.Service, env: str, kind: str, d: TagDraws) -> dict[str, str]:
        team = service.team
        p = d.profile
        if p < 0.70:  # clean
            tags = {"team": team, "service": service.service, "environment": env}
        elif p < 0.80:  # messy keys and values
            tags = self._messy_tags(service, env, d)
        elif p < 0.88:  # only a service tag
            tags = {("app" if d.spelling < 0.3 else "service"): service.service}
        elif p < 0.98:  # untagged
            tags = {}
        else:  # a team nobody knows
            tags = {"team": _pick(org.UNKNOWN_TEAM_VALUES, d.spelling), "service": service.service, "environment": env}
        if kind == "ec2" and d.name_tag < 0.8 and tags:
            tags["Name"] = f"{service.service}-{env}"  # instances of one group share it
        if tags and d.cost_center_tag < 0.15:
            tags["CostCenter"] = f"CC-{1000 + (hash_team(team) % 90) * 10}"
        if tags and d.owner_tag < 0.04:
            tags["owner"] = f"{team}-oncall@example.com"
        if kind in ("ec2", "ebs", "rds", "s3") and d.created_by_tag < 0.3:
            tags["aws:createdBy"] = _pick(CREATORS, d.creator)
        return tags

    @staticmethod
    def _messy_tags(service: org.Service, env: str, d: TagDraws) -> dict[str, str]:
        team = service.team
        team_key = _pick(TEAM_KEYS, d.spelling) if d.messy_team_key < 0.7 else "team"
        svc_key = _pick(SERVICE_KEYS, d.service_key) if d.messy_service_key < 0.7 else "service"
        env_key = _pick(ENV_KEYS, d.env_key) if d.messy_env_key < 0.7 else "environment"
        if d.messy_team_value < 0.7:
            variants = org.TEAM_VALUE_VARIANTS.get(team) or (team.title(), team.upper(), f" {team} ")
            team_value = _pick(variants, d.team_value)
        else:
            team_value = team
        svc_variants = org.SERVICE_VALUE_VARIANTS.get(service.service)
        svc_value = _pick(svc_variants, d.service_value) if svc_variants and d.messy_service_value < 0.6 else service.service
        env_value = _pick(org.ENVIRONMENT_VALUE_VARIANTS[env], d.env_value) if d.messy_env_value < 0.6 else env
        return {team_key: team_value, svc_key: svc_value, env_key: env_value}

    def _lifetime(self, res: Resource, d: LifetimeDraws) -> None:
        n_days = self.n_days
        if d.from_window_start < 0.78:
            res.start, res.start_hour = 0, 0
            if d.ends_early < 0.06:
                res.end, res.end_hour = int(d.day * n_days), 1 + int(d.hour * 23)
            else:
                res.end, res.end_hour = n_days - 1, 24
        else:
            res.start, res.start_hour = int(d.day * n_days), int(d.hour * 24)
            duration = int(-math.log(1.0 - d.duration) * 25)
            res.end = res.start + duration
            if res.end >= n_days - 1:
                res.end, res.end_hour = n_days - 1, 24
            else:
                res.end_hour = 1 + int(d.last_hour * 23)
        if res.start == res.end and res.end_hour <= res.start_hour:
            res.end_hour = min(24, res.start_hour + 1)

    def random_resource(self) -> None:
        rng = self.rng
        d = draw_resource(rng)
        service = org.SERVICES[min(int(d.service * len(org.SERVICES)), len(org.SERVICES) - 1)]
        env = "production" if d.env < 0.60 else ("staging" if d.env < 0.85 else "development")
        account = service_account(service, env, d.account)
        region = service_region(service, d.region)
        weights = catalog.KIND_WEIGHTS[service.service_type]
        total = sum(w for _, w in weights)
        acc, kind = 0.0, weights[-1][0]
        for k, w in weights:
            acc += w / total
            if d.kind < acc:
                kind = k
                break
        n = len(self.resources)
        res = Resource(
            self._resource_id(kind, service.service, env, region, account, n),
            account,
            service=service.service,
            env=env,
            kind=kind,
            region=region.code,
        )
        if catalog.KINDS[kind].has_zone:
            res.zone = region.zones[min(int(d.zone * len(region.zones)), len(region.zones) - 1)]
        res.tags = self._tags(service, env, kind, d.tags)
        self._lifetime(res, d.lifetime)
        slots = self._slots(kind, service, env, d.slots)
        if env == "production" and kind in ("ec2", "lambda", "fargate") and d.savings_plan < 0.35:
            for s in slots:
                if catalog.TEMPLATES[s.template].sp_discount > 0:
                    s.sp = 0
        for s in slots:
            if rng.random() < 0.03:
                s.stable_id = rng.bytes(52)
        self.add_resource(res, slots)

    def anchors(self) -> None:
        """Hand-placed resources: RI/SP coverage and each tag oddity exist whatever `lines` is.
        The order is the generator's: each resource draws its ids in turn."""
        self._reserved_instance_anchors()
        self._savings_plan_anchors()
        self._tag_oddity_anchors()

    def _reserved_instance_anchors(self) -> None:
        d, p1 = self.n_days, self.ri_purchase_day
        ri1, ri2 = 0, 1
        self._put_anchor(
            "payments-ledger",
            "production",
            "payments-prod",
            "rds",
            _clean_tags("payments-core", "payments-ledger", "production"),
            instance="db.r6g.2xlarge",
            ri=ri1,
        )
        self._put_anchor(
            "payments-ledger",
            "production",
            "payments-prod",
            "rds",
            {"Team": "Payments", "Service": "payments-ledger", "env": "prod"},
            instance="db.r6g.2xlarge",
            ri=ri1,
            end=round(0.7 * (d - 1)),
            end_hour=14,
        )
        self._put_anchor(
            "search-api",
            "production",
            "search-prod",
            "ec2",
            _clean_tags("search-ranking", "search-api", "production"),
            instance="m6i.2xlarge",
            start=p1,
            ri=ri2,
        )
        self._put_anchor(
            "search-api",
            "production",
            "search-prod",
            "ec2",
            {"team_name": "search ranking", "app": "SearchAPI", "Environment": "Production"},
            instance="m6i.2xlarge",
            start=p1,
            ri=ri2,
        )
        self._put_anchor(
            "search-api",
            "production",
            "search-prod",
            "ec2",
            {"TEAM": "ranking", "service": "search-api", "ENV": "PRD"},
            instance="m6i.2xlarge",
            start=p1,
            ri=ri2,
            end=max(p1, round(0.9 * (d - 1))),
            end_hour=9,
        )

    def _savings_plan_anchors(self) -> None:
        p2 = self.sp_purchase_day
        sp1, sp2 = 0, 1
        self._put_anchor(
            "catalog-api",
            "production",
            "marketplace-prod",
            "ec2",
            {"owner-team": "catalogue", "application": "catalog_api", "stage": "live"},
            instance="c6i.4xlarge",
            sp=sp1,
        )
        self._put_anchor(
            "payments-api",
            "production",
            "payments-prod",
            "lambda",
            {"team": "PAY", "service": "PaymentsAPI", "environment": "production"},
            sp=sp1,
        )
        self._put_anchor(
            "warehouse",
            "production",
            "data-platform-prod",
            "ec2",
            _clean_tags("data-warehouse", "warehouse", "production"),
            instance="r6i.4xlarge",
            start=p2,
            sp=sp2,
        )
        self._put_anchor(
            "cdc-pipeline",
            "production",
            "data-platform-prod",
            "ec2",
            {"team-name": "DataIngest", "App": "cdc-pipeline", "Env": "prd"},
            instance="r6i.4xlarge",
            start=p2,
            sp=sp2,
        )

    def _tag_oddity_anchors(self) -> None:
        self._put_anchor("payments-settlement", "production", "payments-prod", "ebs", {})
        self._put_anchor("vpc-core", "production", "shared-services", "nat", {})
        self._put_anchor("search-web", "production", "search-prod", "s3", {"app": "search-web"})
        self._put_anchor(
            "checkout-web",
            "production",
            "payments-prod",
            "s3",
            {"team": "growth-experiments", "service": "checkout-web", "environment": "production"},
        )
        self._put_anchor(
            "checkout-api",
            "development",
            "dev-sandbox",
            "ec2",
            {"Team": " checkout ", "Service": "Checkout-API", "Environment": "dev"},
            instance="t3.large",
        )
        self._put_anchor(
            "siem",
            "production",
            "management",
            "kms",
            {
                "team": "secops",
                "service": "siem",
                "environment": "production",
                "owner": "secops-oncall@example.com",
                "CostCenter": "CC-4100",
            },
        )
        self._put_anchor("incident-bot", "staging", "staging-shared", "lambda", {})
        self._put_anchor(
            "model-serving",
            "production",
            "ml-prod",
            "ec2",
            {
                "team": "ML Platform",
                "service": "model-serving",
                "environment": "production",
                "aws:createdBy": "AssumedRole:AROAEXAMPLEROLE01:terraform",
            },
            instance="g5.xlarge",
        )

    def _put_anchor(
        self,
        service: str,
        env: str,
        account: str,
        kind: str,
        tags: dict[str, str],
        *,
        instance: str | None = None,
        start: int = 0,
        end: int | None = None,
        end_hour: int = 24,
        ri: int = -1,
        sp: int = -1,
        region: str = "us-east-1",
    ) -> None:
        """One hand-placed resource, of median size; `ri` / `sp` cover its eligible usage from their start."""
        svc = org.service(service)
        acct = ACCOUNT_INDEX[account]
        reg = catalog.REGION_BY_CODE[region]
        n = len(self.resources)
        res = Resource(
            self._resource_id(kind, service, env, reg, acct, n),
            acct,
            tags=dict(tags),
            service=service,
            env=env,
            kind=kind,
            region=region,
            start=start,
            end=self.n_days - 1 if end is None else end,
            end_hour=end_hour if end is not None else 24,
        )
        if catalog.KINDS[kind].has_zone:
            res.zone = reg.zones[n % len(reg.zones)]
        slots = self._slots(kind, svc, env, MEDIAN_SLOTS, instance=instance, with_optional=False)
        for s in slots:
            t = catalog.TEMPLATES[s.template]
            if ri >= 0 and s.template == self.reservations[ri].template:
                s.ri = ri
            # the second plan is an EC2 Instance Savings Plan for r6i
            if sp >= 0 and (t.sp_discount > 0 or (sp == 1 and s.template.startswith("ec2:r6i"))):
                s.sp = sp
        self.add_resource(res, slots)

    # -- after the estate is drawn -----------------------------------------------------------------
    def size_savings_plans(self, slot_arrays: dict[str, np.ndarray]) -> None:
        """Commitments sized so that covered usage never exceeds them (AWS would bill the excess as Usage)."""
        days = np.arange(self.n_days)
        trend = 1.0 + 0.025 * days / 30.0
        for sp in self.savings_plans:
            mask = slot_arrays["sp"] == sp.index
            if not mask.any():
                hourly = 1.0
            else:
                start, end = slot_arrays["start"][mask], slot_arrays["end"][mask]
                base, sp_rate = slot_arrays["base"][mask], slot_arrays["sp_rate"][mask]
                pattern = slot_arrays["pattern"][mask]
                active = (start[:, None] <= days[None, :]) & (end[:, None] >= days[None, :])
                per_day = np.where(pattern[:, None] == PATTERN_CODES["hours"], 24.0 * base[:, None], base[:, None] * trend[None, :] * 1.15)
                upper = (active * per_day * sp_rate[:, None]).sum(axis=0).max()
                hourly = max(0.01, math.ceil(upper / 24.0 * 1.02 * 100) / 100)
            if sp.payment_option == "All Upfront":
                sp.upfront_hourly = hourly
                sp.upfront_total = round(hourly * (8760 if sp.term == "1yr" else 26280), 2)
            else:
                sp.recurring_hourly = hourly


def hash_team(name: str) -> int:
    return sum(ord(c) * (i + 1) for i, c in enumerate(name))


def build_estate(seed: int, end_date: dt.date, months: int, lines: int) -> Estate:
    window_start, n_days, periods = make_calendar(end_date, months)
    b = _Builder(seed, window_start, n_days, periods)
    b.anchors()
    b._register_fee_pairs()
    while True:
        total = b.slot_lines + b.fee_lines()
        if total >= lines:
            break
        b.random_resource()
        total = b.slot_lines + b.fee_lines()
        if total > lines:
            b.trim_last(total - lines)
            _rebuild_pairs(b)  # trimming may have taken the resource out of a period
            break
    estate = _finish(b)
    return estate


def _rebuild_pairs(b: _Builder) -> None:
    b._reset_pairs()
    products: dict[int, set[str]] = {}
    for r, t in zip(b.slots.resource, b.slots.template, strict=True):
        products.setdefault(r, set()).add(catalog.TEMPLATES[b.slots.template_keys[t]].product_code)
    res = b.resources
    for r, prods in products.items():
        b._register_pairs(res.account[r], res.start[r], res.end[r], prods)
    b._register_fee_pairs()


def _finish(b: _Builder) -> Estate:
    """Freeze the drawn estate: slot columns as numpy arrays, and the descriptors of each slot's lines."""
    res, sl = b.resources, b.slots
    res.finish()
    templates = [catalog.TEMPLATES[k] for k in sl.template_keys]
    t_idx = np.frombuffer(sl.template, dtype=np.int32)
    arrays = _slot_arrays(b, templates, t_idx)
    stable_ids = _stable_ids(sl, arrays["stable"])
    b.size_savings_plans(arrays)
    descs = _slot_descriptors(b, arrays, templates, t_idx)
    estate = Estate(
        seed=b.seed,
        window_start=b.window_start,
        n_days=b.n_days,
        periods=b.periods,
        descriptors=descs,
        resources=res,
        slots=arrays,
        slot_stable_ids=stable_ids,
        savings_plans=b.savings_plans,
        reservations=b.reservations,
        pairs=list(b.pair_index),
        period_pairs=[sorted(p) for p in b.period_pairs],
        ri_purchase_day=b.ri_purchase_day,
        sp_purchase_day=b.sp_purchase_day,
    )
    estate.expected_lines = b.slot_lines + b.fee_lines()
    return estate


def _slot_arrays(b: _Builder, templates: list[catalog.UsageTemplate], t_idx: np.ndarray) -> dict[str, np.ndarray]:
    """Per slot: its resource's columns, its template's, its price and its commitment's rates."""
    res, sl = b.resources, b.slots
    n = len(sl)
    r_idx = np.frombuffer(sl.resource, dtype=np.int32).copy()
    region_of = res.region[r_idx]
    t_rate = np.array([t.rate for t in templates])
    t_global = np.array([t.global_service for t in templates])
    factor = np.array([r.price_factor for r in catalog.REGIONS])[region_of]
    factor = np.where(t_global[t_idx], 1.0, factor)
    arrays: dict[str, np.ndarray] = {
        "resource": r_idx,
        "account": res.account[r_idx],
        "start": res.start[r_idx],
        "end": res.end[r_idx],
        "start_hour": res.start_hour[r_idx],
        "end_hour": res.end_hour[r_idx],
        "base": np.frombuffer(sl.base, dtype=np.float64).copy(),
        "rate": np.round(t_rate[t_idx] * factor, 10),
        "pattern": np.array([PATTERN_CODES[t.pattern] for t in templates], dtype=np.int8)[t_idx],
        "weekly": np.array([t.weekly for t in templates], dtype=bool)[t_idx],
        "nf": np.array([t.normalization_factor for t in templates], dtype=np.float64)[t_idx],
        "sp": np.frombuffer(sl.sp, dtype=np.int32).copy(),
        "ri": np.frombuffer(sl.ri, dtype=np.int32).copy(),
        "stable": np.zeros(n, dtype=bool),
    }
    sp_discount = np.array([t.sp_discount for t in templates])[t_idx]
    sp_discount = np.where(arrays["sp"] == 1, 0.40, sp_discount)  # EC2 Instance SP on r6i
    arrays["sp_rate"] = np.where(arrays["sp"] >= 0, np.round(arrays["rate"] * (1 - sp_discount), 8), 0.0)
    ri = arrays["ri"]
    ri_table = b.reservations
    arrays["ri_up"] = np.array([x.upfront_hourly for x in ri_table] + [0.0])[ri]
    arrays["ri_rec"] = np.array([x.recurring_hourly for x in ri_table] + [0.0])[ri]
    arrays["ri_start"] = np.array([x.start_day for x in ri_table] + [0], dtype=np.int32)[ri]
    return arrays


def _stable_ids(sl: SlotTable, stable: np.ndarray) -> np.ndarray:
    """(n_slots, 52) line item id digits of the slots whose id stays the same every day; marks them in `stable`."""
    stable_ids = np.zeros((len(sl), 52), dtype=np.uint8)
    for i, raw in sl.stable.items():
        stable[i] = True
        stable_ids[i] = np.frombuffer(raw, dtype=np.uint8) % 32
        stable_ids[i, -1] &= 16  # 256 bits in 52 digits: the last digit is a or q
    return stable_ids


def _slot_descriptors(b: _Builder, arrays: dict[str, np.ndarray], templates: list[catalog.UsageTemplate], t_idx: np.ndarray) -> Descriptors:
    """One descriptor per distinct (template, region, line type, commitment, account for negations);
    sets each slot's usage, covered and negation descriptors and its (account, product) pair."""
    n = len(t_idx)
    region_of = b.resources.region[arrays["resource"]]
    descs = Descriptors()
    arrays["desc_usage"] = np.zeros(n, dtype=np.int32)
    arrays["desc_cov"] = np.zeros(n, dtype=np.int32)
    arrays["desc_neg"] = np.zeros(n, dtype=np.int32)
    products = np.array([t.product_code for t in templates], dtype=object)[t_idx]
    arrays["pair"] = np.array([b.pair_index[(a, p)] for a, p in zip(arrays["account"].tolist(), products, strict=True)], dtype=np.int32)
    cache: dict[tuple, tuple[int, int, int]] = {}
    for i in range(n):
        account, sp, ri = int(arrays["account"][i]), int(arrays["sp"][i]), int(arrays["ri"][i])
        key = (t_idx[i], region_of[i], sp, ri, account if sp >= 0 else -1)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _add_slot_descriptors(descs, b, templates[t_idx[i]], catalog.REGIONS[region_of[i]], account, sp, ri)
        arrays["desc_usage"][i], arrays["desc_cov"][i], arrays["desc_neg"][i] = found
    return descs


def _add_slot_descriptors(
    descs: Descriptors, b: _Builder, t: catalog.UsageTemplate, region: catalog.Region, account: int, sp: int, ri: int
) -> tuple[int, int, int]:
    """(usage, covered, negation) descriptor indices of one kind of slot; 0 where it has no such line."""
    rate = float(np.round(t.rate * (1.0 if t.global_service else region.price_factor), 10))
    base = usage_descriptor(t, region, rate)
    usage, cov, neg = descs.add(base), 0, 0
    if ri >= 0:
        cov = descs.add(discounted_descriptor(base, t, b.reservations[ri]))
    elif sp >= 0:
        covered = covered_descriptor(base, b.savings_plans[sp])
        cov = descs.add(covered)
        neg = descs.add(negation_descriptor(covered, org.ACCOUNTS[account].account_id))
    return usage, cov, neg
