"""A small slice of the AWS price list: regions, usage types, public on-demand rates, product attributes.

Rates are us-east-1 public on-demand prices (USD, Linux, rounded as AWS publishes them); other
regions apply a multiplier. Usage types carry AWS's region prefix (none in us-east-1, `USW2-`,
`EU-`, `APS2-`). Product attributes are keyed by the legacy CUR's own spelling (`product/<attr>`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Region:
    code: str
    location: str
    usage_prefix: str
    zones: tuple[str, ...]
    price_factor: float


REGIONS: tuple[Region, ...] = (
    Region("us-east-1", "US East (N. Virginia)", "", ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"), 1.0),
    Region("us-west-2", "US West (Oregon)", "USW2-", ("us-west-2a", "us-west-2b", "us-west-2c"), 1.0),
    Region("eu-west-1", "EU (Ireland)", "EU-", ("eu-west-1a", "eu-west-1b", "eu-west-1c"), 1.1),
    Region("ap-southeast-2", "Asia Pacific (Sydney)", "APS2-", ("ap-southeast-2a", "ap-southeast-2b"), 1.25),
)
REGION_BY_CODE = {r.code: r for r in REGIONS}

PRODUCT_NAMES = {
    "AWSELB": "Elastic Load Balancing",
    "AWSLambda": "AWS Lambda",
    "AWSQueueService": "Amazon Simple Queue Service",
    "AmazonCloudFront": "Amazon CloudFront",
    "AmazonCloudWatch": "AmazonCloudWatch",
    "AmazonDynamoDB": "Amazon DynamoDB",
    "AmazonEC2": "Amazon Elastic Compute Cloud",
    "AmazonECS": "Amazon Elastic Container Service",
    "AmazonEKS": "Amazon Elastic Container Service for Kubernetes",
    "AmazonES": "Amazon OpenSearch Service",
    "AmazonElastiCache": "Amazon ElastiCache",
    "AmazonKinesis": "Amazon Kinesis",
    "AmazonRDS": "Amazon Relational Database Service",
    "AmazonRedshift": "Amazon Redshift",
    "AmazonS3": "Amazon Simple Storage Service",
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage",
    "awskms": "AWS Key Management Service",
}


def sku(*parts: str) -> str:
    """A stable 16-character SKU-like code (AWS SKUs look like `26QPHR5QDPRK6xxx`)."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:16])


@dataclass(frozen=True)
class UsageTemplate:
    """One priced usage type of one product, e.g. EC2 `BoxUsage:m5.xlarge` hours."""

    key: str
    product_code: str
    usage_type: str  # without region prefix
    operation: str
    unit: str  # pricing/unit
    rate: float  # USD per unit, us-east-1, on demand
    family: str  # product/productFamily
    pattern: str  # hours | variable | storage
    median: float  # daily amount: units per day (hours: units running, e.g. 1 instance)
    description: str  # with {rate} and {region}
    attrs: dict[str, str] = field(default_factory=dict)
    servicecode: str = ""
    weekly: bool = False  # weekday/weekend swing
    global_service: bool = False  # CloudFront: no region
    normalization_factor: float = 0.0
    sp_discount: float = 0.0  # Compute Savings Plan discount when covered; 0 = not eligible


_INSTANCE_TYPES = {
    # itype: (rate, vcpu, memory, family, normalization factor)
    "t3.large": (0.0832, "2", "8 GiB", "General purpose", 4.0),
    "m5.xlarge": (0.192, "4", "16 GiB", "General purpose", 8.0),
    "m6i.2xlarge": (0.384, "8", "32 GiB", "General purpose", 16.0),
    "m6i.4xlarge": (0.768, "16", "64 GiB", "General purpose", 32.0),
    "c6i.2xlarge": (0.34, "8", "16 GiB", "Compute optimized", 16.0),
    "c6i.4xlarge": (0.68, "16", "32 GiB", "Compute optimized", 32.0),
    "r6i.xlarge": (0.252, "4", "32 GiB", "Memory optimized", 8.0),
    "r6i.4xlarge": (1.008, "16", "128 GiB", "Memory optimized", 32.0),
    "g5.xlarge": (1.006, "4", "16 GiB", "GPU instance", 8.0),
    "g5.2xlarge": (1.212, "8", "32 GiB", "GPU instance", 16.0),
    "p3.2xlarge": (3.06, "8", "61 GiB", "GPU instance", 16.0),
}
_DB_CLASSES = {
    "db.t4g.medium": (0.065, "2", "4 GiB", 2.0),
    "db.r6g.large": (0.225, "2", "16 GiB", 4.0),
    "db.r6g.xlarge": (0.449, "4", "32 GiB", 8.0),
    "db.r6g.2xlarge": (0.899, "8", "64 GiB", 16.0),
}

TEMPLATES: dict[str, UsageTemplate] = {}


def _add(t: UsageTemplate) -> None:
    TEMPLATES[t.key] = t


for _itype, (_rate, _vcpu, _mem, _fam, _nf) in _INSTANCE_TYPES.items():
    _add(
        UsageTemplate(
            f"ec2:{_itype}",
            "AmazonEC2",
            f"BoxUsage:{_itype}",
            "RunInstances",
            "Hrs",
            _rate,
            "Compute Instance",
            "hours",
            1.0,
            "${rate} per On Demand Linux " + _itype + " Instance Hour",
            {
                "instanceType": _itype,
                "instanceFamily": _fam,
                "vcpu": _vcpu,
                "memory": _mem,
                "operatingSystem": "Linux",
                "tenancy": "Shared",
                "capacitystatus": "Used",
            },
            servicecode="AmazonEC2",
            normalization_factor=_nf,
            sp_discount=0.0 if _fam == "GPU instance" else 0.28,
        )
    )
for _cls, (_rate, _vcpu, _mem, _nf) in _DB_CLASSES.items():
    _add(
        UsageTemplate(
            f"rds:{_cls}",
            "AmazonRDS",
            f"InstanceUsage:{_cls}",
            "CreateDBInstance:0014",
            "Hrs",
            _rate,
            "Database Instance",
            "hours",
            1.0,
            "${rate} per RDS " + _cls + " Single-AZ instance hour (or partial hour) running PostgreSQL",
            {
                "instanceType": _cls,
                "vcpu": _vcpu,
                "memory": _mem,
                "databaseEngine": "PostgreSQL",
                "deploymentOption": "Single-AZ",
                "instanceFamily": "Memory optimized",
            },
            servicecode="AmazonRDS",
            normalization_factor=_nf,
        )
    )

for _t in (
    UsageTemplate(
        "ec2:data-out",
        "AmazonEC2",
        "DataTransfer-Out-Bytes",
        "RunInstances",
        "GB",
        0.09,
        "Data Transfer",
        "variable",
        25.0,
        "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier",
        {"transferType": "AWS Outbound", "toLocation": "External"},
        servicecode="AWSDataTransfer",
        weekly=True,
    ),
    UsageTemplate(
        "ebs:gp3",
        "AmazonEC2",
        "EBS:VolumeUsage.gp3",
        "CreateVolume-Gp3",
        "GB-Mo",
        0.08,
        "Storage",
        "storage",
        250.0,
        "$0.08 per GB-month of General Purpose (gp3) provisioned storage - {region}",
        {"volumeApiName": "gp3", "volumeType": "General Purpose", "storageMedia": "SSD-backed"},
        servicecode="AmazonEC2",
    ),
    UsageTemplate(
        "rds:gp3",
        "AmazonRDS",
        "RDS:GP3-Storage",
        "CreateDBInstance:0014",
        "GB-Mo",
        0.115,
        "Database Storage",
        "storage",
        600.0,
        "$0.115 per GB-month of provisioned GP3 storage running PostgreSQL",
        {"databaseEngine": "PostgreSQL", "deploymentOption": "Single-AZ", "volumeType": "General Purpose-GP3"},
        servicecode="AmazonRDS",
    ),
    UsageTemplate(
        "s3:storage",
        "AmazonS3",
        "TimedStorage-ByteHrs",
        "StandardStorage",
        "GB-Mo",
        0.023,
        "Storage",
        "storage",
        4000.0,
        "$0.023 per GB - first 50 TB / month of storage used",
        {"storageClass": "General Purpose", "volumeType": "Standard"},
        servicecode="AmazonS3",
    ),
    UsageTemplate(
        "s3:tier1",
        "AmazonS3",
        "Requests-Tier1",
        "PutObject",
        "Requests",
        0.000005,
        "API Request",
        "variable",
        300000.0,
        "$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
        {"group": "S3-API-Tier1", "groupDescription": "PUT/COPY/POST or LIST requests"},
        servicecode="AmazonS3",
        weekly=True,
    ),
    UsageTemplate(
        "s3:tier2",
        "AmazonS3",
        "Requests-Tier2",
        "GetObject",
        "Requests",
        0.0000004,
        "API Request",
        "variable",
        3000000.0,
        "$0.004 per 10,000 GET and all other requests",
        {"group": "S3-API-Tier2", "groupDescription": "GET and all other requests"},
        servicecode="AmazonS3",
        weekly=True,
    ),
    UsageTemplate(
        "s3:data-out",
        "AmazonS3",
        "DataTransfer-Out-Bytes",
        "GetObject",
        "GB",
        0.09,
        "Data Transfer",
        "variable",
        40.0,
        "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier",
        {"transferType": "AWS Outbound", "toLocation": "External"},
        servicecode="AWSDataTransfer",
        weekly=True,
    ),
    UsageTemplate(
        "lambda:gbs",
        "AWSLambda",
        "Lambda-GB-Second",
        "Invoke",
        "Lambda-GB-Second",
        0.0000166667,
        "Serverless",
        "variable",
        500000.0,
        "AWS Lambda - Total Compute - {region}",
        {"group": "AWS-Lambda-Duration"},
        servicecode="AWSLambda",
        weekly=True,
        sp_discount=0.12,
    ),
    UsageTemplate(
        "lambda:req",
        "AWSLambda",
        "Request",
        "Invoke",
        "Requests",
        0.0000002,
        "Serverless",
        "variable",
        3000000.0,
        "AWS Lambda - Total Requests - {region}",
        {"group": "AWS-Lambda-Requests"},
        servicecode="AWSLambda",
        weekly=True,
    ),
    UsageTemplate(
        "ddb:read",
        "AmazonDynamoDB",
        "ReadRequestUnits",
        "GetItem",
        "ReadRequestUnits",
        0.00000025,
        "Amazon DynamoDB PayPerRequest Throughput",
        "variable",
        20000000.0,
        "$0.25 per million read request units ({region})",
        {"group": "DDB-ReadUnits"},
        servicecode="AmazonDynamoDB",
        weekly=True,
    ),
    UsageTemplate(
        "ddb:write",
        "AmazonDynamoDB",
        "WriteRequestUnits",
        "PutItem",
        "WriteRequestUnits",
        0.00000125,
        "Amazon DynamoDB PayPerRequest Throughput",
        "variable",
        2000000.0,
        "$1.25 per million write request units ({region})",
        {"group": "DDB-WriteUnits"},
        servicecode="AmazonDynamoDB",
        weekly=True,
    ),
    UsageTemplate(
        "ddb:storage",
        "AmazonDynamoDB",
        "TimedStorage-ByteHrs",
        "StandardStorage",
        "GB-Mo",
        0.25,
        "Database Storage",
        "storage",
        80.0,
        "$0.25 per GB-Month of storage used beyond first 25 free GB-Months",
        {"volumeType": "Amazon DynamoDB - Indexed DataStore"},
        servicecode="AmazonDynamoDB",
    ),
    UsageTemplate(
        "logs:ingest",
        "AmazonCloudWatch",
        "DataProcessing-Bytes",
        "PutLogEvents",
        "GB",
        0.5,
        "Data Payload",
        "variable",
        15.0,
        "$0.50 per GB custom log data ingested - {region}",
        {"group": "Ingested Logs"},
        servicecode="AmazonCloudWatch",
    ),
    UsageTemplate(
        "logs:storage",
        "AmazonCloudWatch",
        "TimedStorage-ByteHrs",
        "HourlyStorageMetering",
        "GB-Mo",
        0.03,
        "Storage Snapshot",
        "storage",
        400.0,
        "$0.03 per GB-mo of log storage - {region}",
        {"storageMedia": "Amazon S3"},
        servicecode="AmazonCloudWatch",
    ),
    UsageTemplate(
        "nat:hours",
        "AmazonEC2",
        "NatGateway-Hours",
        "NatGateway",
        "Hrs",
        0.045,
        "NAT Gateway",
        "hours",
        1.0,
        "$0.045 per NAT Gateway Hour",
        {"group": "NGW:NatGateway"},
        servicecode="AmazonEC2",
    ),
    UsageTemplate(
        "nat:bytes",
        "AmazonEC2",
        "NatGateway-Bytes",
        "NatGateway",
        "GB",
        0.045,
        "NAT Gateway",
        "variable",
        250.0,
        "$0.045 per GB Data Processed by NAT Gateways",
        {"group": "NGW:NatGateway"},
        servicecode="AmazonEC2",
        weekly=True,
    ),
    UsageTemplate(
        "alb:hours",
        "AWSELB",
        "LoadBalancerUsage",
        "LoadBalancing:Application",
        "Hrs",
        0.0225,
        "Load Balancer-Application",
        "hours",
        1.0,
        "$0.0225 per Application LoadBalancer-hour (or partial hour)",
        {"group": "ELB:Balancer"},
        servicecode="AWSELB",
    ),
    UsageTemplate(
        "alb:lcu",
        "AWSELB",
        "LCUUsage",
        "LoadBalancing:Application",
        "LCU-Hrs",
        0.008,
        "Load Balancer-Application",
        "variable",
        120.0,
        "$0.008 per used Application load balancer capacity unit-hour (or partial hour)",
        {"group": "ELB:Balancer"},
        servicecode="AWSELB",
        weekly=True,
    ),
    UsageTemplate(
        "eks:cluster",
        "AmazonEKS",
        "AmazonEKS-Hours:perCluster",
        "CreateOperation",
        "Hours",
        0.10,
        "Compute",
        "hours",
        1.0,
        "Amazon EKS cluster usage in {region}",
        {},
        servicecode="AmazonEKS",
    ),
    UsageTemplate(
        "cache:r6g.large",
        "AmazonElastiCache",
        "NodeUsage:cache.r6g.large",
        "CreateCacheCluster:0002",
        "NodeUsage",
        0.206,
        "Cache Instance",
        "hours",
        1.0,
        "$0.206 per Redis cache.r6g.large node-hour (or partial hour)",
        {"instanceType": "cache.r6g.large", "cacheEngine": "Redis", "vcpu": "2", "memory": "13.07 GiB"},
        servicecode="AmazonElastiCache",
    ),
    UsageTemplate(
        "sqs:req",
        "AWSQueueService",
        "Requests-RBP",
        "GetQueueAttributes",
        "Requests",
        0.0000004,
        "API Request",
        "variable",
        8000000.0,
        "$0.40 per 1,000,000 Amazon SQS Requests per month thereafter",
        {"queueType": "Standard", "group": "SQS-APIRequest-Tier1"},
        servicecode="AWSQueueService",
        weekly=True,
    ),
    UsageTemplate(
        "kinesis:shard",
        "AmazonKinesis",
        "Storage-ShardHour",
        "shardHourStorage",
        "ShardHour",
        0.015,
        "Kinesis Streams",
        "hours",
        8.0,
        "$0.015 per Shard Hour",
        {"group": "Shard Hour"},
        servicecode="AmazonKinesis",
    ),
    UsageTemplate(
        "kinesis:put",
        "AmazonKinesis",
        "PutRequestPayloadUnits",
        "PutRecord",
        "PutRequest",
        0.000000014,
        "Kinesis Streams",
        "variable",
        300000000.0,
        "$0.014 per 1,000,000 PUT Payload Units",
        {"group": "PUT Request"},
        servicecode="AmazonKinesis",
        weekly=True,
    ),
    UsageTemplate(
        "es:r6g.large",
        "AmazonES",
        "ESInstance:r6g.large",
        "ESDomain",
        "Hrs",
        0.167,
        "Amazon OpenSearch Service Instance",
        "hours",
        3.0,
        "$0.167 per r6g.large.search instance hour (or partial hour)",
        {"instanceType": "r6g.large.search", "vcpu": "2", "memory": "16 GiB"},
        servicecode="AmazonES",
    ),
    UsageTemplate(
        "es:gp3",
        "AmazonES",
        "ES:GP3-Storage",
        "ESDomain",
        "GB-Mo",
        0.122,
        "Amazon OpenSearch Service Volume",
        "storage",
        1500.0,
        "$0.122 per GB-month of GP3 storage",
        {"volumeType": "GP3"},
        servicecode="AmazonES",
    ),
    UsageTemplate(
        "redshift:ra3",
        "AmazonRedshift",
        "Node:ra3.xlplus",
        "RunComputeNode:0001",
        "Hrs",
        1.086,
        "Compute Instance",
        "hours",
        3.0,
        "$1.086 per RA3 XLPlus Compute Node-hour (or partial hour)",
        {"instanceType": "ra3.xlplus", "vcpu": "4", "memory": "32 GiB"},
        servicecode="AmazonRedshift",
    ),
    UsageTemplate(
        "cf:data-out",
        "AmazonCloudFront",
        "US-DataTransfer-Out-Bytes",
        "GET",
        "GB",
        0.085,
        "Data Transfer",
        "variable",
        600.0,
        "$0.085 per GB - first 10 TB / month data transfer out (United States)",
        {"transferType": "CloudFront Outbound", "fromLocation": "United States"},
        servicecode="AmazonCloudFront",
        weekly=True,
        global_service=True,
    ),
    UsageTemplate(
        "cf:requests",
        "AmazonCloudFront",
        "US-Requests-Tier2-HTTPS",
        "GET",
        "Requests",
        0.000001,
        "Request",
        "variable",
        15000000.0,
        "$0.010 per 10,000 HTTPS Requests (United States)",
        {"requestType": "CloudFront-Request-HTTPS-Proxy", "fromLocation": "United States"},
        servicecode="AmazonCloudFront",
        weekly=True,
        global_service=True,
    ),
    UsageTemplate(
        "fargate:vcpu",
        "AmazonECS",
        "Fargate-vCPU-Hours:perCPU",
        "FargateTask",
        "hours",
        0.04048,
        "Compute",
        "hours",
        8.0,
        "AWS Fargate - vCPU - {region}",
        {"cputype": "perCPU"},
        servicecode="AmazonECS",
        sp_discount=0.20,
    ),
    UsageTemplate(
        "fargate:gb",
        "AmazonECS",
        "Fargate-GB-Hours",
        "FargateTask",
        "hours",
        0.004445,
        "Compute",
        "hours",
        16.0,
        "AWS Fargate - Memory - {region}",
        {"memorytype": "perGB"},
        servicecode="AmazonECS",
        sp_discount=0.20,
    ),
    UsageTemplate(
        "kms:key",
        "awskms",
        "KMS-Keys",
        "CreateKey",
        "Keys",
        1.0,
        "Encryption Key",
        "storage",
        1.0,
        "$1 per customer-managed key per month - {region}",
        {},
        servicecode="awskms",
    ),
    UsageTemplate(
        "kms:req",
        "awskms",
        "KMS-Requests",
        "Decrypt",
        "Requests",
        0.000003,
        "API Request",
        "variable",
        200000.0,
        "$0.03 per 10,000 requests - {region}",
        {},
        servicecode="awskms",
        weekly=True,
    ),
):
    _add(_t)


@dataclass(frozen=True)
class ResourceKind:
    """How one kind of resource shows up in a CUR: its usage types and whether it sits in a zone."""

    key: str
    templates: tuple[tuple[str, float], ...]  # (template key, probability the resource has it)
    has_zone: bool


KINDS: dict[str, ResourceKind] = {
    k.key: k
    for k in (
        ResourceKind("ec2", (("ec2:*", 1.0), ("ec2:data-out", 0.35)), True),
        ResourceKind("ebs", (("ebs:gp3", 1.0),), True),
        ResourceKind("rds", (("rds:*", 1.0), ("rds:gp3", 1.0)), True),
        ResourceKind("s3", (("s3:storage", 1.0), ("s3:tier1", 0.9), ("s3:tier2", 0.8), ("s3:data-out", 0.3)), False),
        ResourceKind("lambda", (("lambda:gbs", 1.0), ("lambda:req", 1.0)), False),
        ResourceKind("dynamodb", (("ddb:read", 1.0), ("ddb:write", 1.0), ("ddb:storage", 1.0)), False),
        ResourceKind("logs", (("logs:ingest", 1.0), ("logs:storage", 1.0)), False),
        ResourceKind("nat", (("nat:hours", 1.0), ("nat:bytes", 1.0)), True),
        ResourceKind("alb", (("alb:hours", 1.0), ("alb:lcu", 1.0)), False),
        ResourceKind("eks", (("eks:cluster", 1.0),), False),
        ResourceKind("elasticache", (("cache:r6g.large", 1.0),), True),
        ResourceKind("sqs", (("sqs:req", 1.0),), False),
        ResourceKind("kinesis", (("kinesis:shard", 1.0), ("kinesis:put", 1.0)), False),
        ResourceKind("opensearch", (("es:r6g.large", 1.0), ("es:gp3", 1.0)), False),
        ResourceKind("redshift", (("redshift:ra3", 1.0),), False),
        ResourceKind("cloudfront", (("cf:data-out", 1.0), ("cf:requests", 1.0)), False),
        ResourceKind("fargate", (("fargate:vcpu", 1.0), ("fargate:gb", 1.0)), False),
        ResourceKind("kms", (("kms:key", 1.0), ("kms:req", 0.7)), False),
    )
}

# How each kind of resource's id is spelt, as `str.format` templates over: {region} {account} {service},
# {env} (prod, stg or dev), {name} (`<service>-<env>`), {n} (the resource's number), {hex} (16 random hex
# digits; {HEX} upper-cased), {bucket_purpose}, {function_role}, and {uuid} (a random UUID, drawn only
# for the kinds that use it).
RESOURCE_ID_FORMATS: dict[str, str] = {
    "ec2": "i-0{hex}",
    "ebs": "vol-0{hex}",
    "rds": "arn:aws:rds:{region}:{account}:db:{name}-{n}",
    "s3": "{name}-{bucket_purpose}-{hex:.6}",
    "lambda": "arn:aws:lambda:{region}:{account}:function:{name}-{function_role}-{n}",
    "dynamodb": "arn:aws:dynamodb:{region}:{account}:table/{name}-{n}",
    "logs": "arn:aws:logs:{region}:{account}:log-group:/ecs/{service}/{env}-{n}",
    "nat": "arn:aws:ec2:{region}:{account}:natgateway/nat-0{hex}",
    "alb": "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}-{n}/{hex}",
    "eks": "arn:aws:eks:{region}:{account}:cluster/{name}-{n}",
    "elasticache": "arn:aws:elasticache:{region}:{account}:cluster:{name}-{n}-001",
    "sqs": "arn:aws:sqs:{region}:{account}:{name}-queue-{n}",
    "kinesis": "arn:aws:kinesis:{region}:{account}:stream/{name}-events-{n}",
    "opensearch": "arn:aws:es:{region}:{account}:domain/{name}-{n}",
    "redshift": "arn:aws:redshift:{region}:{account}:cluster:{name}-{n}",
    "cloudfront": "arn:aws:cloudfront::{account}:distribution/E{HEX:.13}",
    "fargate": "arn:aws:ecs:{region}:{account}:service/{name}/{service}-{n}",
    "kms": "arn:aws:kms:{region}:{account}:key/{uuid}",
}
BUCKET_PURPOSES = ("assets", "logs", "exports", "backups", "data")  # by resource number
FUNCTION_ROLES = ("handler", "worker", "consumer", "cron", "webhook")  # by resource number
ENV_SHORT = {"production": "prod", "staging": "stg", "development": "dev"}

# Which kinds of resource each service type runs, with weights.
KIND_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "api": (
        ("ec2", 0.30),
        ("fargate", 0.15),
        ("alb", 0.10),
        ("rds", 0.08),
        ("elasticache", 0.07),
        ("logs", 0.10),
        ("lambda", 0.08),
        ("sqs", 0.04),
        ("dynamodb", 0.05),
        ("kms", 0.03),
    ),
    "frontend": (("s3", 0.25), ("cloudfront", 0.25), ("ec2", 0.20), ("alb", 0.15), ("lambda", 0.15)),
    "worker": (("ec2", 0.35), ("sqs", 0.20), ("fargate", 0.20), ("lambda", 0.15), ("logs", 0.10)),
    "database": (("rds", 0.50), ("ebs", 0.15), ("elasticache", 0.15), ("dynamodb", 0.10), ("redshift", 0.10)),
    "batch": (("ec2", 0.40), ("s3", 0.30), ("lambda", 0.10), ("ebs", 0.20)),
    "pipeline": (("ec2", 0.30), ("s3", 0.30), ("lambda", 0.20), ("sqs", 0.10), ("dynamodb", 0.10)),
    "stream": (("kinesis", 0.35), ("ec2", 0.30), ("s3", 0.20), ("logs", 0.15)),
    "storage": (("s3", 0.80), ("logs", 0.10), ("kms", 0.10)),
    "ml": (("ec2", 0.50), ("s3", 0.30), ("ebs", 0.20)),
    "search": (("opensearch", 0.70), ("ec2", 0.20), ("ebs", 0.10)),
    "platform": (("eks", 0.15), ("ec2", 0.35), ("nat", 0.20), ("alb", 0.15), ("logs", 0.15)),
}

# EC2 instance types by service type (production; non-production picks from the first two).
INSTANCE_CHOICES: dict[str, tuple[str, ...]] = {
    "ml": ("g5.xlarge", "g5.2xlarge", "p3.2xlarge", "r6i.4xlarge"),
    "platform": ("m6i.2xlarge", "m6i.4xlarge", "c6i.4xlarge", "r6i.xlarge"),
    "search": ("r6i.xlarge", "r6i.4xlarge", "m6i.2xlarge"),
    "default": ("t3.large", "m5.xlarge", "m6i.2xlarge", "c6i.2xlarge", "r6i.xlarge", "c6i.4xlarge"),
}
DB_CHOICES: tuple[str, ...] = ("db.t4g.medium", "db.r6g.large", "db.r6g.xlarge", "db.r6g.2xlarge")
