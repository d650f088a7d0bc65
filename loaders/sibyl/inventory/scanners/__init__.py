"""The scanners, one per resource type. Adding a type is one module beside these and one line below."""

from __future__ import annotations

from sibyl.inventory.scanners import (
    classic_load_balancers,
    dynamodb_tables,
    ebs_snapshots,
    ebs_volumes,
    ec2_instances,
    eks_clusters,
    elastic_ips,
    elasticache_clusters,
    elbv2_load_balancers,
    lambda_functions,
    nat_gateways,
    rds_clusters,
    rds_instances,
    s3_buckets,
    tagging,
)
from sibyl.inventory.scanners.base import Scanner

SCANNERS: dict[str, Scanner] = {
    scanner.resource_type: scanner
    for scanner in (
        ec2_instances.SCANNER,
        ebs_volumes.SCANNER,
        ebs_snapshots.SCANNER,
        elastic_ips.SCANNER,
        nat_gateways.SCANNER,
        elbv2_load_balancers.SCANNER,
        classic_load_balancers.SCANNER,
        rds_instances.SCANNER,
        rds_clusters.SCANNER,
        s3_buckets.SCANNER,
        lambda_functions.SCANNER,
        dynamodb_tables.SCANNER,
        eks_clusters.SCANNER,
        elasticache_clusters.SCANNER,
    )
}

# Then the Resource Groups Tagging API, for every other type that carries tags.
TAGGING = tagging.scanner(covered=frozenset(t for scanner in SCANNERS.values() for t in scanner.arn_types))

ALL_SCANNERS: tuple[Scanner, ...] = (*SCANNERS.values(), TAGGING)
