"""The least-privilege policies list exactly the calls a full scan makes: every call of a scan over two accounts
(an organization) and two regions is recorded on the real boto3 clients, and mapped to its IAM action."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from aws_estate import ACCOUNT, ORG_ROLE, REGIONS, build_estate, member_session
from sibyl.inventory.command import ScanRequest, scan_estate

POLICIES = Path(__file__).resolve().parents[2] / "policies"
# Where an IAM action is not spelled '<signing name>:<operation>' (AWS's Service Authorization Reference).
IAM_PREFIX = {"tagging": "tag"}
IAM_ACTION = {"s3:ListBuckets": "s3:ListAllMyBuckets"}
# Allowed to everyone, whatever the policies say.
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}


def actions(policy: str) -> set[str]:
    document = json.loads((POLICIES / policy).read_text())
    return {action for statement in document["Statement"] if statement["Effect"] == "Allow" for action in statement["Action"]}


def test_the_policies_allow_exactly_the_calls_a_full_scan_makes(aws, every_client):
    member, member_aws = member_session()
    build_estate(boto3.Session(), ACCOUNT)
    build_estate(member_aws, member)
    called = set()

    def record(client):
        prefix = client.meta.service_model.signing_name
        prefix = IAM_PREFIX.get(prefix, prefix)

        def on_call(model, **_):
            action = f"{prefix}:{model.name}"
            called.add(IAM_ACTION.get(action, action))

        client.meta.events.register("before-call", on_call)

    every_client.append(record)

    scan = scan_estate(ScanRequest(regions=REGIONS, organization_role=ORG_ROLE))

    assert scan.status == "completed" and len(scan.resources) == 68
    read_only, caller = actions("sibyl-inventory-read-only.json"), actions("sibyl-inventory-caller.json")
    assert called - NEEDS_NO_PERMISSION == read_only | caller
    # The read role in each account gets nothing that reaches other accounts; the caller's policy nothing else.
    assert {a.split(":")[0] for a in caller} == {"sts", "organizations"}
    assert not {a.split(":")[0] for a in read_only} & {"sts", "organizations", "iam"}
    assert all(action.split(":")[1].startswith(("Describe", "List", "Get")) for action in read_only)
