"""CUR objects in S3 through boto3: the standard credential chain, the region from the environment
(botocore follows a bucket in another region), paginated listings, and one-line errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sibyl.cur.store import StoredObject
from sibyl.errors import ConfigError


def split_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix")."""
    bucket, _, key = url[len("s3://") :].partition("/")
    if not bucket:
        raise ConfigError(f"{url} names no bucket: give s3://BUCKET/PREFIX")
    return bucket, key.strip("/")


class S3Store:
    def __init__(self, url: str) -> None:
        self.bucket, self.prefix = split_url(url)
        self.client = _client()

    def objects(self) -> list[StoredObject]:
        start = f"{self.prefix}/" if self.prefix else ""
        found = []
        with s3_errors(self.client, self.bucket, start):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    if not item["Key"].endswith("/"):
                        found.append(_stored_object(item, item["Key"][len(start) :]))
        return found

    def lone_object(self) -> StoredObject | None:
        """The object the URL names itself (s3://bucket/path/file.parquet), if there is one."""
        with s3_errors(self.client, self.bucket, self.prefix):
            listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1).get("Contents", [])
        # The exact key sorts before every longer key it prefixes, so one listed key is enough.
        for item in listed:
            if item["Key"] == self.prefix:
                return _stored_object(item, "")
        return None

    def read_text(self, key: str) -> str:
        full = self._full(key)
        with s3_errors(self.client, self.bucket, full):
            return self.client.get_object(Bucket=self.bucket, Key=full)["Body"].read().decode("utf-8")

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}".rstrip("/")

    def _full(self, key: str) -> str:
        return "/".join(p for p in (self.prefix, key) if p)


def _stored_object(listed: dict, key: str) -> StoredObject:
    """One entry of a ListObjectsV2 page, under its key relative to the store."""
    modified = listed["LastModified"].astimezone(dt.UTC).replace(tzinfo=None)
    return StoredObject(key, listed["Size"], modified, listed.get("ETag", "").strip('"'))


def download(urls: list[str], into: Path) -> list[str]:
    """Copy s3:// objects into a local folder; numbered names keep AWS's order and extensions."""
    client = _client()
    into.mkdir(parents=True)
    paths = []
    for i, url in enumerate(urls):
        bucket, key = split_url(url)
        target = into / f"{i:05d}-{key.rsplit('/', 1)[-1]}"
        with s3_errors(client, bucket, key):
            client.download_file(bucket, key, str(target))
        paths.append(str(target))
    return paths


def _client():
    import boto3

    session = boto3.session.Session()
    return session.client("s3", region_name=session.region_name or "us-east-1")


@contextmanager
def s3_errors(client, bucket: str, key: str) -> Iterator[None]:
    """S3's failures as one line: what, which bucket/key/region, and what to do."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    where = f"s3://{bucket}/{key} (region {client.meta.region_name})"
    try:
        yield
    except NoCredentialsError as exc:
        raise ConfigError(
            f"no AWS credentials to read {where}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with a role"
        ) from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise ConfigError(
                f"S3 denied access to {where} ({code}): allow s3:ListBucket and s3:GetObject on it for these credentials"
            ) from exc
        if code == "NoSuchBucket":
            raise ConfigError(
                f"S3 bucket {bucket} does not exist (region {client.meta.region_name}): check the bucket name in the source"
            ) from exc
        if code in ("NoSuchKey", "404"):
            raise ConfigError(f"{where} does not exist: AWS may have replaced the delivery while it was read; run the load again") from exc
        raise ConfigError(f"S3 refused to read {where}: {code or exc}") from exc
    except BotoCoreError as exc:
        raise ConfigError(f"cannot reach S3 for {where}: {exc}") from exc
