"""Publish CUR deliveries into raw: one transaction per load, restatements replace.

A load is all or nothing: a bad month, a crash or a kill anywhere leaves every month as it was.
Each delivery's rows land in its own table first; the swaps that make readers see them (and drop
the deliveries they replace) all run at the end, so PostgreSQL's exclusive locks are brief.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass

from sibyl.cur.delivery import Delivery
from sibyl.cur.delivery_files import open_delivery
from sibyl.cur.line_items import line_items
from sibyl.cur.schema import TAG_SET_COLUMNS, ensure_raw_schema
from sibyl.cur.validate import Tally, validate_delivery
from sibyl.errors import ConfigError, DataError, first_line
from sibyl.progress import NO_LOAD_PROGRESS, LoadProgress
from sibyl.raw_ddl import create_table_sql
from sibyl.warehouse import Warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    delivery: Delivery
    status: str  # published | unchanged | older (a newer delivery of the period is loaded: kept) | superseded
    load_id: str
    row_count: int
    billed_total: float
    replaced_load_id: str | None = None
    loaded: LoadedDelivery | None = None  # the delivery in the warehouse before this one
    replaced_sources: tuple[str, ...] = ()  # other sources whose delivery of the month this one replaced
    superseded_by: str = ""  # superseded: the other source whose delivery replaced this very delivery
    replaced_load_ids: tuple[str, ...] = ()  # published: every load it replaces, its source's and others'


@dataclass(frozen=True)
class LoadedDelivery:
    load_id: str
    version: str
    row_count: int
    billed_total: float
    delivered_at: dt.datetime | None


@dataclass(frozen=True)
class OtherSource:
    """A delivery of the same month and payer account(s), published from another source."""

    load_id: str
    source: str
    payer_account_ids: tuple[str, ...]  # those it shares with the incoming delivery
    all_payer_account_ids: tuple[str, ...]
    loaded: LoadedDelivery


def load_deliveries(
    wh: Warehouse,
    deliveries: list[Delivery],
    on_result=None,
    *,
    replace_other_sources: bool = False,
    progress: LoadProgress = NO_LOAD_PROGRESS,
) -> list[LoadResult]:
    """Publish every delivery in one transaction; `on_result` hears of each once it is committed.

    A month of a payer account comes from one source: a delivery whose payer accounts another
    source already published for its month is refused (it would count their cost twice), or with
    `replace_other_sources` replaces that source's delivery.
    """
    wh.start_loading()
    with wh.transaction():
        # Its own transaction: a failed load leaves the schema brought up to date, and no data.
        ensure_raw_schema(wh)
    with wh.transaction():
        results = [publish(wh, delivery, replace_other_sources=replace_other_sources, progress=progress) for delivery in deliveries]
        progress.step("", "publish")
        _swap_in(wh, [r for r in results if r.status == "published"])
    progress.close()  # before the results are said, below the bar's last state
    for r in results:
        if on_result:
            on_result(r)
    return results


def _swap_in(wh: Warehouse, published: list[LoadResult]) -> None:
    """Make every published delivery's line items the ones readers see, in the order they were published."""
    try:
        for r in published:
            line_items(wh).swap_in(r.load_id, r.delivery.billing_period, list(r.replaced_load_ids))
    except Exception as exc:
        raise ConfigError(
            f"the {wh.name} warehouse refused to publish the load ({first_line(exc)}); nothing was published: run the load again"
        ) from exc


def publish(
    wh: Warehouse, delivery: Delivery, *, replace_other_sources: bool = False, progress: LoadProgress = NO_LOAD_PROGRESS
) -> LoadResult:
    result = _publish_if_new(wh, delivery, replace_other_sources, progress)
    progress.done(len(delivery.files), result.row_count if result.status == "published" else 0)
    return result


def _publish_if_new(wh: Warehouse, delivery: Delivery, replace_other_sources: bool, progress: LoadProgress) -> LoadResult:
    current = _current_load(wh, delivery)
    if current and current.version == delivery.version:
        return LoadResult(delivery, "unchanged", current.load_id, current.row_count, current.billed_total, loaded=current)
    if current and _is_older(wh, delivery, current):
        return LoadResult(delivery, "older", current.load_id, current.row_count, current.billed_total, loaded=current)
    replacer = None if current else _replaced_by_other_source(wh, delivery)
    if replacer:
        # Loaded once, then replaced by another source's delivery: loading it again must not take
        # the month back (a scheduled job still pointing at the old source).
        kept = replacer.loaded
        return LoadResult(
            delivery, "superseded", kept.load_id, kept.row_count, kept.billed_total, loaded=kept, superseded_by=replacer.source
        )

    progress.step(delivery.period_label, "download" if any(f.startswith("s3://") for f in delivery.files) else "read")
    with open_delivery(delivery, wh.files_dialect) as reader:
        return _publish(wh, delivery, reader, current, replace_other_sources, progress)


def _publish(
    wh: Warehouse, delivery: Delivery, reader, current: LoadedDelivery | None, replace_other_sources: bool, progress: LoadProgress
) -> LoadResult:
    load_id = uuid.uuid4().hex
    try:
        progress.step(delivery.period_label, "validate")
        tally = validate_delivery(wh.fetch_files_query, reader, load_id)
        progress.validated(tally.rows)
        others = _other_sources(wh, delivery, tally.payer_account_ids)
        _check_other_sources(delivery, tally, others, replace_other_sources)
        log.debug("publishing %s %s (load %s)", delivery.source, delivery.period_label, load_id)
        progress.step(delivery.period_label, "write")
        _land(wh, delivery, reader, load_id, tally)
        replaced = current.load_id if current else None
        replaced_ids = ([replaced] if replaced else []) + [other.load_id for other in others]
        _record_load(wh, delivery, load_id, tally, replaced_ids)
    except DataError:
        raise
    except Exception as exc:
        explained = _explained(exc, delivery, reader)
        if explained is None:
            raise
        raise explained from exc
    return LoadResult(
        delivery,
        "published",
        load_id,
        tally.rows,
        tally.billed_total,
        replaced_load_id=replaced,
        loaded=current,
        replaced_sources=tuple(other.source for other in others),
        replaced_load_ids=tuple(replaced_ids),
    )


def _land(wh: Warehouse, delivery: Delivery, reader, load_id: str, tally: Tally) -> None:
    """Append the delivery's line items to the load's table and its new tag sets, checking the count."""
    parts = reader.parts()
    table = line_items(wh).table_for(load_id, delivery.billing_period)
    landed = sum(wh.append_query(table, part.line_items_sql(load_id)) for part in parts)
    if landed != tally.rows:
        raise DataError(
            f"{delivery.source} {delivery.period_label}: {landed:,} line items landed but the validation gate counted "
            f"{tally.rows:,}; did the files change during the load? nothing was published: run the load again"
        )
    _append_tag_sets(wh, [part.tag_sets_sql() for part in parts], load_id)


def _record_load(wh: Warehouse, delivery: Delivery, load_id: str, tally: Tally, replaced_ids: list[str]) -> None:
    """The load's row in raw.cur_loads, and the loads it replaces marked so."""
    # Its row now, its line items swapped in at the end of the load: a later delivery of this same
    # load already sees it (one payer account's month from two sources).
    for replaced_id in replaced_ids:
        wh.execute("update raw.cur_loads set status = 'replaced' where load_id = $1", [replaced_id])
    wh.execute(
        "insert into raw.cur_loads (load_id, source, billing_period, delivery_version, delivery_format, files, row_count, "
        "billed_total, loaded_at, status, delivered_at, payer_account_ids) "
        "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'published', $10, $11)",
        [
            load_id,
            delivery.source,
            delivery.billing_period,
            delivery.version,
            delivery.file_format,
            json.dumps(list(delivery.files)),
            tally.rows,
            tally.billed_total,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            delivery.delivered_at,
            ",".join(tally.payer_account_ids),
        ],
    )


def _explained(exc: Exception, delivery: Delivery, reader) -> DataError | None:
    """A failed load as the error a person can act on; None for a warehouse outage, raised as it came."""
    if _is_out_of_memory(exc):
        return DataError(
            f"{delivery.source} {delivery.period_label}: the loader ran out of its DuckDB memory ({first_line(exc)}); "
            "nothing was published: please report it at the project's issues with the delivery's format and file sizes"
        )
    # Which file, column and value: looked for only now, so a good delivery is read once.
    problem = reader.find_problem()
    if problem:
        return problem
    if not isinstance(exc, reader.dialect.errors):
        return None
    return DataError(f"{delivery.source} {delivery.period_label}: cannot read the delivery ({first_line(exc)}); nothing was published")


def _current_load(wh: Warehouse, delivery: Delivery) -> LoadedDelivery | None:
    _, rows = wh.fetch(
        "select load_id, delivery_version, row_count, billed_total, delivered_at from raw.cur_loads "
        "where source = $1 and billing_period = $2 and status = 'published'",
        [delivery.source, delivery.billing_period],
    )
    return LoadedDelivery(*rows[0]) if rows else None


def _other_sources(wh: Warehouse, delivery: Delivery, payer_account_ids: tuple[str, ...]) -> list[OtherSource]:
    """Published deliveries of the same month from other sources that share a payer account with this one."""
    _, rows = wh.fetch(
        "select load_id, delivery_version, row_count, billed_total, delivered_at, source, payer_account_ids from raw.cur_loads "
        "where status = 'published' and billing_period = $1 and source <> $2 order by source",
        [delivery.billing_period, delivery.source],
    )
    others = []
    for *loaded, source, theirs in rows:
        all_theirs = tuple(sorted(set((theirs or "").split(",")) - {""}))
        shared = tuple(p for p in all_theirs if p in payer_account_ids)
        if shared:
            others.append(OtherSource(loaded[0], source, shared, all_theirs, LoadedDelivery(*loaded)))
    return others


def _check_other_sources(delivery: Delivery, tally: Tally, others: list[OtherSource], replace_other_sources: bool) -> None:
    """Refuse to count a payer account's month twice, or to lose one by replacing a delivery that holds more."""
    where = f"{delivery.source} {delivery.period_label}"
    for other in others:
        if not replace_other_sources:
            raise DataError(
                f"{where}: payer account(s) {', '.join(other.payer_account_ids)} of {delivery.period_label} are already loaded "
                f"from {other.source}; loading them from here too would count their cost twice. Nothing was published: load each "
                "report from one source, or pass --replace-other-sources to let this delivery replace that one"
            )
        lost = [p for p in other.all_payer_account_ids if p not in tally.payer_account_ids]
        if lost:
            raise DataError(
                f"{where}: cannot replace the delivery from {other.source}: it also holds payer account(s) {', '.join(lost)}, "
                "which this one does not, and their cost would be lost. Nothing was published: load those payer accounts "
                "from one source"
            )


def _replaced_by_other_source(wh: Warehouse, delivery: Delivery) -> OtherSource | None:
    """The other source's published delivery that replaced this very delivery, if one did."""
    payers = tuple(sorted({p for ids in _replaced_payer_accounts(wh, delivery) for p in (ids or "").split(",") if p}))
    others = _other_sources(wh, delivery, payers) if payers else []
    return others[0] if others else None


def _replaced_payer_accounts(wh: Warehouse, delivery: Delivery) -> list[str | None]:
    """The payer accounts of each earlier load of this very delivery that was since replaced (none: never replaced)."""
    _, rows = wh.fetch(
        "select payer_account_ids from raw.cur_loads "
        "where source = $1 and billing_period = $2 and delivery_version = $3 and status = 'replaced'",
        [delivery.source, delivery.billing_period, delivery.version],
    )
    return [ids for (ids,) in rows]


def _is_older(wh: Warehouse, delivery: Delivery, current: LoadedDelivery) -> bool:
    """Older than the loaded delivery: written before it, or loaded once already and since replaced.

    AWS restates a month with a newer delivery; an older one showing up again (a stale copy, a
    late listing) must not undo the restatement.
    """
    if delivery.delivered_at and current.delivered_at and delivery.delivered_at < current.delivered_at:
        return True
    return bool(_replaced_payer_accounts(wh, delivery))


def _append_tag_sets(wh: Warehouse, tag_sets_sqls: list[str], load_id: str) -> None:
    """Tag sets are shared across loads: add only the ones the warehouse has not seen."""
    # Created and dropped inside the load's transaction: no other session ever sees it.
    incoming = f"raw.incoming_tag_sets_{load_id}"
    wh.execute(create_table_sql(incoming, TAG_SET_COLUMNS, wh.name))
    for sql in tag_sets_sqls:
        wh.append_query(incoming, sql, streamed=False)
    wh.execute(
        "insert into raw.cur_tag_sets (tag_set_id, tag_key, tag_value) "
        f"select distinct tag_set_id, tag_key, tag_value from {incoming} i "
        "where not exists (select 1 from raw.cur_tag_sets t where t.tag_set_id = i.tag_set_id)"
    )
    wh.execute(f"drop table {incoming}")


def _is_out_of_memory(exc: Exception) -> bool:
    import duckdb

    return isinstance(exc, duckdb.OutOfMemoryException)
