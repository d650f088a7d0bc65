"""GetMetricData for every batch of every place: NextToken followed, a place's calls bounded, its errors recorded.

Places are read side by side, at most CALLS_PER_PLACE calls at a time to one (account, region), whose
GetMetricData quota they share. The first error of a place stops it: its remaining batches are not asked, and
the place is recorded as failed with AWS's error code (AccessDenied, Throttling after the retry bound, ...).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from itertools import zip_longest

from botocore.exceptions import BotoCoreError, ClientError

from sibyl.cloudwatch.credentials import AccountSession
from sibyl.cloudwatch.plan import Batch, Place, Window
from sibyl.cloudwatch.series import READ_COMPLETE, READ_FAILED, PlaceRead, Series, epoch_seconds, utc_time

WORKERS = 8
CALLS_PER_PLACE = 2


class PlaceError(Exception):
    def __init__(self, code: str, message: str, calls: int, retries: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.calls, self.retries = code, message, calls, retries


@dataclass
class BatchResult:
    series: list[Series]
    calls: int
    retries: int


def get_batch(client, batch: Batch, window: Window) -> BatchResult:
    """One GetMetricData call for the batch, and one more per NextToken; the pages of each query joined."""
    queries = [_query(i, q, window.period_seconds) for i, q in enumerate(batch.queries)]
    timestamps: list[list[int]] = [[] for _ in queries]
    values: list[list[float]] = [[] for _ in queries]
    status: dict[str, tuple[str, str]] = {}
    request = {
        "MetricDataQueries": queries,
        "StartTime": utc_time(batch.start).replace(tzinfo=dt.UTC),
        "EndTime": window.end.replace(tzinfo=dt.UTC),
        "ScanBy": "TimestampAscending",
    }
    calls = retries = 0
    while True:
        try:
            response = client.get_metric_data(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
            raise PlaceError(error.get("Code", "ClientError"), error.get("Message", str(exc)), calls + 1, retries + attempts) from None
        except BotoCoreError as exc:
            raise PlaceError(type(exc).__name__, str(exc), calls + 1, retries) from None
        calls += 1
        retries += response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        for result in response["MetricDataResults"]:
            i = int(result["Id"][1:])
            timestamps[i].extend(epoch_seconds(t) for t in result["Timestamps"])
            values[i].extend(result["Values"])
            status[result["Id"]] = (result.get("StatusCode", "Complete"), "; ".join(m.get("Value", "") for m in result.get("Messages", [])))
        if not response.get("NextToken"):
            break
        request["NextToken"] = response["NextToken"]
    _refuse_incomplete(status, calls, retries)
    return BatchResult([_series(q, window, ts, vs) for q, ts, vs in zip(batch.queries, timestamps, values, strict=True)], calls, retries)


def _query(i: int, q, period_seconds: int) -> dict:
    d = q.definition
    metric = {"Namespace": d.namespace, "MetricName": d.metric_name, "Dimensions": [{"Name": d.dimension_name, "Value": q.dimension_value}]}
    return {"Id": f"q{i}", "MetricStat": {"Metric": metric, "Period": period_seconds, "Stat": q.statistic}, "ReturnData": True}


def _series(q, window: Window, timestamps: list[int], values: list[float]) -> Series:
    # Pages come in time order; a dict keeps one value per period whatever they do.
    points = sorted(dict(zip(timestamps, values, strict=True)).items())
    return q.series(window.period_seconds, [t for t, _ in points], [v for _, v in points])


def _refuse_incomplete(status: dict[str, tuple[str, str]], calls: int, retries: int) -> None:
    """After the last page every query must be Complete; PartialData, InternalError or Forbidden fail the place."""
    for query_id, (code, messages) in sorted(status.items()):
        if code != "Complete":
            raise PlaceError(code, f"query {query_id} ended {code}" + (f": {messages}" if messages else ""), calls, retries)


@dataclass
class _PlaceState:
    place: Place
    client: object
    pending: int
    slots: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(CALLS_PER_PLACE))
    failure: PlaceError | None = None
    calls: int = 0
    retries: int = 0
    series: int = 0
    datapoints: int = 0

    def call(self, batch: Batch, window: Window) -> BatchResult | None:
        with self.slots:
            # A place that failed asks nothing more (set by the consuming thread; a late read is harmless).
            return None if self.failure else get_batch(self.client, batch, window)

    def record(self, future: Future) -> list[Series]:
        self.pending -= 1
        try:
            result = future.result()
        except PlaceError as exc:
            self.failure = self.failure or exc
            self.calls, self.retries = self.calls + exc.calls, self.retries + exc.retries
            return []
        if result is None:
            return []
        self.calls, self.retries = self.calls + result.calls, self.retries + result.retries
        self.series += len(result.series)
        self.datapoints += sum(len(s.timestamps) for s in result.series)
        return result.series

    def read(self) -> PlaceRead:
        account, region = self.place
        counts = {"api_calls": self.calls, "retries": self.retries, "series_count": self.series, "datapoint_count": self.datapoints}
        if self.failure:
            return PlaceRead(account, region, READ_FAILED, self.failure.code, self.failure.message, **counts)
        return PlaceRead(account, region, READ_COMPLETE, **counts)


def fetch_metrics(plan: dict[Place, list[Batch]], sessions: list[AccountSession], window: Window) -> Iterator[Series | PlaceRead]:
    """The series of every batch as each call returns, and each place's read once its last batch is back."""
    by_account = {s.account_id: s for s in sessions}
    states: list[tuple[_PlaceState, list[Batch]]] = []
    for place, batches in sorted(plan.items()):
        session = by_account.get(place[0])
        if session is None or session.session is None:
            yield _unreachable(place, session)
        elif not batches:
            yield PlaceRead(*place, READ_COMPLETE)
        else:
            states.append((_PlaceState(place, session.client(place[1]), len(batches)), batches))
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sibyl-cloudwatch")
    try:
        # Batches in turn across places, so that every place makes progress from the start.
        futures: dict[Future, _PlaceState] = {}
        for turn in zip_longest(*[[(state, b) for b in batches] for state, batches in states]):
            for state, batch in filter(None, turn):
                futures[pool.submit(state.call, batch, window)] = state
        for future in as_completed(futures):
            state = futures[future]
            yield from state.record(future)
            if state.pending == 0:
                yield state.read()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _unreachable(place: Place, session: AccountSession | None) -> PlaceRead:
    account, region = place
    if session is None:
        return PlaceRead(
            account, region, READ_FAILED, "NotReachable", f"no credentials reach account {account}: pass --role-arn for a role in it"
        )
    return PlaceRead(account, region, READ_FAILED, session.error_code, session.error_message)
