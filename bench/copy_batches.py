"""PostgreSQL COPY of a delivery's line items at several Arrow batch sizes (the loader uses BATCH_ROWS).

    python bench/copy_batches.py --workdir /tmp/gebench/cur2m [--batches 8192,65536]

Reuses the delivery `bench/ingest.py` generated under WORKDIR/cur. For each batch size, a child
process streams the line items from the side DuckDB (as the loader sets it up) into binary COPY
through ADBC, into an empty table in a scratch database: wall seconds, rows/s and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ingest import _child, _database_env, _say, _scratch_database

_COPY = """
import sys
from sibyl.cur.discover import discover
from sibyl.cur.delivery_files import open_delivery
from sibyl.cur.schema import ensure_raw_schema
from sibyl.warehouse import postgres

postgres.BATCH_ROWS = int(sys.argv[2])
[delivery] = discover(sys.argv[1])
with open_delivery(delivery) as reader, postgres.PostgresWarehouse() as wh:
    ensure_raw_schema(wh)
    wh.execute("create table raw.copied (like raw.cur_line_items)")
    wh.commit()
    rows = sum(wh.append_query("raw.copied", part.line_items_sql("bench")) for part in reader.parts())
    wh.commit()
    print(rows)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", required=True, help="the folder bench/ingest.py generated (holds cur/)")
    parser.add_argument("--batches", default="8192,65536", help="comma-separated Arrow batch sizes")
    args = parser.parse_args()
    cur = Path(args.workdir) / "cur"
    if not cur.exists():
        parser.error(f"{cur} does not exist: run bench/ingest.py --workdir {args.workdir} first")
    print(f"{'batch rows':>10} {'seconds':>8} {'peak RSS MB':>12}")
    for batch in (int(b) for b in args.batches.split(",")):
        _say(f"COPY with batches of {batch:,} rows")
        with _scratch_database() as database, _database_env(database):
            run = _child([sys.executable, "-c", _COPY, cur, batch], {"PGDATABASE": database})
        print(f"{batch:>10,} {run.seconds:>8.2f} {run.peak_rss_kb / 1024:>12.0f}")


if __name__ == "__main__":
    main()
