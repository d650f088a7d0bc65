"""The scan: every (account, region, scanner) read as one job on a bounded pool. Each place ends as a Read, complete
or failed with AWS's error; a failed place contributes no resource, even those it saw before it failed."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sibyl.inventory.accounts import Account
from sibyl.inventory.aws_errors import error_parts
from sibyl.inventory.scan import READ_COMPLETE, READ_FAILED, Read, Resource, Scan
from sibyl.inventory.scanners.base import AccountShared, Place, Scanner

USER_AGENT = "sibyl-inventory"


def run_scan(
    accounts: list[Account], regions: dict[str, list[str]], scanners: tuple[Scanner, ...], *, concurrency: int, max_attempts: int
) -> Scan:
    """Read every place of `regions` ({account id: regions}) with each scanner, `concurrency` places at a time, each
    call tried at most `max_attempts` times (adaptive retries: backing off and slowing down when AWS throttles)."""
    config = Config(retries={"mode": "adaptive", "total_max_attempts": max_attempts}, user_agent_extra=USER_AGENT)
    scan = Scan.start()
    scan.accounts = sorted(a.account_id for a in accounts)
    scan.regions = sorted({r for account_regions in regions.values() for r in account_regions})
    shared = {account.account_id: AccountShared() for account in accounts}
    jobs = [
        (account, region, scanner, shared[account.account_id])
        for account in accounts
        for region in regions[account.account_id]
        for scanner in scanners
    ]
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sibyl-scan") as pool:
        for read, resources in pool.map(lambda job: read_place(*job, config=config), jobs):
            scan.reads.append(read)
            scan.resources.extend(resources)
    scan.finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return scan


def read_place(account: Account, region: str, scanner: Scanner, shared: AccountShared, *, config: Config) -> tuple[Read, list[Resource]]:
    clients = _CountingClients(account, config)
    place = Place(account.account_id, region, account.partition(region), clients.open, shared)
    where = {"account_id": account.account_id, "region": region, "resource_type": scanner.resource_type}
    try:
        resources = list(scanner.scan(place))
    except (ClientError, BotoCoreError) as exc:
        code, message = error_parts(exc)
        return Read(**where, status=READ_FAILED, error_code=code, error_message=message, api_calls=clients.calls), []
    return Read(**where, status=READ_COMPLETE, api_calls=clients.calls), resources


class _CountingClients:
    """The clients of one place, each made once, every request they send counted (retries included)."""

    def __init__(self, account: Account, config: Config) -> None:
        self._account, self._config = account, config
        self._clients: dict[tuple[str, str], Any] = {}
        self.calls = 0

    def open(self, service: str, region: str) -> Any:
        if (service, region) not in self._clients:
            client = self._account.client(service, region, self._config)
            client.meta.events.register("before-send", self._count)
            self._clients[service, region] = client
        return self._clients[service, region]

    def _count(self, **_: Any) -> None:
        self.calls += 1
