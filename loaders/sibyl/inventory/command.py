"""`sibyl load inventory`: scan the estate (or read a snapshot), then load it or write it, and say what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sibyl.config import Settings
from sibyl.errors import EXIT_DATA, EXIT_OK, ConfigError
from sibyl.inventory.scan import SCAN_FAILED, Scan

DEFAULT_CONCURRENCY = 8
DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class ScanRequest:
    """What to scan, as the command line gives it (None: not given)."""

    regions: tuple[str, ...] = ()
    all_regions: bool = False
    role_arns: tuple[str, ...] = ()
    organization_role: str | None = None
    concurrency: int | None = None
    max_attempts: int | None = None

    def options_given(self) -> list[str]:
        given = {
            "--region": self.regions,
            "--all-regions": self.all_regions,
            "--role-arn": self.role_arns,
            "--organization-role": self.organization_role,
            "--concurrency": self.concurrency is not None,
            "--max-attempts": self.max_attempts is not None,
        }
        return [option for option, value in given.items() if value]


def scan_estate(request: ScanRequest) -> Scan:
    """Every place of the request's accounts and regions, read by every scanner."""
    import boto3
    from botocore.exceptions import BotoCoreError

    from sibyl.inventory.accounts import resolve_accounts
    from sibyl.inventory.regions import resolve_regions
    from sibyl.inventory.runner import run_scan
    from sibyl.inventory.scanners import ALL_SCANNERS

    try:
        base = boto3.Session()
    except BotoCoreError as exc:  # AWS_PROFILE naming a profile that does not exist
        raise ConfigError(f"cannot open an AWS session: {exc}") from None
    accounts = resolve_accounts(base, request.role_arns, request.organization_role)
    regions = resolve_regions(accounts, request.regions, request.all_regions)
    return run_scan(
        accounts,
        regions,
        ALL_SCANNERS,
        concurrency=request.concurrency or DEFAULT_CONCURRENCY,
        max_attempts=request.max_attempts or DEFAULT_MAX_ATTEMPTS,
    )


def load_inventory(
    settings: Settings, request: ScanRequest, to_file: Path | None, from_file: Path | None, say: Callable[[str], None]
) -> int:
    """Scan and load, scan and write a snapshot, or load a snapshot; the exit code: 1 when nothing could be read."""
    from sibyl.inventory.snapshot import read_snapshot, write_snapshot

    if from_file and (to_file or request.options_given()):
        given = ", ".join(([f"--to-file {to_file}"] if to_file else []) + request.options_given())
        raise ConfigError(f"--from-file loads a snapshot as it was scanned: it takes no scan options ({given}); drop them")
    scan = read_snapshot(from_file) if from_file else scan_estate(request)
    if to_file:
        write_snapshot(scan, to_file)
        outcome = f"wrote {to_file} (load it with `sibyl load inventory --from-file {to_file}`)"
    else:
        outcome = _load(settings, scan, source=str(from_file) if from_file else "api")
    say(f"inventory scan {scan.scan_id}: {summary(scan)}; {outcome}")
    for read in scan.failures:
        say(f"  not read: account {read.account_id} region {read.region} {read.resource_type}: {read.error_code}: {read.error_message}")
    return EXIT_DATA if scan.status == SCAN_FAILED else EXIT_OK


def summary(scan: Scan) -> str:
    return f"{scan.status}, {len(scan.resources):,} resources, {len(scan.reads):,} places read, {len(scan.failures):,} failed"


def _load(settings: Settings, scan: Scan, source: str) -> str:
    from sibyl.inventory.load import load_scan
    from sibyl.warehouse import connect

    with connect(settings) as wh:
        loaded = load_scan(wh, scan, source)
    return f"already loaded into {settings.target}, unchanged" if loaded.already_loaded else f"loaded into {settings.target}"
