"""`sibyl diff` end to end: the working tree's seeds built in a scratch place, compared with the
marts as built or with a scratch build of the seeds at a git ref; every scratch place removed."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

from sibyl.config import Settings
from sibyl.seed_diff.compare import SeedDiff, compare, comparison
from sibyl.seed_diff.git_seeds import seeds_at
from sibyl.seed_diff.scratch import built_marts, scratch_build


def diff_seeds(settings: Settings, base_ref: str | None) -> SeedDiff:
    head_label = f"the seeds in {settings.seeds_dir}"
    # DuckDB copies go beside the warehouse: the same disk, which has room for one.
    parent = settings.duckdb_path.parent if settings.target == "duckdb" else None
    with tempfile.TemporaryDirectory(prefix=".sibyl-diff-", dir=parent) as scratch, ExitStack() as builds:
        workdir = Path(scratch)
        if base_ref is None:
            base = built_marts(settings, "the marts as built")  # before any build: says so at once when there are none
            head = builds.enter_context(scratch_build(settings, settings.seeds_dir, workdir, "head", head_label))
        else:
            base_seeds = seeds_at(base_ref, settings.seeds_dir, workdir / "base-seeds")
            # The working tree's seeds first: the change under review is the likelier to fail a check.
            head = builds.enter_context(scratch_build(settings, settings.seeds_dir, workdir, "head", head_label))
            base = builds.enter_context(scratch_build(settings, base_seeds, workdir, "base", f"the seeds at {base_ref}"))
        with comparison(settings, base, head) as (wh, base_marts, head_marts):
            return compare(wh, base_marts, head_marts)
