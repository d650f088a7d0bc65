"""The `sibyl` command: generate demo CURs, load CURs, build the dbt project, print reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import sys
import time
import traceback
from pathlib import Path

import click

from sibyl.config import TARGETS, Settings
from sibyl.errors import SibylError


class SibylGroup(click.Group):
    """Turns a SibylError into one red line and its exit code (a traceback only with --verbose)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SibylError as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                traceback.print_exc()
            click.secho(f"error: {exc}", err=True, fg="red")
            ctx.exit(exc.exit_code)


def _settings(ctx: click.Context) -> Settings:
    return Settings.from_env(ctx.obj["target"])


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


@click.group(cls=SibylGroup)
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    envvar="SIBYL_TARGET",
    default="duckdb",
    show_default=True,
    help="Warehouse: embedded DuckDB (SIBYL_DUCKDB_PATH) or PostgreSQL (PG* variables).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logs and tracebacks.")
@click.pass_context
def cli(ctx: click.Context, target: str, verbose: bool) -> None:
    """Sibyl: who is spending what on AWS, and are resources tagged correctly."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr)
    ctx.ensure_object(dict).update(target=target, verbose=verbose)


def _generation_options(func):
    """The demo organisation's size and seed: the same options for `generate cur` and `demo`."""
    options = (
        click.option(
            "--months", type=click.IntRange(1, 36), default=3, show_default=True, help="Billing periods, the last one month-to-date."
        ),
        click.option("--lines", type=click.IntRange(1), default=60_000, show_default=True, help="Line items across all periods."),
        click.option("--seed", type=int, default=42, show_default=True, help="Random seed; same seed, same files."),
    )
    for option in reversed(options):
        func = option(func)
    return func


def _billing_period(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """YYYY-MM as the first day of that month."""
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM", param_hint="--billing-period") from None


# --- generate ---------------------------------------------------------------------------------


@cli.group()
def generate() -> None:
    """Write synthetic data laid out as AWS writes it."""


@generate.command("cur")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@_generation_options
@click.option(
    "--format", "fmt", type=click.Choice(["legacy-parquet", "legacy-csv", "cur2-parquet"]), default="legacy-parquet", show_default=True
)
@click.option("--end-date", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Exclusive end of usage (default: today, UTC).")
@click.option(
    "--seeds-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Also write the organisation's seed CSVs here."
)
@click.option(
    "--anomalies",
    is_flag=True,
    help="Inject one-day spikes and step changes into usage, listed in OUT_DIR/ground-truth/anomalies.csv, and list the"
    " resources that start or stop in OUT_DIR/ground-truth/lifecycle.csv (for bench/backtest.py).",
)
def generate_cur_command(
    out_dir: Path, months: int, lines: int, seed: int, fmt: str, end_date: dt.datetime | None, seeds_dir: Path | None, anomalies: bool
) -> None:
    """Write a CUR delivery tree (manifests included) for the demo organisation into OUT_DIR, and a snapshot of an
    inventory scan of the same estate (OUT_DIR/inventory/)."""
    from sibyl.demo.generate import generate_cur
    from sibyl.demo.inventory import write_demo_inventory
    from sibyl.demo.metrics import SNAPSHOT_PATH as METRICS_SNAPSHOT
    from sibyl.demo.metrics import write_demo_metrics
    from sibyl.demo.organisation import write_seeds

    end = end_date.date() if end_date else dt.datetime.now(dt.UTC).date()
    manifests = generate_cur(out_dir, months=months, lines=lines, seed=seed, fmt=fmt, end_date=end, anomalies=anomalies)
    click.echo(f"wrote {len(manifests)} billing period(s) of {fmt} CUR under {out_dir}")
    if anomalies:
        click.echo(f"wrote the injected changes to {out_dir / 'ground-truth' / 'anomalies.csv'}")
        click.echo(f"wrote the resources' starts and stops to {out_dir / 'ground-truth' / 'lifecycle.csv'}")
    snapshot, scan = write_demo_inventory(out_dir, months=months, lines=lines, seed=seed, end_date=end)
    click.echo(f"wrote the inventory snapshot {snapshot}: {len(scan.resources):,} resources in scan {scan.scan_id}")
    metrics = out_dir / METRICS_SNAPSHOT
    datapoints = write_demo_metrics(scan, metrics, end_date=end, seed=seed)
    click.echo(f"wrote the CloudWatch snapshot {metrics}: {datapoints:,} datapoints")
    if seeds_dir:
        written = write_seeds(seeds_dir)
        click.echo(f"wrote {len(written)} seed file(s) to {seeds_dir}")


# --- load -------------------------------------------------------------------------------------


def _quiet_option(func):
    return click.option("--quiet", is_flag=True, help="No progress display (there is none either when stderr is not a terminal).")(func)


@cli.group()
def load() -> None:
    """Land raw data in the warehouse."""


@load.command("cur")
@click.argument("source")
@click.option("--billing-period", metavar="YYYY-MM", default=None, callback=_billing_period, help="Load only this billing period.")
@click.option(
    "--replace-other-sources",
    is_flag=True,
    help="Let these deliveries replace the same months of the same payer accounts loaded from another source.",
)
@_quiet_option
@click.pass_context
def load_cur_command(ctx: click.Context, source: str, billing_period: dt.date | None, replace_other_sources: bool, quiet: bool) -> None:
    """Load the current CUR delivery of each billing period under SOURCE (s3://bucket/prefix, a folder, or one CUR file, local or in S3).

    All months load in one transaction: if one fails, none is published.

    A month of a payer account is loaded from one source: the same report under a second source (a
    local copy of the bucket, a CUR 2.0 export beside the legacy CUR) is refused, or replaces the
    first with --replace-other-sources.
    """
    _load_cur(_settings(ctx), source, billing_period, replace_other_sources, quiet)


def _load_cur(
    settings: Settings, source: str, billing_period: dt.date | None, replace_other_sources: bool = False, quiet: bool = True
) -> None:
    from sibyl.cur.discover import discover
    from sibyl.cur.load import load_deliveries
    from sibyl.progress import LoadProgress, wanted
    from sibyl.warehouse import connect

    deliveries = discover(source, billing_period)
    started = time.monotonic()
    progress = LoadProgress(deliveries, enabled=wanted(quiet))
    try:
        with connect(settings) as wh:
            results = load_deliveries(wh, deliveries, on_result=_say_loaded, replace_other_sources=replace_other_sources, progress=progress)
    finally:
        progress.close()
    _echo_err(f"{len(results)} billing period(s) in {settings.target} ({time.monotonic() - started:.1f}s)")


@load.command("inventory")
@click.option("--region", "regions", multiple=True, metavar="R", help="A region to scan (repeatable; default: the session's region).")
@click.option("--all-regions", is_flag=True, help="Scan every region enabled in each account.")
@click.option("--role-arn", "role_arns", multiple=True, metavar="ARN", help="Scan the account of this role, assumed (repeatable).")
@click.option("--organization-role", metavar="NAME", default=None, help="Scan every active account of the organization through role NAME.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None, help="Places read at the same time [default: 8].")
@click.option("--max-attempts", type=click.IntRange(1, 20), default=None, help="Attempts per AWS call, retries included [default: 5].")
@click.option("--to-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write a snapshot; load nothing.")
@click.option("--from-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Load a snapshot; call no AWS API.")
@click.pass_context
def load_inventory_command(
    ctx: click.Context,
    regions: tuple[str, ...],
    all_regions: bool,
    role_arns: tuple[str, ...],
    organization_role: str | None,
    concurrency: int | None,
    max_attempts: int | None,
    to_file: Path | None,
    from_file: Path | None,
) -> None:
    """Scan the AWS estate's resources and their tags (read-only: policies/sibyl-inventory-read-only.json) and load them.

    A place (account, region, resource type) that cannot be read, denied, not enabled or throttled past the
    retries, is recorded as such and the scan is partial; exit 1 only when no place could be read.
    """
    from sibyl.inventory.command import ScanRequest, load_inventory

    request = ScanRequest(regions, all_regions, role_arns, organization_role, concurrency, max_attempts)
    ctx.exit(load_inventory(_settings(ctx), request, to_file, from_file, _echo_err))


def _say_loaded(r) -> None:
    d = r.delivery
    if r.status == "older":
        written = f" (written {d.delivered_at:%Y-%m-%d %H:%M:%S} UTC)" if d.delivered_at else ""
        _echo_err(
            f"ignored {d.period_label} from {d.source}: delivery {d.version}{written} is older than the loaded "
            f"{r.loaded.version}; kept it: {r.row_count:,} line items, billed {r.billed_total:,.2f}"
        )
        return
    if r.status == "superseded":
        _echo_err(
            f"ignored {d.period_label} from {d.source}: delivery {d.version} was loaded before and then replaced by the "
            f"delivery from {r.superseded_by}; kept that one: {r.row_count:,} line items, billed {r.billed_total:,.2f}"
        )
        return
    verb = "loaded" if r.status == "published" else "already loaded, unchanged:"
    replaced = " (replaced the previous delivery)" if r.replaced_load_id else ""
    replaced += "".join(f" (replaced the delivery from {source})" for source in r.replaced_sources)
    _echo_err(f"{verb} {d.period_label} from {d.source}: {r.row_count:,} line items, billed {r.billed_total:,.2f}{replaced}")


@load.command("cloudwatch")
@click.option("--days", type=click.IntRange(1, 455), default=None, help="How far back to fetch, at most (default 30).")
@click.option("--period", type=click.IntRange(60), default=None, help="Seconds per datapoint (default 3600).")
@click.option("--region", "regions", multiple=True, help="Only this region (repeat for more; default: every region of the inventory).")
@click.option(
    "--role-arn", "role_arns", multiple=True, help="Assume this role to read its account (repeat; default: the current credentials)."
)
@click.option(
    "--metrics",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Your own metric table (CSV with the columns of loaders/sibyl/cloudwatch/default_metrics.csv) instead of the defaults.",
)
@click.option("--to-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write a snapshot here instead of loading.")
@click.option("--from-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Load a snapshot instead of calling AWS.")
@click.pass_context
def load_cloudwatch_command(
    ctx: click.Context,
    days: int | None,
    period: int | None,
    regions: tuple[str, ...],
    role_arns: tuple[str, ...],
    metrics: Path | None,
    to_file: Path | None,
    from_file: Path | None,
) -> None:
    """Fetch the CloudWatch metrics of the inventory's resources (GetMetricData) and load them.

    The resources are those of each place's latest complete inventory read. Each series (resource, metric,
    statistic, period) resumes after its last loaded datapoint, at most --days back: loading twice adds nothing.
    A place (account, region) that cannot be read is recorded and named; the others load.
    """
    from sibyl.cloudwatch.load import FetchOptions
    from sibyl.errors import ConfigError

    settings = _settings(ctx)
    if from_file:
        shaping = {
            "--days": days,
            "--period": period,
            "--region": regions,
            "--role-arn": role_arns,
            "--metrics": metrics,
            "--to-file": to_file,
        }
        given = [name for name, value in shaping.items() if value]
        if given:
            raise ConfigError(f"--from-file loads a snapshot as it was fetched: leave out {', '.join(given)}")
        _load_cloudwatch_file(settings, from_file)
        return
    defaults = FetchOptions()
    options = FetchOptions(days or defaults.days, period or defaults.period_seconds, list(regions), metrics)
    _fetch_cloudwatch(settings, options, list(role_arns), to_file)


def _fetch_cloudwatch(settings: Settings, options, role_arns: list[str], to_file: Path | None) -> None:
    from sibyl.cloudwatch.credentials import open_sessions
    from sibyl.cloudwatch.load import load_from_api, plan_fetch, snapshot_from_api
    from sibyl.warehouse import connect

    sessions = open_sessions(role_arns)
    started = time.monotonic()
    if to_file:
        with _read_warehouse(settings) as wh:
            plan = plan_fetch(wh, options)
        written = snapshot_from_api(plan, sessions, to_file)
        run, fetched, what = (
            plan.run,
            written.datapoints,
            f"wrote {written.datapoints:,} datapoints of {written.series:,} series to {to_file}",
        )
    else:
        with connect(settings) as wh:
            landed = load_from_api(wh, sessions, options)
        run, fetched = landed.run, landed.datapoints_fetched
        what = f"loaded {landed.datapoints_loaded:,} new datapoints of {landed.series_count:,} series"
    seconds = time.monotonic() - started
    calls = sum(r.api_calls for r in run.reads)
    _say_cloudwatch_run(
        run,
        f"{what} from {len(run.reads)} place(s), {calls:,} GetMetricData call(s), "
        f"{fetched:,} datapoints in {seconds:.1f}s ({fetched / max(seconds, 1e-9):,.0f}/s)",
    )


def _load_cloudwatch_file(settings: Settings, path: Path) -> None:
    from sibyl.cloudwatch.load import load_from_file
    from sibyl.warehouse import connect

    started = time.monotonic()
    with connect(settings) as wh:
        landed = load_from_file(wh, path)
    if landed.already_loaded:
        _echo_err(f"already loaded, unchanged: CloudWatch run {landed.run.run_id} from {path}")
        return
    seconds = time.monotonic() - started
    _say_cloudwatch_run(
        landed.run,
        f"loaded {landed.datapoints_loaded:,} new datapoints of {landed.series_count:,} series from {path} "
        f"in {seconds:.1f}s ({landed.datapoints_fetched / max(seconds, 1e-9):,.0f} datapoints/s)",
    )


def _say_cloudwatch_run(run, summary: str) -> None:
    """Each place that failed, then the summary; a run that read no place at all is an error (it is recorded)."""
    from sibyl.errors import DataError

    for r in run.failures:
        _echo_err(f"could not read account {r.account_id} in {r.region}: {r.error_code}: {r.error_message}")
    if run.status == "failed":
        first = run.failures[0]
        raise DataError(f"CloudWatch run {run.run_id} read no place ({first.error_code} first): no datapoints kept")
    _echo_err(f"CloudWatch run {run.run_id} {run.status}: {summary}")


def _read_warehouse(settings: Settings):
    from sibyl.errors import ConfigError
    from sibyl.warehouse import WarehouseNotFound, connect

    try:
        return connect(settings, read_only=True)
    except WarehouseNotFound as exc:
        raise ConfigError(f"{exc}: load an inventory first (sibyl load inventory), or set SIBYL_DUCKDB_PATH") from exc


# --- build ------------------------------------------------------------------------------------


@cli.command()
@click.option("--select", "select", default=None, help="dbt node selection (default: everything).")
@click.option(
    "--unit-tests",
    is_flag=True,
    help="Also run dbt's unit tests. They test the models' logic on fixed inputs, not the data, so CI and "
    "`make test` run them and a production build need not.",
)
@click.option("--full-refresh", is_flag=True, help="Rebuild the incremental models over every billing period (after a model changed).")
@_quiet_option
@click.pass_context
def build(ctx: click.Context, select: str | None, unit_tests: bool, full_refresh: bool, quiet: bool) -> None:
    """Run `dbt build` (seeds, models, data tests) on the target; raw tables nothing has loaded yet are created empty.

    At a terminal, a count of dbt's nodes done stands for dbt's line per node, and dbt's summary follows."""
    from sibyl.dbt_runner import build_args, run_dbt
    from sibyl.progress import BuildProgress, wanted
    from sibyl.raw_tables import ensure_raw_tables

    settings = _settings(ctx)
    ensure_raw_tables(settings)
    args = build_args(select=select, unit_tests=unit_tests, full_refresh=full_refresh)
    run_dbt(settings, args, progress=BuildProgress() if wanted(quiet) else None)
    _publish_marts(settings, quiet)


def _publish_marts(settings: Settings, quiet: bool) -> None:
    """On DuckDB, the built marts go to the read-only copy that BI tools, notebooks and `sibyl serve` read."""
    if settings.target != "duckdb":
        return
    from sibyl.publish import publish_marts

    path, tables = publish_marts(settings)
    if not quiet:
        _echo_err(f"published {tables} marts to {path} (read it there: BI tools, notebooks, sibyl serve)")


# --- report -----------------------------------------------------------------------------------


@cli.group()
def report() -> None:
    """Print a mart for people (table) or scripts (csv, json)."""


def _format_option(func):
    return click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)(func)


@report.command("cost-by-team")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day of the 30-day window (default: as built).")
@_format_option
@click.pass_context
def report_cost_by_team(ctx: click.Context, as_of: dt.datetime | None, fmt: str) -> None:
    """Cost per team in the last 30 days, with the change from the 30 days before."""
    _report_cost_by_team(_settings(ctx), as_of.date() if as_of else None, fmt)


def _report_cost_by_team(settings: Settings, as_of: dt.date | None, fmt: str) -> None:
    from sibyl.report import render

    table = _read_marts(settings, lambda reader: reader.cost_by_team(as_of))
    click.echo(render(table.columns, table.rows, fmt), nl=False)


@report.command("cost-by-team-monthly")
@_format_option
@click.pass_context
def report_cost_by_team_monthly(ctx: click.Context, fmt: str) -> None:
    """Cost per calendar month and team, with the previous month (month-to-date against the same days)."""
    from sibyl.report import COST_BY_TEAM_MONTHLY, COST_BY_TEAM_MONTHLY_SQL, render

    columns, rows = _fetch_mart(_settings(ctx), COST_BY_TEAM_MONTHLY, COST_BY_TEAM_MONTHLY_SQL)
    click.echo(
        render(
            columns, rows, fmt, title="Cost by team and month (the month-to-date row is compared with the same days of the month before)"
        ),
        nl=False,
    )


@report.command("unallocated")
@_format_option
@click.pass_context
def report_unallocated(ctx: click.Context, fmt: str) -> None:
    """The biggest spend no team claims, by account, product and resource: the list to clean up first."""
    from sibyl.report import UNALLOCATED, UNALLOCATED_SQL, render

    columns, rows = _fetch_mart(_settings(ctx), UNALLOCATED, UNALLOCATED_SQL)
    click.echo(render(columns, rows, fmt, title="Unallocated spend over the last 30 days, biggest first"), nl=False)


@report.command("untagged")
@click.option("--min-cost", type=click.FloatRange(min=0), default=None, help="Only resources whose monthly cost is at least this.")
@click.option("--account", default=None, help="Only this AWS account id.")
@click.option("--team", default=None, help="Only resources whose suggested owner is this team.")
@_format_option
@click.pass_context
def report_untagged(ctx: click.Context, min_cost: float | None, account: str | None, team: str | None, fmt: str) -> None:
    """Non-compliant resources (missing or invalid tags), from the inventory and the CUR, most expensive first, with a suggested owner."""
    from sibyl.report import UNTAGGED, render, untagged_query

    sql, params = untagged_query(min_cost=min_cost, account=account, team=team)
    columns, rows = _fetch_mart(_settings(ctx), UNTAGGED, sql, params)
    title = "Non-compliant resources, most expensive first (monthly cost: the last 30 days of CUR effective cost)"
    click.echo(render(columns, rows, fmt, title=title), nl=False)


@report.command("compliance")
@click.option("--all-scans", is_flag=True, help="Every scan, newest first (default: the latest scan, with the previous one's figures).")
@_format_option
@click.pass_context
def report_compliance(ctx: click.Context, all_scans: bool, fmt: str) -> None:
    """Compliance per scan: overall, per account and per owning team, by count and by the last 30 days' spend."""
    from sibyl.report import COMPLIANCE, compliance_query, render

    columns, rows = _fetch_mart(_settings(ctx), COMPLIANCE, compliance_query(all_scans=all_scans))
    click.echo(render(columns, rows, fmt, title="Tag compliance by scan: overall, per account, per owning team"), nl=False)


@report.command("idle")
@_format_option
@click.pass_context
def report_idle(ctx: click.Context, fmt: str) -> None:
    """Resources that cost money while doing almost nothing (CloudWatch metrics against cost), biggest saving first."""
    from sibyl.report import IDLE, IDLE_SQL, render

    columns, rows = _fetch_mart(_settings(ctx), IDLE, IDLE_SQL)
    title = "Idle resources, biggest estimated monthly saving first (too_few_datapoints: not enough data to judge)"
    click.echo(render(columns, rows, fmt, title=title), nl=False)


@report.command("forecast")
@_format_option
@click.pass_context
def report_forecast(ctx: click.Context, fmt: str) -> None:
    """This month's forecast month-end cost, with its 80 % interval: in total, per business group, unit and team."""
    from sibyl.report import render
    from sibyl.report_forecast import FORECAST, FORECAST_SQL

    columns, rows = _fetch_mart(_settings(ctx), FORECAST, FORECAST_SQL)
    title = "Month-end cost forecast, made on the as-of date (80 % interval; run_rate: too little history for the level)"
    click.echo(render(columns, rows, fmt, title=title), nl=False)


@report.command("anomalies")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Only days from this one (default: every scored day).")
@click.option(
    "--min-impact", type=click.FloatRange(min=0), default=None, help="Only anomalies whose dollar impact, up or down, is at least this."
)
@_format_option
@click.pass_context
def report_anomalies(ctx: click.Context, since: dt.datetime | None, min_impact: float | None, fmt: str) -> None:
    """Days whose usage cost left its expected band per team and AWS product (and per team), newest first, with the top drivers."""
    from sibyl.report import render
    from sibyl.report_forecast import ANOMALIES, UNSCORED_SQL, anomalies_query, unscored_note

    settings = _settings(ctx)
    sql, params = anomalies_query(since=since.date() if since else None, min_impact=min_impact)
    columns, rows = _fetch_mart(settings, ANOMALIES, sql, params)
    click.echo(render(columns, rows, fmt, title="Cost anomalies, newest first (impact: cost minus expected)"), nl=False)
    if fmt == "table":
        click.echo(unscored_note(_fetch_mart(settings, ANOMALIES, UNSCORED_SQL)[1]), nl=False)


def _fetch_mart(settings: Settings, mart: str, sql: str, params: list | tuple = ()) -> tuple[list[str], list[tuple]]:
    """The rows of `sql` (with `params` for its $n placeholders) over the mart `marts.<mart>`."""
    table = _read_marts(settings, lambda reader: reader.mart(mart, sql, params))
    return table.columns, table.rows


def _read_marts(settings: Settings, question):
    """Ask the marts' query layer (the one `sibyl serve` asks) a question on a read-only connection."""
    from sibyl.errors import ConfigError
    from sibyl.marts_reader import MartsReader, cost_basis
    from sibyl.warehouse import WarehouseNotFound, connect

    try:
        wh = connect(settings, read_only=True)
    except WarehouseNotFound as exc:
        raise ConfigError(f"{exc}: run `sibyl load cur` and `sibyl build` first, or set SIBYL_DUCKDB_PATH") from exc
    with wh:
        return question(MartsReader(wh, basis_column=cost_basis(settings.project_dir)))


# --- serve ------------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; any but loopback needs SIBYL_API_TOKEN.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the cockpit page and a read-only HTTP API over the marts (OpenAPI docs at /docs)."""
    from sibyl.serve import serve as run

    run(_settings(ctx), host, port)


# --- discover ---------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--from-organizations", is_flag=True, help="Also read AWS Organizations (boto3): account names and tags, organizational units."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("seeds-draft"),
    show_default=True,
    help="Folder for the drafts and their evidence.",
)
@click.option("--force", is_flag=True, help="Overwrite drafts already in --out.")
@_format_option
@click.pass_context
def discover(ctx: click.Context, from_organizations: bool, out_dir: Path, force: bool, fmt: str) -> None:
    """Draft seed CSVs from the loaded CUR for a person to review: tag rules folding each key's spellings,
    value aliases for near-duplicate values, each with its spend and why; with --from-organizations,
    account owners from account tags and business units from organizational units. Prints the share of
    spend the drafts would attribute as they stand."""
    from sibyl.report import render
    from sibyl.seed_drafts.coverage import summary_rows
    from sibyl.seed_drafts.discovery import discover as discover_drafts
    from sibyl.seed_drafts.files import write_drafts
    from sibyl.seed_drafts.organizations import organizations_client, read_organization

    organization = read_organization(organizations_client()) if from_organizations else None
    found = discover_drafts(_settings(ctx), organization)
    written = write_drafts(out_dir, found.tables, force=force)
    rows = summary_rows(found.coverage)
    loaded = found.loaded
    columns = ["measure", "spend", "share_pct"]
    if fmt == "table":  # shares are not changes: no sign
        columns[2] = "share"
        rows = [(measure, spend, "n/a" if share is None else f"{share:.1f}%") for measure, spend, share in rows]
    title = f"Spend the drafts would attribute: {loaded.line_items:,} line items, usage {loaded.first_day} to {loaded.last_day}"
    click.echo(render(columns, rows, fmt, title=title), nl=False)
    if fmt == "table":
        click.echo(
            "\nspend: billed (unblended) cost of Usage and Purchase line items; tax, credits and adjustments never belong to a team.\n"
            "attributed: in Sibyl's order (team tag, service tag, account owner), with the drafted tag rules and aliases, "
            "the seeds' teams.csv and services.csv, and the seeds' and drafted account owners."
        )
    _echo_err(f"wrote {len(written)} draft file(s) to {out_dir}: {', '.join(p.name for p in written)}")
    _echo_err("review them, copy what is right into your seeds folder, then see what it changes with `sibyl diff`")


# --- diff -------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--base", "base_ref", metavar="REF", default=None, help="Compare with the seeds at this git ref (default: the marts as built)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown"]), default="table", show_default=True)
@click.pass_context
def diff(ctx: click.Context, base_ref: str | None, fmt: str) -> None:
    """Preview a seed change: build the marts with the seeds folder in a scratch place (a copy of the
    DuckDB file, or scratch schemas on PostgreSQL; always removed) and say which teams, business units and
    groups gain or lose dollars (last 30 days and per month), which line items change allocation method and
    which tag conflicts appear or vanish. The real marts are never written."""
    from sibyl.seed_diff.preview import diff_seeds
    from sibyl.seed_diff.render import render_diff

    click.echo(render_diff(diff_seeds(_settings(ctx), base_ref), fmt), nl=False)


# --- demo -------------------------------------------------------------------------------------


@cli.command()
@_generation_options
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-data"),
    show_default=True,
    help="Where the generated CUR is written.",
)
@click.pass_context
def demo(ctx: click.Context, months: int, lines: int, seed: int, data_dir: Path) -> None:
    """Generate a demo organisation's CUR and inventory scan, load them, build the marts and print cost by team."""
    from sibyl.dbt_runner import build_args, run_dbt
    from sibyl.demo.generate import generate_cur
    from sibyl.demo.inventory import write_demo_inventory
    from sibyl.demo.metrics import SNAPSHOT_PATH as METRICS_SNAPSHOT
    from sibyl.demo.metrics import write_demo_metrics
    from sibyl.demo.organisation import write_seeds
    from sibyl.inventory.command import ScanRequest, load_inventory
    from sibyl.raw_tables import ensure_raw_tables

    # The demo organisation is the demo's own, written beside its CUR: seeds/ is the user's.
    settings = dataclasses.replace(_settings(ctx), seeds_dir=(data_dir / "seeds").resolve())
    started = time.monotonic()
    step = functools.partial(_step, started)
    step(
        f"generating {months} months of CUR ({lines:,} line items), an inventory scan, its CloudWatch metrics "
        f"and the demo organisation's seeds in {data_dir}"
    )
    end = dt.datetime.now(dt.UTC).date()
    generate_cur(data_dir, months=months, lines=lines, seed=seed, fmt="legacy-parquet", end_date=end)
    snapshot, scan = write_demo_inventory(data_dir, months=months, lines=lines, seed=seed, end_date=end)
    write_demo_metrics(scan, data_dir / METRICS_SNAPSHOT, end_date=end, seed=seed)
    write_seeds(settings.seeds_dir)
    step(f"loading into {settings.target}" + (f" ({settings.duckdb_path})" if settings.target == "duckdb" else ""))
    _load_cur(settings, str(data_dir), None)
    step(f"loading the inventory: {len(scan.resources):,} resources in scan {scan.scan_id} ({snapshot})")
    load_inventory(settings, ScanRequest(), to_file=None, from_file=snapshot, say=_echo_err)
    step("loading the CloudWatch metrics of those resources")
    _load_cloudwatch_file(settings, data_dir / METRICS_SNAPSHOT)
    step("building the dbt project (seeds, models, tests)")
    ensure_raw_tables(settings)  # the sources not loaded yet, empty
    run_dbt(settings, [*build_args(), "--quiet"])
    _publish_marts(settings, quiet=False)
    step("cost by team")
    _report_cost_by_team(settings, None, "table")
    step(f"done in {time.monotonic() - started:.1f}s; again: sibyl --target {settings.target} report cost-by-team")


def _step(started: float, message: str) -> None:
    click.secho(f"[{time.monotonic() - started:6.1f}s] {message}", err=True, fg="cyan")


def main() -> None:
    cli(prog_name="sibyl")
