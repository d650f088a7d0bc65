"""A moto AWS estate for the inventory tests: resources of every scanned type, with known tags, created through
boto3, and the resources a scan must report for them, written down here from what was created (ids in the
CUR's form spelled out by hand, not by the scanners' functions)."""

from __future__ import annotations

import io
import itertools
import zipfile
from dataclasses import dataclass

import boto3
from botocore.awsrequest import AWSResponse

ACCOUNT = "123456789012"  # moto's default account: the caller's
ORG_ROLE = "SibylInventoryRead"
REGIONS = ("us-east-1", "eu-west-1")
UNSCANNED_REGION = "ap-southeast-2"

# Tag sets as found in the wild: compliant, keys missing, messy keys that normalize, a team no one knows, nothing.
PROFILES = (
    {"team": "checkout", "service": "cart-service", "environment": "production"},
    {"team": "checkout"},
    {"Team ": "checkout", "user:service": "cart-service", "Environment": "staging"},
    {"team": "nobody-knows", "service": "cart-service", "environment": "production"},
    {},
)
# A bucket without a tag set (S3 answers NoSuchTagSet) and one with. Not the messy keys: moto's S3 trims "Team ".
BUCKET_TAGS = {"us-east-1": {}, "eu-west-1": PROFILES[3]}


@dataclass(frozen=True, order=True)
class Expected:
    account_id: str
    region: str
    resource_type: str
    resource_id: str
    arn: str
    name: str | None
    tags: tuple[tuple[str, str], ...]


def found(resources) -> list[Expected]:
    """A scan's resources in the shape of Expected, sorted."""
    return sorted(
        Expected(r.account_id, r.region, r.resource_type, r.resource_id, r.arn, r.name, tuple(sorted(r.tags.items()))) for r in resources
    )


def member_session() -> tuple[str, boto3.Session]:
    """A second account, member of the caller's new organization, and a session in it through the role the scan assumes."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]
    account = status["AccountId"]
    credentials = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ORG_ROLE}", RoleSessionName="estate-builder"
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return account, session


def build_estate(session: boto3.Session, account: str, regions=REGIONS) -> list[Expected]:
    """One resource of every scanned type (and a few more) in each region, tags cycling through PROFILES."""
    profiles = itertools.cycle(PROFILES)
    role = session.client("iam", region_name="us-east-1").create_role(RoleName="lambda-exec", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    expected = []
    for region in regions:
        builder = _RegionBuilder(session, account, region, profiles)
        expected += builder.ec2() + builder.load_balancers() + builder.databases() + builder.serverless(role) + builder.others()
        expected += builder.bucket(f"{account}-{region}-data", BUCKET_TAGS[region])
    # A bucket outside the scanned regions: listed by S3, then left out.
    _RegionBuilder(session, account, UNSCANNED_REGION, profiles).bucket(f"{account}-{UNSCANNED_REGION}-data", PROFILES[0])
    return sorted(expected)


class _RegionBuilder:
    def __init__(self, session, account, region, profiles):
        self.session, self.account, self.region, self.profiles = session, account, region, profiles
        self.clients = {}

    def client(self, service):
        if service not in self.clients:
            self.clients[service] = self.session.client(service, region_name=self.region)
        return self.clients[service]

    def expect(self, resource_type, resource_id, arn, name, tags) -> Expected:
        return Expected(self.account, self.region, resource_type, resource_id, arn, name, tuple(sorted(tags.items())))

    def arn(self, service, resource):
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def tagged(self, kind):
        tags = next(self.profiles)
        return tags, [{"ResourceType": kind, "Tags": _pairs(tags)}] if tags else []

    def ec2(self) -> list[Expected]:
        ec2 = self.client("ec2")
        tags, spec = self.tagged("instance")
        instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, TagSpecifications=spec)["Instances"][0]
        ec2.stop_instances(InstanceIds=[instance["InstanceId"]])
        [root] = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance["InstanceId"]]}])["Volumes"]
        zone = f"{self.region}a"
        volume_tags, _ = self.tagged("volume")
        volume_tags = volume_tags | {"Name": f"data-{self.region}"}
        volume = ec2.create_volume(
            Size=8, AvailabilityZone=zone, TagSpecifications=[{"ResourceType": "volume", "Tags": _pairs(volume_tags)}]
        )
        snapshot_tags, spec = self.tagged("snapshot")
        snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"], TagSpecifications=spec)
        eip_tags, spec = self.tagged("elastic-ip")
        eip = ec2.allocate_address(Domain="vpc", TagSpecifications=spec)
        nat_eip = ec2.allocate_address(Domain="vpc")
        nat_tags, spec = self.tagged("natgateway")
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=nat_eip["AllocationId"], TagSpecifications=spec)["NatGateway"]
        return [
            self.expect("ec2:instance", instance["InstanceId"], self.arn("ec2", f"instance/{instance['InstanceId']}"), None, tags),
            self.expect("ec2:volume", root["VolumeId"], self.arn("ec2", f"volume/{root['VolumeId']}"), None, {}),
            self.expect(
                "ec2:volume", volume["VolumeId"], self.arn("ec2", f"volume/{volume['VolumeId']}"), f"data-{self.region}", volume_tags
            ),
            self.expect("ec2:snapshot", *[self.arn("ec2", f"snapshot/{snapshot['SnapshotId']}")] * 2, None, snapshot_tags),
            self.expect("ec2:elastic-ip", eip["AllocationId"], self.arn("ec2", f"elastic-ip/{eip['AllocationId']}"), None, eip_tags),
            self.expect("ec2:elastic-ip", nat_eip["AllocationId"], self.arn("ec2", f"elastic-ip/{nat_eip['AllocationId']}"), None, {}),
            self.expect("ec2:natgateway", *[self.arn("ec2", f"natgateway/{nat['NatGatewayId']}")] * 2, None, nat_tags),
        ]

    def load_balancers(self) -> list[Expected]:
        tags = next(self.profiles)
        subnets = [s["SubnetId"] for s in self.client("ec2").describe_subnets()["Subnets"][:2]]
        alb = self.client("elbv2").create_load_balancer(Name=f"web-{self.region}", Subnets=subnets, **_tagged(tags))["LoadBalancers"][0]
        classic_tags = next(self.profiles)
        name = f"legacy-{self.region}"
        self.client("elb").create_load_balancer(
            LoadBalancerName=name,
            Listeners=[{"Protocol": "http", "LoadBalancerPort": 80, "InstancePort": 8080}],
            AvailabilityZones=[f"{self.region}a"],
            **_tagged(classic_tags),
        )
        classic_arn = self.arn("elasticloadbalancing", f"loadbalancer/{name}")
        return [
            self.expect("elbv2:loadbalancer", alb["LoadBalancerArn"], alb["LoadBalancerArn"], alb["LoadBalancerName"], tags),
            self.expect("elb:loadbalancer", classic_arn, classic_arn, name, classic_tags),
        ]

    def databases(self) -> list[Expected]:
        rds = self.client("rds")
        db_tags, cluster_tags, table_tags, cache_tags = (next(self.profiles) for _ in range(4))
        db = f"orders-{self.region}"
        rds.create_db_instance(
            DBInstanceIdentifier=db,
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="sibyl",
            MasterUserPassword="not-a-secret-1",
            **_tagged(db_tags),
        )
        cluster = f"ledger-{self.region}"
        rds.create_db_cluster(
            DBClusterIdentifier=cluster,
            Engine="aurora-postgresql",
            MasterUsername="sibyl",
            MasterUserPassword="not-a-secret-1",
            **_tagged(cluster_tags),
        )
        table = self.client("dynamodb").create_table(
            TableName=f"sessions-{self.region}",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            **_tagged(table_tags),
        )["TableDescription"]
        cache = f"cache-{self.region}"
        self.client("elasticache").create_cache_cluster(
            CacheClusterId=cache, Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1, **_tagged(cache_tags)
        )
        return [
            self.expect("rds:db", *[self.arn("rds", f"db:{db}")] * 2, db, db_tags),
            self.expect("rds:cluster", *[self.arn("rds", f"cluster:{cluster}")] * 2, cluster, cluster_tags),
            self.expect("dynamodb:table", *[self.arn("dynamodb", f"table/{table['TableName']}")] * 2, table["TableName"], table_tags),
            self.expect("elasticache:cluster", *[self.arn("elasticache", f"cluster:{cache}")] * 2, cache, cache_tags),
        ]

    def serverless(self, role: str) -> list[Expected]:
        function_tags, eks_tags = next(self.profiles), next(self.profiles)
        name = f"resize-{self.region}"
        self.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="f.handler",
            Code={"ZipFile": _zip()},
            **_tagged(function_tags, pairs=False),
        )
        cluster = f"apps-{self.region}"
        self.client("eks").create_cluster(name=cluster, roleArn=role, resourcesVpcConfig={}, **_tagged(eks_tags, "tags", pairs=False))
        return [
            self.expect("lambda:function", *[self.arn("lambda", f"function:{name}")] * 2, name, function_tags),
            self.expect("eks:cluster", *[self.arn("eks", f"cluster/{cluster}")] * 2, cluster, eks_tags),
        ]

    def others(self) -> list[Expected]:
        """Types no scanner reads: a tagged queue the Tagging API finds, an untagged one nobody can."""
        sqs = self.client("sqs")
        sqs.create_queue(QueueName=f"jobs-{self.region}", tags={"team": "checkout"})
        sqs.create_queue(QueueName=f"never-tagged-{self.region}")
        arn = self.arn("sqs", f"jobs-{self.region}")
        return [self.expect("tagging:sqs:queue", arn, arn, None, {"team": "checkout"})]

    def bucket(self, name: str, tags: dict[str, str]) -> list[Expected]:
        s3 = self.client("s3")
        where = {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        s3.create_bucket(Bucket=name, **where)
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _pairs(tags)})
        return [self.expect("s3:bucket", name, f"arn:aws:s3:::{name}", name, tags)]


def _tagged(tags: dict[str, str], argument: str = "Tags", pairs: bool = True) -> dict:
    """The create call's tag argument, left out when there are no tags (most APIs refuse an empty list)."""
    return {argument: _pairs(tags) if pairs else tags} if tags else {}


def _pairs(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("f.py", "def handler(event, context):\n    return json.dumps(event)\n")
    return buffer.getvalue()


class _Body(io.BytesIO):
    def stream(self, **_):
        yield self.read()


def aws_answer(status: int, code: str, message: str) -> AWSResponse:
    """An error as AWS answers it in the query protocol (ELB, RDS, STS), and as a botocore 'before-send' handler
    returns it in place of sending the request."""
    error = f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
    body = f"<ErrorResponse>{error}<RequestId>1</RequestId></ErrorResponse>"
    return AWSResponse("https://aws.invalid/", status, {}, _Body(body.encode()))


def answer_instead(every_client, service: str, operation: str, answer, region: str | None = None) -> list[str]:
    """From now on, `answer(attempt)` answers `operation` of `service` (in `region`, or everywhere) before AWS does,
    when it returns a response. Returns the list of regions asked, one entry per attempt."""
    attempts = []

    def hook(client):
        if client.meta.service_model.service_name != service or region not in (None, client.meta.region_name):
            return
        asked_in = client.meta.region_name

        def handler(**_):
            attempts.append(asked_in)
            return answer(len(attempts))

        # First, ahead of moto's own handler, which answers every request it sees.
        client.meta.events.register_first(f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}", handler)

    every_client.append(hook)
    return attempts
