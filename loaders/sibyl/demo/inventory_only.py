"""What only an inventory shows of the demo organisation: resources its CUR does not bill.

- EC2 instances stopped since before the CUR's window (no instance hours at all);
- EBS snapshots, every other one older than a year (the demo's CUR bills no snapshot);
- Elastic IP addresses, every other one associated with nothing;
each in an account and region where its service runs, with tags as people leave them: clean, messy
keys, required keys missing, a misspelled or unknown team, a misspelled service, or none at all.
The first of each kind of resource takes each kind of tag set in turn, so all of them exist in the
smallest demo.
"""

from __future__ import annotations

import datetime as dt
import random

from sibyl.inventory.scan import Resource

from . import organisation as org
from .estate_builder import ENV_KEYS, SERVICE_KEYS, TEAM_KEYS, service_account, service_region

# Team and service values nobody's tag rules can mend: typos of real names, beside the unknown teams.
MISSPELLED_TEAM_VALUES = ("paymnets-core", "serach-ranking", "chekout", "data-warehose", "obsevability")
MISSPELLED_SERVICE_VALUES = ("payments-apii", "catalgo-api", "serach-api")
TAG_PROFILES = ("untagged", "invalid_team", "missing_keys", "messy_keys", "clean", "invalid_service")
PROFILE_WEIGHTS = (0.20, 0.10, 0.15, 0.15, 0.35, 0.05)
ENVIRONMENTS = ("production", "staging", "development")
OLD_SNAPSHOT_DAYS = 365


def inventory_only_resources(rng: random.Random, scan_time: dt.datetime, billed: int) -> list[Resource]:
    """Stopped instances, snapshots and Elastic IPs, in proportion to the `billed` resources of the scan."""
    found = [_stopped_instance(rng, i, scan_time) for i in range(max(3, billed // 25))]
    found += [_snapshot(rng, i, scan_time) for i in range(max(6, billed // 8))]
    found += [_elastic_ip(rng, i) for i in range(max(4, billed // 30))]
    return found


def _stopped_instance(rng: random.Random, i: int, scan_time: dt.datetime) -> Resource:
    account, region, tags = _placed(rng, i)
    if tags and rng.random() < 0.5:
        tags["Name"] = f"{tags.get('service', 'instance')}-{i}"
    instance_id = f"i-0{rng.getrandbits(64):016x}"
    return Resource(
        account_id=account,
        region=region,
        resource_type="ec2:instance",
        resource_id=instance_id,
        arn=f"arn:aws:ec2:{region}:{account}:instance/{instance_id}",
        name=tags.get("Name"),
        state="stopped",
        created_at=scan_time - dt.timedelta(days=rng.randint(120, 900), seconds=rng.randint(0, 86_399)),
        tags=tags,
    )


def _snapshot(rng: random.Random, i: int, scan_time: dt.datetime) -> Resource:
    account, region, tags = _placed(rng, i)
    age_days = rng.randint(OLD_SNAPSHOT_DAYS + 1, 1100) if i % 2 == 0 else rng.randint(1, 180)
    arn = f"arn:aws:ec2:{region}:{account}:snapshot/snap-0{rng.getrandbits(64):016x}"
    return Resource(
        account_id=account,
        region=region,
        resource_type="ec2:snapshot",
        resource_id=arn,  # the CUR names a snapshot by its ARN
        arn=arn,
        state="completed",
        created_at=scan_time - dt.timedelta(days=age_days, seconds=rng.randint(0, 86_399)),
        tags=tags,
    )


def _elastic_ip(rng: random.Random, i: int) -> Resource:
    account, region, tags = _placed(rng, i)
    allocation_id = f"eipalloc-0{rng.getrandbits(64):016x}"
    return Resource(
        account_id=account,
        region=region,
        resource_type="ec2:elastic-ip",
        resource_id=allocation_id,
        arn=f"arn:aws:ec2:{region}:{account}:elastic-ip/{allocation_id}",
        state="unassociated" if i % 2 == 0 else "associated",
        tags=tags,  # AWS gives no allocation time
    )


def _placed(rng: random.Random, i: int) -> tuple[str, str, dict[str, str]]:
    """(account id, region, tags) of a resource of a random service, placed as the estate places its resources."""
    service = rng.choice(org.SERVICES)
    env = rng.choices(ENVIRONMENTS, weights=(0.60, 0.25, 0.15))[0]
    account = org.ACCOUNTS[service_account(service, env, rng.random())].account_id
    region = service_region(service, rng.random()).code
    profile = TAG_PROFILES[i] if i < len(TAG_PROFILES) else rng.choices(TAG_PROFILES, weights=PROFILE_WEIGHTS)[0]
    return account, region, _tags(rng, profile, service, env)


def _tags(rng: random.Random, profile: str, service: org.Service, env: str) -> dict[str, str]:
    clean = {"team": service.team, "service": service.service, "environment": env}
    if profile == "untagged":
        return {}
    if profile == "invalid_team":
        return clean | {"team": rng.choice(MISSPELLED_TEAM_VALUES + org.UNKNOWN_TEAM_VALUES)}
    if profile == "invalid_service":
        return clean | {"service": rng.choice(MISSPELLED_SERVICE_VALUES)}
    if profile == "missing_keys":
        kept = rng.sample(sorted(clean), rng.randint(1, 2))
        return {k: clean[k] for k in sorted(kept)}
    if profile == "messy_keys":
        return {
            rng.choice(TEAM_KEYS): rng.choice(org.TEAM_VALUE_VARIANTS.get(service.team, (service.team,))),
            rng.choice(SERVICE_KEYS): service.service,
            rng.choice(ENV_KEYS): rng.choice(org.ENVIRONMENT_VALUE_VARIANTS[env]),
        }
    return clean
