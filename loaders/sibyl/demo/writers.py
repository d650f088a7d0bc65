"""Render chunks of line items as AWS writes them: legacy Parquet, legacy CSV.gz, CUR 2.0 Parquet.

Each writer streams one billing period: a row group per chunk (a day), a new data file every
`MAX_ROWS_PER_FILE` rows, and the manifest(s) at the end. Nothing but the current chunk is held
in memory.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import columns as C
from . import organisation as org
from .estate import Estate
from .lines import NUMERIC, Chunk, line_item_ids
from .periods import Period

MAX_ROWS_PER_FILE = 500_000
MAX_ROWS_PER_ROW_GROUP = 100_000
CSV_SLICE_ROWS = 4_096
DEMO_BUCKET = "sibyl-demo-cur"
INVOICING_ENTITY = "Amazon Web Services, Inc."
_NAMESPACE = uuid.UUID("5f1d3a52-8c0e-4b7e-9a51-2f0d6c9e4b11")

_TS = pa.timestamp("ms")
_ARROW = {"string": pa.string(), "ratestring": pa.string(), "double": pa.float64(), "timestamp": _TS}


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


def java_number_strings(values: np.ndarray) -> pa.Array:
    """Numbers as the CUR CSV spells them (Java's Double.toString style: 24.0, 0.096, 2.0E-7); NaN -> null.

    Arrow's shortest round-trip text is kept except for whole numbers (`24` -> `24.0`) and
    exponents (`2e-7` -> `2.0E-7`); values read back as exactly the same doubles.
    """
    text = pc.cast(pa.array(values, from_pandas=True), pa.string())
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        magnitude = np.abs(np.where(finite, values, 0.0))
        whole = finite & (values == np.floor(np.where(finite, values, 0.0))) & (magnitude < 1e15)
        exponent = finite & (magnitude > 0) & ((magnitude < 1e-4) | (magnitude >= 1e15))
    if whole.any():
        fixed = pc.binary_join_element_wise(text.filter(pa.array(whole)), ".0", "")
        text = pc.replace_with_mask(text, pa.array(whole), fixed)
    if exponent.any():
        fixed = text.filter(pa.array(exponent))
        fixed = pc.replace_substring_regex(fixed, r"^(-?[0-9]+)e", r"\1.0e")
        fixed = pc.replace_substring_regex(fixed, r"e\+?", "E")
        text = pc.replace_with_mask(text, pa.array(exponent), fixed)
    return text


def tag_key(key: str) -> str:
    """A resource tag key as the CUR names it: `user:Team` for user tags, `aws:createdBy` as is."""
    return key if key.startswith("aws:") else f"user:{key}"


def _dict(indices: np.ndarray, dictionary: pa.Array) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), dictionary)


def _const(n: int, value: str) -> pa.Array:
    return _dict(np.zeros(n, dtype=np.int32), pa.array([value], pa.string()))


def _factorize(values: list[str]) -> tuple[np.ndarray, pa.Array]:
    uniques, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
    return codes.astype(np.int32), pa.array(list(uniques), pa.string())


class _Common:
    """What all three formats share for one billing period: descriptor, account, resource and tag columns."""

    def __init__(self, estate: Estate, period: Period) -> None:
        self.e, self.p = estate, period
        descs = estate.descriptors.items
        self.product_headers = sorted({k for d in descs for k in d if k.startswith("product/")})
        self.desc_headers = sorted({k for d in descs for k in d})
        # per column: each descriptor's code into that column's distinct values
        self._desc_values = {h: _factorize([d.get(h, "") for d in descs]) for h in self.desc_headers}
        self.account_ids = pa.array([a.account_id for a in org.ACCOUNTS], pa.string())
        self.account_names = pa.array([a.name for a in org.ACCOUNTS], pa.string())
        res = estate.resources
        self.resource_ids = pa.array(res.ids, pa.string())
        self.zone_codes, self.zones = res.zone, pa.array(res.zones, pa.string())
        self.tagset_of = res.tagset
        in_period = (res.start <= period.last_day) & (res.end >= period.first_day)
        self.tag_keys = sorted({k for ts in np.unique(res.tagset[in_period]) for k, _ in res.tagsets[ts]})
        self.intervals = pa.array([self._interval(d) for d in range(estate.n_days)], pa.string())
        self.invoice_id = (
            str(1_000_000_000 + int(hashlib.sha256(f"{estate.seed}|{period.label}".encode()).hexdigest()[:8], 16) % 9_000_000_000)
            if period.closed
            else ""
        )

    def _interval(self, day: int) -> str:
        a = self.e.day_date(day)
        b = a + dt.timedelta(days=1)
        return f"{a:%Y-%m-%d}T00:00:00Z/{b:%Y-%m-%d}T00:00:00Z"

    def desc(self, header: str, chunk: Chunk) -> pa.Array:
        found = self._desc_values.get(header)
        if found is None:
            return _const(len(chunk), "")
        codes, values = found
        return _dict(codes[chunk.desc], values)

    def tag_column(self, keys: list[str], chunk: Chunk) -> pa.Array:
        """Values of the first of `keys` a resource carries ('' if none) — one Parquet column per AWS spelling."""
        cache = self.__dict__.setdefault("_tag_cache", {})
        key = tuple(keys)
        if key not in cache:
            values = []
            for tags in self.e.resources.tagsets:
                found = dict(tags)
                values.append(next((found[k] for k in keys if k in found), ""))
            cache[key] = _factorize(values)
        codes, uniques = cache[key]
        return _dict(codes[self.tagset_of[chunk.resource]], uniques)

    SPECIAL = frozenset(
        {
            "identity/LineItemId",
            "identity/TimeInterval",
            "bill/InvoiceId",
            "bill/InvoicingEntity",
            "bill/BillingEntity",
            "bill/PayerAccountId",
            "lineItem/UsageAccountId",
            "lineItem/ResourceId",
            "lineItem/AvailabilityZone",
            "lineItem/CurrencyCode",
            "pricing/currency",
        }
    )

    def special(self, header: str, chunk: Chunk) -> pa.Array | None:
        n = len(chunk)
        if header == "identity/LineItemId":
            raw = line_item_ids(chunk.ids)
            offsets = np.arange(0, 52 * n + 1, 52, dtype=np.int32)
            return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw.tobytes()))
        if header == "identity/TimeInterval":
            return _dict(chunk.interval, self.intervals)
        if header == "bill/InvoiceId":
            return _const(n, self.invoice_id)
        if header == "bill/InvoicingEntity":
            return _const(n, INVOICING_ENTITY)
        if header == "bill/BillingEntity":
            return _const(n, "AWS")
        if header == "bill/PayerAccountId":
            return _const(n, org.PAYER_ACCOUNT_ID)
        if header == "lineItem/UsageAccountId":
            return _dict(chunk.account, self.account_ids)
        if header == "lineItem/ResourceId":
            return self.resource_ids.take(pa.array(chunk.resource, pa.int32()))
        if header == "lineItem/AvailabilityZone":
            return _dict(self.zone_codes[chunk.resource], self.zones)
        if header in ("lineItem/CurrencyCode", "pricing/currency"):
            return _const(n, "USD")
        return None

    def timestamps_ms(self, header: str, chunk: Chunk) -> np.ndarray:
        if header == "bill/BillingPeriodStartDate":
            return np.full(len(chunk), self.p.start_ms, dtype=np.int64)
        if header == "bill/BillingPeriodEndDate":
            return np.full(len(chunk), self.p.end_ms, dtype=np.int64)
        if header == "lineItem/UsageStartDate":
            return chunk.start_ms
        if header == "lineItem/UsageEndDate":
            return chunk.end_ms
        raise KeyError(header)


def _open_parquet(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    # No embedded Arrow schema, as in AWS's files: readers see plain strings, doubles and timestamps.
    return pq.ParquetWriter(path, schema, compression="snappy", store_schema=False)


def _write_parquet(writer: pq.ParquetWriter, table: pa.Table, first: bool) -> None:
    writer.write_table(table, row_group_size=MAX_ROWS_PER_ROW_GROUP)


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


_NEEDS_QUOTES = r'[",\r\n]'


def _quote_minimal(arr: pa.Array) -> pa.Array:
    """Quote only the values that need it, as AWS's CSVs do (`"Amazon Web Services, Inc."`)."""
    if pa.types.is_dictionary(arr.type):
        return pa.DictionaryArray.from_arrays(arr.indices, _quote_minimal(arr.dictionary)).cast(pa.string())
    needs = pc.match_substring_regex(arr, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, arr)


class _GzipFile(gzip.GzipFile):
    """A gzip file whose compression runs on one background thread (zlib releases the GIL), so it
    overlaps with generating the next chunk; at most one write is in flight. Closing it also closes
    the file object it was given."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending = None

    def write_async(self, data) -> None:
        if self._pending is not None:
            self._pending.result()
        self._pending = self._pool.submit(self.write, data)

    def close(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        self._pool.shutdown()
        fileobj = self.fileobj
        super().close()
        if fileobj is not None:
            fileobj.close()


class _RotatingFiles:
    """Numbered data files of one delivery, each at most MAX_ROWS_PER_FILE rows."""

    def __init__(self, directory: Path, name_of, open_file, write, close, schema: pa.Schema) -> None:
        self.dir, self.name_of = directory, name_of
        self._open, self._write, self._close = open_file, write, close
        self._schema = schema  # used only if nothing is ever written
        self.paths: list[Path] = []
        self.rows_per_file: list[int] = []
        self._handle = None
        self._rows = 0

    def write(self, table: pa.Table) -> None:
        offset = 0
        while offset < table.num_rows:
            if self._handle is None or self._rows >= MAX_ROWS_PER_FILE:
                self._rotate(table.schema)
            take = min(table.num_rows - offset, MAX_ROWS_PER_FILE - self._rows)
            self._write(self._handle, table.slice(offset, take), self._rows == 0)
            pa.default_memory_pool().release_unused()  # keep RSS flat: hand freed buffers back
            self._rows += take
            self.rows_per_file[-1] += take
            offset += take

    def _rotate(self, schema: pa.Schema) -> None:
        if self._handle is not None:
            self._close(self._handle)
        path = self.dir / self.name_of(len(self.paths) + 1)
        self.paths.append(path)
        self.rows_per_file.append(0)
        self._handle = self._open(path, schema)
        self._rows = 0

    def close(self) -> list[Path]:
        if self._handle is None:
            self._rotate(self._schema)
        self._close(self._handle)
        self._handle = None
        return self.paths


# --- legacy CUR -----------------------------------------------------------------------------------


class _LegacyWriter:
    """Legacy CUR, 'create new report version' layout:
    <prefix>/<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json and
    <prefix>/<report>/<yyyymmdd-yyyymmdd>/<assemblyId>/<report>-00001.snappy.parquet | <report>-1.csv.gz

    The two legacy formats share the layout, the fixed columns and the manifest; they differ in
    how tag columns are named and how values are spelt.
    """

    COMPRESSION = CONTENT_TYPE = ""  # the manifest's, per format

    def __init__(self, out_dir: Path, estate: Estate, period: Period, *, report_name: str, prefix: str, assembly_id: str) -> None:
        self.report, self.prefix, self.assembly_id = report_name, prefix, assembly_id
        self.out_dir = out_dir
        self.common = cm = _Common(estate, period)
        self.period = period
        self.period_dir = out_dir / prefix / report_name / period.label
        self.assembly_dir = self.period_dir / assembly_id
        self.assembly_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.assembly_dir.iterdir():
            if stale.is_file():
                stale.unlink()
        fixed = (
            [(h, p, k) for h, p, k in C.IDENTITY_BILL_LINEITEM]
            + [(h, C.athena_name(h), "string") for h in cm.product_headers]
            + list(C.PRICING)
            + list(C.RESERVATION)
            + list(C.SAVINGS_PLAN)
        )
        self.headers = fixed + self._tag_headers()
        self.rows = 0

    def _tag_headers(self) -> list[tuple[str, str, str]]:
        """The tag columns (legacy header, Athena name, kind); sets `tag_sources`: header -> tag keys it shows."""
        raise NotImplementedError

    def _timestamps(self, ms: np.ndarray) -> pa.Array:
        raise NotImplementedError

    def _numbers(self, values: np.ndarray, kind: str) -> pa.Array:
        raise NotImplementedError

    def _column(self, header: str, kind: str, chunk: Chunk) -> pa.Array:
        cm = self.common
        if header in self.tag_sources:
            return cm.tag_column(self.tag_sources[header], chunk)
        arr = cm.special(header, chunk)
        if arr is not None:
            return arr
        if kind == "timestamp":
            return self._timestamps(cm.timestamps_ms(header, chunk))
        if header in NUMERIC:
            return self._numbers(chunk.num[header], kind)
        return cm.desc(header, chunk)

    def close(self) -> Path:
        paths = self.files.close()
        keys = [p.relative_to(self.out_dir).as_posix() for p in paths]
        period = self.period
        manifest = {
            "assemblyId": self.assembly_id,
            "account": org.PAYER_ACCOUNT_ID,
            "columns": [
                {"category": h.split("/", 1)[0], "name": h.split("/", 1)[1], "type": C.manifest_type(h, k)} for h, _, k in self.headers
            ],
            "charset": "UTF-8",
            "compression": self.COMPRESSION,
            "contentType": self.CONTENT_TYPE,
            "reportId": hashlib.sha256(f"{org.PAYER_ACCOUNT_ID}:{self.report}".encode()).hexdigest(),
            "reportName": self.report,
            "billingPeriod": {"start": f"{period.start:%Y%m%d}T000000.000Z", "end": f"{period.end:%Y%m%d}T000000.000Z"},
            "bucket": DEMO_BUCKET,
            "reportKeys": keys,
            "additionalArtifactKeys": [],
        }
        text = json.dumps(manifest, indent=2) + "\n"
        (self.assembly_dir / f"{self.report}-Manifest.json").write_text(text, encoding="utf-8")
        path = self.period_dir / f"{self.report}-Manifest.json"
        path.write_text(text, encoding="utf-8")
        return path


class LegacyParquetWriter(_LegacyWriter):
    """Legacy CUR as Parquet: Athena-style column names, typed values."""

    COMPRESSION = CONTENT_TYPE = "Parquet"

    def __init__(self, out_dir: Path, estate: Estate, period: Period, *, report_name: str, prefix: str, assembly_id: str) -> None:
        super().__init__(out_dir, estate, period, report_name=report_name, prefix=prefix, assembly_id=assembly_id)
        self.schema = pa.schema([(p, _ARROW[k]) for _, p, k in self.headers])
        self.files = _RotatingFiles(
            self.assembly_dir,
            lambda i: f"{report_name}-{i:05d}.snappy.parquet",
            _open_parquet,
            _write_parquet,
            lambda w: w.close(),
            self.schema,
        )

    def _tag_headers(self) -> list[tuple[str, str, str]]:
        by_column: dict[str, list[str]] = {}  # Team and team share resource_tags_user_team
        for k in self.common.tag_keys:
            by_column.setdefault(C.athena_name(f"resourceTags/{tag_key(k)}"), []).append(k)
        self.tag_sources = {f"resourceTags/{tag_key(keys[0])}": keys for keys in by_column.values()}
        return [(f"resourceTags/{tag_key(by_column[c][0])}", c, "string") for c in sorted(by_column)]

    def _timestamps(self, ms: np.ndarray) -> pa.Array:
        return pa.array(ms, _TS)

    def _numbers(self, values: np.ndarray, kind: str) -> pa.Array:
        if kind == "ratestring":
            return java_number_strings(values)
        return pa.array(values, from_pandas=True)

    def write(self, chunk: Chunk) -> None:
        if not len(chunk):
            return
        arrays = []
        for (header, _, kind), field in zip(self.headers, self.schema, strict=True):
            arr = self._column(header, kind, chunk)
            if arr.type != field.type and not pa.types.is_dictionary(arr.type):
                arr = arr.cast(field.type)
            arrays.append(arr)
        table = pa.Table.from_arrays(arrays, schema=self._table_schema(arrays))
        self.files.write(table)
        self.rows += len(chunk)

    def _table_schema(self, arrays: list[pa.Array]) -> pa.Schema:
        return pa.schema([pa.field(f.name, a.type) for f, a in zip(self.schema, arrays, strict=True)])


class LegacyCsvWriter(_LegacyWriter):
    """Legacy CUR as gzipped CSV: `category/Name` headers, every value as text."""

    COMPRESSION, CONTENT_TYPE = "GZIP", "text/csv"

    def __init__(self, out_dir: Path, estate: Estate, period: Period, *, report_name: str, prefix: str, assembly_id: str) -> None:
        super().__init__(out_dir, estate, period, report_name=report_name, prefix=prefix, assembly_id=assembly_id)
        self.schema = pa.schema([("line", pa.string())])
        self.header_line = (",".join(_csv_field(h) for h, _, _ in self.headers) + "\n").encode("utf-8")
        self.segments = self._csv_segments()
        self.files = _RotatingFiles(
            self.assembly_dir, lambda i: f"{report_name}-{i}.csv.gz", self._open_csv, self._write_csv, lambda f: f.close(), self.schema
        )

    def _tag_headers(self) -> list[tuple[str, str, str]]:
        tag_headers = [f"resourceTags/{tag_key(k)}" for k in self.common.tag_keys]
        self.tag_sources = {f"resourceTags/{tag_key(k)}": [k] for k in self.common.tag_keys}
        return [(h, C.athena_name(h), "string") for h in sorted(tag_headers)]

    def _timestamps(self, ms: np.ndarray) -> pa.Array:
        uniq, inv = np.unique(ms, return_inverse=True)
        text = [f"{dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(v)):%Y-%m-%dT%H:%M:%S}.000Z" for v in uniq]
        return _dict(inv.astype(np.int32), pa.array(text, pa.string()))

    def _numbers(self, values: np.ndarray, kind: str) -> pa.Array:
        return java_number_strings(values)

    @staticmethod
    def _open_csv(path: Path, schema: pa.Schema):
        raw = open(path, "wb")  # noqa: SIM115 - the writer holds it open across batches and closes it
        # mtime=0 and no file name in the gzip header: the same data gives byte-identical files
        return _GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0)

    def _write_csv(self, handle, table: pa.Table, first: bool) -> None:
        if first:
            handle.write(self.header_line)
        lines = table.column(0).combine_chunks()
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
        data = lines.buffers()[2]
        # the slice keeps a reference to the Arrow buffer until the background write is done
        handle.write_async(memoryview(data)[offsets[0] : offsets[-1]])

    def _csv_segments(self) -> list[tuple[str, object]]:
        """Runs of columns that depend only on the line's descriptor (or only on its tag set) are
        rendered once per descriptor / tag set; a line is then a join of ~30 segments, not ~130 fields."""
        cm = self.common
        segments: list[tuple[str, object]] = []

        def kind_of(header: str, kind: str) -> str:
            if header in self.tag_sources:
                return "tags"
            if header in cm.SPECIAL or kind == "timestamp" or header in NUMERIC:
                return "col"
            return "desc"

        for header, _, kind in self.headers:
            k = kind_of(header, kind)
            if k != "col" and segments and segments[-1][0] == k:
                segments[-1][1].append(header)
            else:
                segments.append((k, [header] if k != "col" else (header, kind)))
        if segments[-1][0] == "col":  # never the case: the last columns are tags or savingsPlan/*
            raise AssertionError("the last CSV column must come from a descriptor or a tag set")
        rendered: list[tuple[str, object]] = []
        for i, (k, what) in enumerate(segments):
            end = "\n" if i == len(segments) - 1 else ""  # the line ending rides on the last segment
            if k == "desc":
                rows = [",".join(_csv_field(d.get(h, "")) for h in what) + end for d in self.common.e.descriptors.items]
                rendered.append((k, pa.array(rows, pa.string())))
            elif k == "tags":
                rows = []
                for tags in self.common.e.resources.tagsets:
                    found = dict(tags)
                    rows.append(",".join(_csv_field(next((found[t] for t in self.tag_sources[h] if t in found), "")) for h in what) + end)
                rendered.append((k, pa.array(rows, pa.string())))
            else:
                rendered.append((k, what))
        return rendered

    def _csv_lines(self, chunk: Chunk) -> pa.Array:
        cm = self.common
        parts = []
        for k, what in self.segments:
            if k == "desc":
                parts.append(what.take(pa.array(chunk.desc, pa.int32())))
            elif k == "tags":
                parts.append(what.take(pa.array(cm.tagset_of[chunk.resource], pa.int32())))
            else:
                parts.append(_quote_minimal(self._column(what[0], what[1], chunk)))
        return pc.binary_join_element_wise(*parts, ",", null_handling="replace", null_replacement="")

    def write(self, chunk: Chunk) -> None:
        if not len(chunk):
            return
        for start in range(0, len(chunk), CSV_SLICE_ROWS):  # rendered in slices: text is ~20x the numbers
            self.files.write(pa.table({"line": self._csv_lines(chunk.rows(start, start + CSV_SLICE_ROWS))}))
        self.rows += len(chunk)


# --- CUR 2.0 ----------------------------------------------------------------------------------------


class Cur2Writer:
    """Data Exports CUR 2.0 (overwrite): <prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.snappy.parquet
    and <prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json."""

    def __init__(
        self,
        out_dir: Path,
        estate: Estate,
        period: Period,
        *,
        export_name: str,
        prefix: str,
        assembly_id: str,
        execution_id: str,
        export_uuid: str,
    ) -> None:
        self.out_dir, self.export, self.prefix = out_dir, export_name, prefix
        self.assembly_id, self.execution_id, self.export_uuid = assembly_id, execution_id, export_uuid
        self.common = cm = _Common(estate, period)
        self.period = period
        part = f"BILLING_PERIOD={period.month}"
        self.data_dir = out_dir / prefix / export_name / "data" / part
        self.meta_dir = out_dir / prefix / export_name / "metadata" / part
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.data_dir.glob(f"{export_name}-*.snappy.parquet"):
            stale.unlink()
        flat = set(C.CUR2_FLAT_PRODUCT)
        spec: dict[str, tuple[str, str]] = {}  # column -> (source header or special, kind)
        for h, p, k in C.IDENTITY_BILL_LINEITEM + C.PRICING + C.RESERVATION + C.SAVINGS_PLAN:
            spec[p] = (h, k)
        for name, kind in C.CUR2_EXTRA:
            spec[name] = ("#" + name, kind)
        by_flat = {C.athena_name(h): h for h in cm.product_headers}
        for name in C.CUR2_FLAT_PRODUCT:
            spec[name] = (by_flat.get(name, "#empty"), "string")
        for name in C.CUR2_MAPS:
            spec[name] = ("#" + name, "map")
        self.columns = sorted(spec)
        self.spec = spec
        self.map_product_headers = [h for h in cm.product_headers if C.athena_name(h) not in flat]
        self._product_maps = self._build_product_maps()
        self._tag_maps = self._build_tag_maps()
        fields = []
        for name in self.columns:
            _, kind = spec[name]
            if kind == "map":
                value = pa.float64() if name == "discount" else pa.string()
                fields.append(pa.field(name, pa.map_(pa.string(), value)))
            else:
                fields.append(pa.field(name, _ARROW[kind]))
        self.schema = pa.schema(fields)
        self.files = _RotatingFiles(
            self.data_dir,
            lambda i: f"{export_name}-{i:05d}.snappy.parquet",
            _open_parquet,
            _write_parquet,
            lambda w: w.close(),
            self.schema,
        )
        self.rows = 0

    def _build_product_maps(self) -> pa.MapArray:
        offsets, keys, values = [0], [], []
        for d in self.common.e.descriptors.items:
            for h in self.map_product_headers:
                v = d.get(h, "")
                if v:
                    keys.append(C.athena_name(h)[len("product_") :])
                    values.append(v)
            offsets.append(len(keys))
        return pa.MapArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(keys, pa.string()), pa.array(values, pa.string()))

    def _build_tag_maps(self) -> pa.MapArray:
        offsets, keys, values = [0], [], []
        for tags in self.common.e.resources.tagsets:
            for k, v in sorted(tags, key=lambda kv: C.athena_name(tag_key(kv[0]))):
                keys.append(C.athena_name(tag_key(k)))
                values.append(v)
            offsets.append(len(keys))
        return pa.MapArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(keys, pa.string()), pa.array(values, pa.string()))

    def _column(self, name: str, chunk: Chunk) -> pa.Array:
        cm, n = self.common, len(chunk)
        source, kind = self.spec[name]
        if source == "#resource_tags":
            return self._tag_maps.take(pa.array(self.common.tagset_of[chunk.resource], pa.int32()))
        if source == "#product":
            return self._product_maps.take(pa.array(chunk.desc, pa.int32()))
        if source in ("#cost_category", "#discount"):
            value = pa.float64() if source == "#discount" else pa.string()
            return pa.MapArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string()), pa.array([], value))
        if source == "#bill_payer_account_name":
            return _const(n, org.ACCOUNTS[0].name)
        if source == "#line_item_usage_account_name":
            return _dict(chunk.account, cm.account_names)
        if source in ("#discount_bundled_discount", "#discount_total_discount"):
            return pa.nulls(n, pa.float64())
        if source == "#empty":
            return _const(n, "")
        arr = cm.special(source, chunk)
        if arr is not None:
            return arr
        if kind == "timestamp":
            return pa.array(cm.timestamps_ms(source, chunk), _TS)
        if source in NUMERIC:
            if kind == "ratestring":
                return java_number_strings(chunk.num[source])
            return pa.array(chunk.num[source], from_pandas=True)
        return cm.desc(source, chunk)

    def write(self, chunk: Chunk) -> None:
        if not len(chunk):
            return
        arrays = [self._column(name, chunk) for name in self.columns]
        schema = pa.schema([pa.field(f.name, a.type) for f, a in zip(self.schema, arrays, strict=True)])
        self.files.write(pa.Table.from_arrays(arrays, schema=schema))
        self.rows += len(chunk)

    def close(self) -> Path:
        paths = self.files.close()
        period = self.period
        type_names = {
            "string": "OptionalString",
            "ratestring": "OptionalString",
            "double": "OptionalBigDecimal",
            "timestamp": "OptionalDateTime",
            "map": "OptionalMap",
        }
        manifest = {
            "assemblyId": self.assembly_id,
            "account": org.PAYER_ACCOUNT_ID,
            "columns": [{"name": name, "type": type_names[self.spec[name][1]]} for name in self.columns],
            "charset": "UTF-8",
            "compression": "Parquet",
            "contentType": "Parquet",
            "reportId": hashlib.sha256(f"{org.PAYER_ACCOUNT_ID}:{self.export}".encode()).hexdigest(),
            "reportName": self.export,
            "executionId": self.execution_id,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{org.PAYER_ACCOUNT_ID}:export/{self.export}-{self.export_uuid}",
            "billingPeriod": {"start": f"{period.start:%Y%m%d}T000000.000Z", "end": f"{period.end:%Y%m%d}T000000.000Z"},
            "bucket": DEMO_BUCKET,
            "dataFiles": [f"s3://{DEMO_BUCKET}/{p.relative_to(self.out_dir).as_posix()}" for p in paths],
            "schema": "2",
            "timeFormat": "YYYY-MM-DDTHH:mm:ssZ",
            "finalized": period.closed,
        }
        path = self.meta_dir / f"{self.export}-Manifest.json"
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return path
