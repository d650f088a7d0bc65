"""`sibyl load cur s3://…`: the reference trees served by a moto S3 bucket through the real boto3.

koku's manifest layout (legacy CSV.gz, assembly folders) and keboola's legacy CSV.zip and Data
Exports trees, rebuilt at the S3 keys PROVENANCE.md gives; expected rows and totals come from the
files with gzip/zipfile and the csv module.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from conftest import REFERENCE_DATA, needs_reference_data
from delivery_readers import file_totals
from helpers import invoke, loaded_by_period, raw_state, warehouse_rows

pytestmark = needs_reference_data  # every test here loads koku or keboola trees

KOKU = REFERENCE_DATA / "koku" / "local-bucket"
KEBOOLA = REFERENCE_DATA / "keboola-cur-mock"
# keboola's files, at the keys its S3 structure holds them (PROVENANCE.md, "Source path").
KEBOOLA_LEGACY = {
    "20240101-20240131/MockTestReport-00001.csv.zip": KEBOOLA / "cur_1_0" / "MockTestReport-00001.csv.zip",
    "20240101-20240131/MockTestReport-Manifest.json": KEBOOLA / "cur_1_0" / "MockTestReport-Manifest.json",
}
KEBOOLA_EXPORT = {
    "data/BILLING_PERIOD=2024-09/MockTestReportV2-00001.csv.gz": KEBOOLA / "cur_2_0" / "MockTestReportV2-00001.csv.gz",
    "metadata/BILLING_PERIOD=2024-09/MockTestReportV2-Manifest.json": KEBOOLA / "cur_2_0" / "MockTestReportV2-Manifest.json",
}


def put_tree(s3, bucket: str, objects: dict[str, Path]) -> None:
    s3.create_bucket(Bucket=bucket)
    for key, path in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


def test_koku_manifest_tree_loads_from_s3(target, s3, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    put_tree(s3, "koku-cur", {p.relative_to(KOKU).as_posix(): p for p in KOKU.rglob("*") if p.is_file()})
    [data_file] = (KOKU / "my-prefix").rglob("*.csv.gz")
    rows, cost = file_totals([data_file])
    assert rows == 6190

    result = invoke("load", "cur", "s3://koku-cur/my-prefix")

    assert result.exit_code == 0, result.output
    assert list(scratch.iterdir()) == []  # the downloaded delivery is gone once published
    assert loaded_by_period(by_source=True) == {("s3://koku-cur/my-prefix/my-report", "2018-08"): (rows, pytest.approx(cost, abs=1e-6))}
    assert warehouse_rows("select files from raw.cur_loads") == [
        ('["s3://koku-cur/my-prefix/my-report/20180801-20180901/861af42f-713c-4a42-9562-9158a7625630/my-report-1.csv.gz"]',)
    ]

    again = invoke("load", "cur", "s3://koku-cur/my-prefix/")

    assert again.exit_code == 0
    assert "already loaded, unchanged: 2018-08 from s3://koku-cur/my-prefix/my-report" in again.output


def test_kokus_second_report_is_refused_by_the_gate_its_rows_are_not_in_its_month(target, s3):
    """koku-local's manifest says August 2018 but its rows are June's: published, it would put June's
    cost in August. Its error names the report, the expectation and the dates; nothing of it lands."""
    put_tree(s3, "koku-cur", {p.relative_to(KOKU).as_posix(): p for p in KOKU.rglob("*") if p.is_file()})

    result = invoke("load", "cur", "s3://koku-cur/koku-local")

    assert result.exit_code == 1
    [message] = result.output.strip().splitlines()
    assert message.startswith(
        "error: s3://koku-cur/koku-local 2018-08: validation failed, expect_column_values_to_be_between on "
        "line_item_usage_start_date: 12,604 row(s), e.g. '2018-06-20 01:00:00'"
    )
    assert warehouse_rows("select count(*) from raw.cur_line_items") == [(0,)]
    assert warehouse_rows("select count(*) from raw.cur_loads") == [(0,)]


def test_keboola_legacy_zip_and_data_exports_load_from_s3(target, s3):
    put_tree(s3, "mock-cur-bucket", KEBOOLA_LEGACY)
    put_tree(s3, "mock-cur-v2-bucket", KEBOOLA_EXPORT)
    legacy = file_totals([KEBOOLA / "cur_1_0" / "MockTestReport-00001.csv.zip"])
    export = file_totals([KEBOOLA / "cur_2_0" / "MockTestReportV2-00001.csv.gz"])

    for source in ("s3://mock-cur-bucket", "s3://mock-cur-v2-bucket"):
        result = invoke("load", "cur", source)
        assert result.exit_code == 0, result.output

    assert loaded_by_period(by_source=True) == {
        ("s3://mock-cur-bucket", "2024-01"): (legacy[0], pytest.approx(legacy[1], abs=1e-9)),
        ("s3://mock-cur-v2-bucket", "2024-09"): (export[0], pytest.approx(export[1], abs=1e-9)),
    }
    assert (legacy[0], export[0]) == (3, 4)
    assert warehouse_rows("select delivery_version from raw.cur_loads order by billing_period") == [
        ("123e4567-e89b-12d3-a456-426614174000",),
        ("test-exec-id-12345",),
    ]


@pytest.fixture
def loaded_keboola(target, s3):
    put_tree(s3, "mock-cur-bucket", KEBOOLA_LEGACY)
    assert invoke("load", "cur", "s3://mock-cur-bucket").exit_code == 0
    return raw_state()


def test_no_such_bucket_is_one_line_exit_2(loaded_keboola):
    result = invoke("load", "cur", "s3://no-such-cur-bucket/cur")

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: S3 bucket no-such-cur-bucket does not exist (region us-east-1): check the bucket name in the source"
    )
    assert raw_state() == loaded_keboola


def _load_as_iam_user(s3, monkeypatch, source: str, policy: dict | None, bucket: str, objects: dict[str, Path]):
    """`sibyl load cur SOURCE` with the credentials of a new IAM user holding `policy` (none: no policy),
    after `bucket` is created with `objects` in it. moto enforces IAM only after these set-up calls."""
    from moto.core import set_initial_no_auth_action_count

    @set_initial_no_auth_action_count(2 + (policy is not None) + 1 + len(objects))
    def run():
        import boto3

        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="cur-reader")
        key = iam.create_access_key(UserName="cur-reader")["AccessKey"]
        if policy is not None:
            iam.put_user_policy(UserName="cur-reader", PolicyName="cur", PolicyDocument=json.dumps(policy))
        put_tree(s3, bucket, objects)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN")
        return invoke("load", "cur", source)

    return run()


def test_access_denied_is_one_line_exit_2(loaded_keboola, s3, monkeypatch):
    result = _load_as_iam_user(s3, monkeypatch, "s3://locked-cur/reports", None, "locked-cur", {})

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: S3 denied access to s3://locked-cur/reports/ (region us-east-1) (AccessDenied): "
        "allow s3:ListBucket and s3:GetObject on it for these credentials"
    )
    assert raw_state() == loaded_keboola


def test_access_denied_on_a_data_file_is_one_line_exit_2(loaded_keboola, s3, monkeypatch):
    """Credentials that may list the bucket and read manifests, but not the data files."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::manifests-only"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::manifests-only/*Manifest.json"},
        ],
    }

    result = _load_as_iam_user(s3, monkeypatch, "s3://manifests-only", policy, "manifests-only", KEBOOLA_LEGACY)

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: S3 denied access to s3://manifests-only/20240101-20240131/MockTestReport-00001.csv.zip (region us-east-1) "
        "(AccessDenied): allow s3:ListBucket and s3:GetObject on it for these credentials"
    )
    assert raw_state() == loaded_keboola


def test_manifest_naming_a_key_that_does_not_exist(loaded_keboola, s3):
    put_tree(s3, "half-written-cur", {k: v for k, v in KEBOOLA_LEGACY.items() if k.endswith(".json")})

    result = invoke("load", "cur", "s3://half-written-cur")

    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: s3://half-written-cur/20240101-20240131/MockTestReport-Manifest.json: names 1 file(s) that do not exist, "
        "first s3://half-written-cur/20240101-20240131/MockTestReport-00001.csv.zip; "
        "the delivery is incomplete, wait for AWS to finish writing it"
    )
    assert raw_state() == loaded_keboola


def test_object_gone_before_download_is_one_line_exit_2(loaded_keboola, s3, monkeypatch):
    """AWS replaces a delivery between the listing and the download: NoSuchKey, nothing published."""
    from sibyl.cur.s3 import S3Store

    put_tree(s3, "moving-cur", KEBOOLA_LEGACY)
    listed = S3Store.objects

    def list_then_lose_the_data_file(store):
        objects = listed(store)
        s3.delete_object(Bucket="moving-cur", Key="20240101-20240131/MockTestReport-00001.csv.zip")
        return objects

    monkeypatch.setattr(S3Store, "objects", list_then_lose_the_data_file)

    result = invoke("load", "cur", "s3://moving-cur")

    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: s3://moving-cur/20240101-20240131/MockTestReport-00001.csv.zip (region us-east-1) does not exist: "
        "AWS may have replaced the delivery while it was read; run the load again"
    )
    assert raw_state() == loaded_keboola
