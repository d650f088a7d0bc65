"""The committed seeds are the demo organisation: `generate --seeds-dir` writes the same bytes."""

from __future__ import annotations

from pathlib import Path

from sibyl.demo.organisation import write_seeds

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_committed_seeds_match_the_generated_organisation(tmp_path):
    written = {p.name: p.read_bytes() for p in write_seeds(tmp_path)}
    committed = {p.name: p.read_bytes() for p in SEEDS.glob("*.csv")}

    assert committed, "no seed CSVs in seeds/"
    assert set(committed) <= set(written)
    for name, content in committed.items():
        assert content == written[name], f"seeds/{name} differs from the generated organisation"
