"""dbt's unit tests (each business rule on fixed inputs, models/**/_*__unit_tests.yml) pass on each warehouse.

`sibyl build` leaves them out unless asked with `--unit-tests`: they test the SQL, not the data, so they
run here once per target rather than in every build of the suite and of production."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from helpers import invoke

PROJECT = Path(__file__).resolve().parents[2]


def declared_unit_tests() -> set[str]:
    names = set()
    for path in (PROJECT / "models").rglob("*.yml"):
        names |= {test["name"] for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])}
    return names


def run_results() -> list[dict]:
    return json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]


def test_a_build_leaves_the_unit_tests_out_and_unit_tests_runs_every_one_and_they_pass(built_target):
    # The fixture's `sibyl build` built the models and ran the data tests, and no unit test.
    kinds = {r["unique_id"].split(".")[0] for r in run_results()}
    assert {"model", "seed", "test"} <= kinds and "unit_test" not in kinds

    # dbt builds a unit test only with its model, so the whole project is built again (a rebuild, as CI does).
    result = invoke("build", "--unit-tests")
    assert result.exit_code == 0, result.output

    ran = {r["unique_id"].split(".")[-1]: r["status"] for r in run_results() if r["unique_id"].startswith("unit_test.")}
    declared = declared_unit_tests()
    assert len(declared) >= 25  # as many as when this test was written, at least: the YAML was found
    assert ran == dict.fromkeys(declared, "pass")
