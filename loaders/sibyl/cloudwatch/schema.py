"""DDL of the raw CloudWatch tables: each datapoint one row, each run one row, each place a run read one row."""

from __future__ import annotations

from sibyl.raw_ddl import create_table_sql
from sibyl.warehouse import Warehouse

METRICS = "raw.cloudwatch_metrics"
RUNS = "raw.cloudwatch_runs"
READS = "raw.cloudwatch_reads"
SERIES = "raw.cloudwatch_series"

# Natural key: (account_id, resource_id, namespace, metric_name, statistic, period_seconds, timestamp). The loader
# keeps it unique (each series resumes after its last loaded timestamp, in SERIES) without an index, which would
# slow every bulk append and, on DuckDB, live in memory.
METRIC_COLUMNS: dict[str, str] = {
    "account_id": "varchar",
    "region": "varchar",
    "resource_id": "varchar",  # as the CUR's line_item_resource_id names it (the inventory's resource_id)
    "namespace": "varchar",
    "metric_name": "varchar",
    "statistic": "varchar",
    "period_seconds": "bigint",
    "timestamp": "timestamp",  # start of the period, UTC
    "value": "double",
    "unit": "varchar",
    "run_id": "varchar",
}
NATURAL_KEY = ("account_id", "resource_id", "namespace", "metric_name", "statistic", "period_seconds", "timestamp")

RUN_COLUMNS: dict[str, str] = {
    "run_id": "varchar",
    "started_at": "timestamp",
    "finished_at": "timestamp",
    "status": "varchar",  # completed | partial | failed
    "source": "varchar",  # api, or the snapshot file it was loaded from
    "period_seconds": "bigint",
    "window_start": "timestamp",  # the window the run asked for: [window_start, window_end)
    "window_end": "timestamp",
    "place_count": "bigint",
    "failed_place_count": "bigint",
    "series_count": "bigint",
    "api_calls": "bigint",
    "retries": "bigint",
    "datapoints_fetched": "bigint",
    "datapoints_loaded": "bigint",  # fetched, less those loaded before and those of places that failed
    "loaded_at": "timestamp",
}

# Every (account, region) the run read: complete, or failed with the error that stopped it.
READ_COLUMNS: dict[str, str] = {
    "run_id": "varchar",
    "account_id": "varchar",
    "region": "varchar",
    "status": "varchar",  # complete | failed
    "error_code": "varchar",
    "error_message": "varchar",
    "api_calls": "bigint",
    "retries": "bigint",
    "series_count": "bigint",
    "datapoint_count": "bigint",
}


# Where each series resumes: its last loaded timestamp, kept with its datapoints in the same transaction, so a load
# reads one row per series instead of grouping every datapoint (30 s for 18M on PostgreSQL, bench/README.md).
SERIES_KEY = NATURAL_KEY[:-1]
SERIES_COLUMNS: dict[str, str] = {
    **{name: METRIC_COLUMNS[name] for name in SERIES_KEY},
    "last_timestamp": "timestamp",
    "run_id": "varchar",  # the run that loaded it
}


def ensure_cloudwatch_tables(wh: Warehouse) -> None:
    wh.execute("create schema if not exists raw")
    wh.execute(create_table_sql(METRICS, METRIC_COLUMNS, wh.name))
    wh.execute(create_table_sql(RUNS, RUN_COLUMNS, wh.name, primary_key=("run_id",)))
    wh.execute(create_table_sql(READS, READ_COLUMNS, wh.name, primary_key=("run_id", "account_id", "region")))
    wh.execute(create_table_sql(SERIES, SERIES_COLUMNS, wh.name, primary_key=SERIES_KEY))
