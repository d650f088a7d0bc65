"""The demo organisation and its synthetic Cost and Usage Reports.

- `write_seeds(seeds_dir)`: the organisation's dbt seed CSVs (organisation.py).
- `generate_cur(out_dir, months=, lines=, seed=, fmt=, end_date=, report_name=, prefix=)`: a CUR
  delivery tree, laid out as AWS writes it to S3 (generate.py). `FORMATS` lists the formats.

The generator writes files the way AWS does and shares no column map, parser or tag logic with
the loaders. Attributes are imported lazily so that importing the organisation stays cheap.
"""

from __future__ import annotations

__all__ = ["FORMATS", "generate_cur", "write_seeds"]


def __getattr__(name: str):
    if name in ("FORMATS", "generate_cur"):
        from . import generate

        return getattr(generate, name)
    if name == "write_seeds":
        from .organisation import write_seeds

        return write_seeds
    raise AttributeError(name)
