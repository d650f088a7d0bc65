"""S3 buckets: listed once per account (S3 lists every bucket from anywhere), each placed in its own region
and read for tags there; a place keeps the buckets of its region only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from botocore.exceptions import ClientError

from sibyl.inventory.scan import Resource
from sibyl.inventory.scanners.base import Location, Place, Scanner, pages, tag_dict, utc

RESOURCE_TYPE = "s3:bucket"
LISTING_REGION = "us-east-1"  # where the account-wide listing is asked


def resource_id(bucket_name: str) -> str:
    """The CUR names a bucket by its name."""
    return bucket_name


def bucket_region(location_constraint: str | None) -> str:
    """GetBucketLocation's answer as a region: nothing for us-east-1, 'EU' for the oldest buckets of eu-west-1."""
    if not location_constraint:
        return "us-east-1"
    return "eu-west-1" if location_constraint == "EU" else location_constraint


def scan(place: Place) -> Iterator[Resource]:
    by_region = place.shared.once("s3:buckets by region", lambda: _buckets_by_region(place))
    s3 = place.client("s3")
    for bucket in by_region.get(place.region, []):
        name = bucket["Name"]
        yield place.resource(
            RESOURCE_TYPE, resource_id(name), _arn(place, name), _tags(s3, name), name=name, created_at=utc(bucket.get("CreationDate"))
        )


def _buckets_by_region(place: Place) -> dict[str, list[dict]]:
    s3 = place.client("s3", LISTING_REGION)
    by_region = defaultdict(list)
    for bucket in pages(s3, "list_buckets", "Buckets", page_size=10_000):
        by_region[bucket_region(s3.get_bucket_location(Bucket=bucket["Name"]).get("LocationConstraint"))].append(bucket)
    return by_region


def _tags(s3, bucket: str) -> dict[str, str]:
    try:
        return tag_dict(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchTagSet":  # a bucket that was never tagged
            return {}
        raise


def _arn(where: Location, bucket: str) -> str:
    return where.arn("s3", bucket, regional=False)


SCANNER = Scanner(RESOURCE_TYPE, ("s3:bucket",), scan)
