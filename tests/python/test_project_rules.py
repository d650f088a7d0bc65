"""The rules of dbt-project-evaluator that apply to Sibyl, checked on the manifest of `dbt parse`.

The package itself cannot be installed here (no dbt package hub), so these tests read
target/manifest.json as the package's models read the graph: a few seconds, no warehouse.
Each rule returns what breaks it; the last tests feed each rule a small graph that breaks it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Marts whose names are public contracts (BI dashboards, `sibyl report`), not fct_/dim_ tables.
MART_NAME_EXCEPTIONS = {
    "cost_by_team_30d",
    "cost_by_team_monthly",
    "unallocated_cost",
    "tag_conflicts",
    "resources",
    "untagged_resources",
    "compliance_summary",
    "resource_utilization_daily",
    "idle_resources",
    "cost_forecast",
    "cost_anomalies",
}
LAYERS = ["staging", "intermediate", "marts"]
PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_")}
CHAINED_VIEWS_THRESHOLD = 4  # dbt-project-evaluator's default
NOT_PHYSICAL = {"view", "ephemeral"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """`dbt parse` of the project with the committed example profile, as `sibyl build` runs dbt."""
    scratch = tmp_path_factory.mktemp("dbt-parse")
    shutil.copyfile(PROJECT_DIR / "profiles.yml.example", scratch / "profiles.yml")
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "SIBYL_TARGET": "duckdb", "SIBYL_DUCKDB_PATH": str(scratch / "parse.duckdb")}
    completed = subprocess.run(
        [
            str(dbt if dbt.exists() else shutil.which("dbt")),
            "parse",
            "--no-partial-parse",
            "--quiet",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(scratch),
            "--target-path",
            str(scratch / "target"),
        ],
        cwd=PROJECT_DIR,
        env=env,
        text=True,
        capture_output=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads((scratch / "target" / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def layer(node: dict) -> str:
    return node["fqn"][1]


def parents(node: dict) -> set[str]:
    return set(node["depends_on"]["nodes"])


def children(manifest: dict, uid: str) -> set[str]:
    """Nodes of the DAG built on uid: models, snapshots and exposures, not tests."""
    return {child for child in manifest["child_map"].get(uid, []) if child.split(".")[0] in ("model", "snapshot", "exposure")}


# The rules: each returns the models (or pairs) that break it.


def models_without_primary_key_test(manifest: dict) -> list[str]:
    """unique + not_null (or not_null_columns) on one column, or unique_combination with not_null on one of its columns
    (the project's unique_combination counts nulls as equal, so a null member of a grain such as
    service or region is a value, but a key is never null throughout)."""
    tests: dict[str, list[tuple[str, dict]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata") and node.get("attached_node"):
            tests.setdefault(node["attached_node"], []).append((node["test_metadata"]["name"], node["test_metadata"]["kwargs"]))
    broken = []
    for uid, node in models(manifest).items():
        found = tests.get(uid, [])
        unique = {kwargs.get("column_name") for name, kwargs in found if name == "unique"} - {None}
        not_null = {kwargs.get("column_name") for name, kwargs in found if name == "not_null"} - {None}
        not_null |= {column for name, kwargs in found if name == "not_null_columns" for column in kwargs["columns"]}
        combinations = [set(kwargs["columns"]) for name, kwargs in found if name == "unique_combination"]
        if not (unique & not_null or any(columns & not_null for columns in combinations)):
            broken.append(node["name"])
    return sorted(broken)


def misnamed_models(manifest: dict) -> list[str]:
    broken = []
    for node in models(manifest).values():
        name, where = node["name"], layer(node)
        if where not in LAYERS:
            broken.append(f"{name}: in models/{where}, not in {LAYERS}")
        elif where == "marts" and name in MART_NAME_EXCEPTIONS:
            continue
        elif not name.startswith(PREFIXES[where]):
            broken.append(f"{name}: a {where} model named without {' or '.join(PREFIXES[where])}")
        elif where == "staging":
            # stg_<source>__<entity>, <source> being the source it reads.
            source, _, entity = name.removeprefix("stg_").partition("__")
            sources = {manifest["sources"][uid]["source_name"] for uid in parents(node) if uid.startswith("source.")}
            if not entity or sources != {source}:
                broken.append(f"{name}: not stg_<source>__<entity> for source(s) {sorted(sources)}")
    return sorted(broken)


def chains_of_views(manifest: dict) -> list[str]:
    """Chains of views and ephemeral models longer than the threshold, as 'a -> b -> …'."""
    nodes = models(manifest)
    longest: dict[str, list[str]] = {}

    def chain_ending_at(uid: str) -> list[str]:
        if uid not in longest:
            before = [chain_ending_at(p) for p in parents(nodes[uid]) if p in nodes and nodes[p]["config"]["materialized"] in NOT_PHYSICAL]
            longest[uid] = [*max(before, key=len, default=[]), nodes[uid]["name"]]
        return longest[uid]

    chains = [chain_ending_at(uid) for uid, node in nodes.items() if node["config"]["materialized"] in NOT_PHYSICAL]
    return sorted(" -> ".join(chain) for chain in chains if len(chain) > CHAINED_VIEWS_THRESHOLD)


def rejoined_upstream_concepts(manifest: dict) -> list[str]:
    """A model refs A and B where B refs A and nothing but this model is built on B: B could be a
    CTE of it (dbt-project-evaluator's fct_rejoining_of_upstream_concepts)."""
    nodes = models(manifest)
    broken = []
    for uid, node in nodes.items():
        for between in parents(node) & nodes.keys():
            for upstream in parents(nodes[between]) & parents(node):
                if children(manifest, between) == {uid}:
                    broken.append(
                        f"{node['name']} refs {upstream.split('.')[-1]} and {nodes[between]['name']}, "
                        "which only it uses and which refs it too"
                    )
    return sorted(broken)


def sources_outside_staging(manifest: dict) -> list[str]:
    return sorted(
        f"{node['name']} reads {uid}"
        for node in models(manifest).values()
        if layer(node) != "staging"
        for uid in parents(node)
        if uid.startswith("source.")
    )


def models_depending_on_a_later_layer(manifest: dict) -> list[str]:
    """staging < intermediate < marts: no intermediate model on a mart, no staging model on either."""
    nodes = models(manifest)
    return sorted(
        f"{node['name']} ({layer(node)}) depends on {nodes[uid]['name']} ({layer(nodes[uid])})"
        for node in nodes.values()
        for uid in parents(node) & nodes.keys()
        if layer(node) in LAYERS and layer(nodes[uid]) in LAYERS and LAYERS.index(layer(nodes[uid])) > LAYERS.index(layer(node))
    )


def undocumented_or_untyped(manifest: dict) -> list[str]:
    broken = []
    for node in models(manifest).values():
        if not node["description"].strip():
            broken.append(f"{node['name']}: no description")
        if not node["columns"]:
            broken.append(f"{node['name']}: no columns in YAML")
        broken += [f"{node['name']}.{name}: no data_type" for name, column in node["columns"].items() if not column.get("data_type")]
        broken += [
            f"{node['name']}.{name}: no description" for name, column in node["columns"].items() if not column["description"].strip()
        ]
    return sorted(broken)


RULES = [
    models_without_primary_key_test,
    misnamed_models,
    chains_of_views,
    rejoined_upstream_concepts,
    sources_outside_staging,
    models_depending_on_a_later_layer,
    undocumented_or_untyped,
]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_project_keeps_the_rule(manifest, rule):
    assert rule(manifest) == []


# Each rule, given a graph that breaks it, says so.


def _model(name: str, where: str, parents: list[str] = (), materialized: str = "view", columns: dict | None = None) -> tuple[str, dict]:
    columns = {"id": {"data_type": "varchar", "description": "Id."}} if columns is None else columns
    return f"model.p.{name}", {
        "resource_type": "model",
        "name": name,
        "fqn": ["p", where, name],
        "config": {"materialized": materialized},
        "depends_on": {"nodes": list(parents)},
        "description": f"{name}.",
        "columns": columns,
    }


def _test(name: str, model: str, **kwargs) -> tuple[str, dict]:
    return f"test.p.{name}_{model}_{len(kwargs)}", {
        "resource_type": "test",
        "attached_node": f"model.p.{model}",
        "test_metadata": {"name": name, "kwargs": kwargs},
        "depends_on": {"nodes": [f"model.p.{model}"]},
    }


def _manifest(*nodes: tuple[str, dict]) -> dict:
    graph = dict(nodes)
    child_map: dict[str, list[str]] = {uid: [] for uid in graph}
    for uid, node in graph.items():
        for parent in node["depends_on"]["nodes"]:
            child_map.setdefault(parent, []).append(uid)
    source = {"source.p.cur.line_items": {"source_name": "cur"}}
    return {"nodes": graph, "sources": source, "child_map": child_map}


STG = _model("stg_cur__items", "staging", ["source.p.cur.line_items"])


@pytest.mark.parametrize(
    "rule, broken",
    [
        (models_without_primary_key_test, _manifest(STG, _test("unique", "stg_cur__items", column_name="id"))),
        (models_without_primary_key_test, _manifest(STG, _test("unique_combination", "stg_cur__items", columns=["id", "day"]))),
        (misnamed_models, _manifest(_model("items", "staging", ["source.p.cur.line_items"]))),
        (misnamed_models, _manifest(_model("stg_aws__items", "staging", ["source.p.cur.line_items"]))),
        (misnamed_models, _manifest(_model("team_costs", "marts", ["model.p.stg_cur__items"]), STG)),
        (
            chains_of_views,
            _manifest(STG, *[_model(f"int_{i}", "intermediate", [f"model.p.int_{i - 1}" if i else STG[0]]) for i in range(4)]),
        ),
        (
            rejoined_upstream_concepts,
            _manifest(STG, _model("int_b", "intermediate", [STG[0]]), _model("int_c", "intermediate", [STG[0], "model.p.int_b"])),
        ),
        (sources_outside_staging, _manifest(_model("int_items", "intermediate", ["source.p.cur.line_items"]))),
        (
            models_depending_on_a_later_layer,
            _manifest(_model("dim_teams", "marts", materialized="table"), _model("int_rows", "intermediate", ["model.p.dim_teams"])),
        ),
        (undocumented_or_untyped, _manifest(_model("int_rows", "intermediate", columns={"id": {"data_type": None, "description": "Id."}}))),
    ],
)
def test_a_broken_rule_is_reported(rule, broken):
    assert rule(broken) != []
