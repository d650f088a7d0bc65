"""`sibyl serve`'s API on both warehouses: the marts' numbers to the cent, the same as `sibyl report`, every bad
parameter a JSON 4xx, the token rule and the read-only rule. All on the session's built warehouse (no build here)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from conftest import DEMO_END_DATE
from helpers import invoke, warehouse_rows
from sibyl.config import Settings
from sibyl.serve.app import create_app

TOKEN = "s3cret-token-for-tests-0123456789"


def client(token: str | None = None) -> TestClient:
    """A client of the app on the warehouse the environment names; `with` it, so its connections close after."""
    return TestClient(create_app(Settings.from_env(), token=token))


@pytest.fixture
def api(built_target):
    with client() as test_client:
        yield test_client


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_every_endpoint_answers_the_marts_numbers_to_the_cent(built_target, api):
    view = api.get("/api/v1/costs/by_team").json()
    mart = warehouse_rows("select team, business_unit, cost_30d, cost_prev_30d, window_start, window_end from marts.cost_by_team_30d")
    assert {(r["team"], r["business_unit"]): (cents(r["cost_30d"]), cents(r["cost_prev_30d"])) for r in view["rows"]} == {
        (t, u): (cents(round(now, 2)), cents(round(before, 2))) for t, u, now, before, _, _ in mart
    }
    assert (view["window_start"], view["window_end"]) == (mart[0][4].isoformat(), mart[0][5].isoformat())
    assert view["currency"] == "USD" and view["cost_basis"] == "effective_cost"
    assert cents(view["total_30d"]) == cents(round(sum(r[2] for r in mart), 2))
    # money is decimal text, never a float with artefacts
    assert all(isinstance(r["cost_30d"], str) and len(r["cost_30d"].split(".")[1]) <= 6 for r in view["rows"])

    # the same numbers as `sibyl report … --format json`, through the same query layer
    report = json.loads(invoke("report", "cost-by-team", "--format", "json", check=True).stdout)
    assert [(r["team"], Decimal(r["cost_30d"]), r["mom_change_pct"]) for r in view["rows"]] == [
        (r["team"], Decimal(str(r["cost_30d"])), r["mom_change_pct"]) for r in report
    ]

    # the window computed from the marts for an as-of date is dbt's own on the built as-of date, to the cent
    same = api.get("/api/v1/costs/by_team", params={"as_of": mart[0][5].isoformat()}).json()
    assert [(r["team"], cents(r["cost_30d"]), cents(r["cost_prev_30d"])) for r in same["rows"]] == [
        (r["team"], cents(r["cost_30d"]), cents(r["cost_prev_30d"])) for r in view["rows"]
    ]

    payments = api.get("/api/v1/costs/by_team", params={"business_unit": "Payments"}).json()
    assert {r["team"] for r in payments["rows"]} == {t for t, u, *_ in mart if u == "Payments"}
    assert cents(payments["total_30d"]) == cents(round(sum(now for _, u, now, *_ in mart if u == "Payments"), 2))

    monthly = api.get("/api/v1/costs/by_team/monthly", params={"team": "checkout", "from": "2026-10", "to": "2026-11"}).json()
    expected = warehouse_rows(
        "select billing_month, cost from marts.cost_by_team_monthly where team = 'checkout' "
        "and billing_month between date '2026-10-01' and date '2026-11-01' order by billing_month"
    )
    assert [(r["billing_month"], cents(r["cost"])) for r in monthly["rows"]] == [(m.isoformat(), cents(round(c, 2))) for m, c in expected]

    unallocated = api.get("/api/v1/costs/unallocated", params={"limit": 3}).json()
    items = warehouse_rows("select cost_rank, cost_30d from marts.unallocated_cost order by cost_rank")
    assert [(r["cost_rank"], cents(r["cost_30d"])) for r in unallocated["rows"]] == [(k, cents(round(c, 2))) for k, c in items[:3]]
    assert unallocated["total_items"] == len(items)
    [(unassigned,)] = warehouse_rows("select cost_30d from marts.cost_by_team_30d where team = 'unallocated'")
    assert cents(unallocated["unallocated_30d"]) == cents(round(unassigned, 2))


def test_untagged_compliance_idle_and_org_are_the_marts(built_target, api):
    untagged = api.get("/api/v1/compliance/untagged", params={"min_cost": 10, "limit": 5, "offset": 2}).json()
    rows = warehouse_rows(
        "select resource_id, monthly_cost from marts.untagged_resources where cast(monthly_cost as decimal(18, 2)) >= 10 order by cost_rank"
    )
    assert untagged["total"] == len(rows) > 7
    assert [(r["resource_id"], cents(r["monthly_cost"])) for r in untagged["rows"]] == [(i, cents(round(c, 2))) for i, c in rows[2:7]]

    summary = api.get("/api/v1/compliance/summary").json()
    assert warehouse_rows("select count(*) from marts.compliance_summary") == [(0,)]  # the demo CUR alone: no inventory scan
    assert summary["scan_id"] is None and summary["rows"] == []
    assert summary["message"] == "no inventory scan loaded yet: run `sibyl load inventory` and `sibyl build`"

    assert api.get("/api/v1/resources/idle").json() == {"currency": "USD", "available": True, "rows": []}

    org = api.get("/api/v1/org").json()
    teams = warehouse_rows("select business_group, business_unit, team from marts.dim_teams order by 1, 2, 3")
    assert [
        (g["business_group"], u["business_unit"], t["team"])
        for g in org["business_groups"]
        for u in g["business_units"]
        for t in u["teams"]
    ] == teams
    assert api.get("/healthz").json() == {"status": "ok", "target": built_target, "error": None}


BAD = [
    (
        "/api/v1/costs/by_team?as_of=2026-02-30",
        422,
        "query parameter as_of: Input should be a valid date or datetime, day value is outside",
    ),
    ("/api/v1/costs/by_team?as_of=yesterday", 422, "query parameter as_of: Input should be a valid date or datetime"),
    ("/api/v1/costs/by_team?business_unit=Atlantis", 404, "unknown business unit 'Atlantis': GET /api/v1/org lists them"),
    ("/api/v1/costs/by_team?business_group=x'%3B%20drop%20table%20marts.dim_teams--", 404, "unknown business group \"x'; drop table"),
    ("/api/v1/costs/by_team/monthly?team=nobody", 404, "unknown team 'nobody': GET /api/v1/org lists them"),
    ("/api/v1/costs/by_team/monthly?from=2026-13", 422, "query parameter from: expected a month as YYYY-MM, got '2026-13'"),
    ("/api/v1/costs/by_team/monthly?from=2026-11&to=2026-10", 422, "query parameters from and to: from (2026-11) is after to (2026-10)"),
    ("/api/v1/compliance/untagged?limit=-1", 422, "query parameter limit: Input should be greater than or equal to 1 (got '-1')"),
    ("/api/v1/compliance/untagged?limit=501", 422, "query parameter limit: Input should be less than or equal to 500"),
    ("/api/v1/compliance/untagged?offset=-5", 422, "query parameter offset: Input should be greater than or equal to 0"),
    ("/api/v1/compliance/untagged?min_cost=-1", 422, "query parameter min_cost: Input should be greater than or equal to 0"),
    ("/api/v1/compliance/untagged?min_cost=lots", 422, "query parameter min_cost: Input should be a valid number"),
    ("/api/v1/compliance/untagged?account=12345", 422, "query parameter account: String should match pattern"),
    ("/api/v1/compliance/untagged?team=nobody", 404, "unknown team 'nobody': GET /api/v1/org lists them"),
    (
        "/api/v1/costs/by_team?as_off=2026-11-01",
        422,
        "unknown query parameter as_off: this endpoint takes as_of, business_group, business_unit",
    ),
    ("/api/v1/org?x=1&a=2", 422, "unknown query parameter a, x: this endpoint takes none"),
    ("/api/v1/nothing-here", 404, "Not Found"),
]


def test_every_bad_parameter_is_a_json_4xx_that_says_what_is_wrong(built_target, api):
    for url, status, message in BAD:
        response = api.get(url)
        assert (response.status_code, response.headers["content-type"]) == (status, "application/json"), url
        assert response.json()["error"].startswith(message), (url, response.json())

    before = api.get("/api/v1/costs/by_team", params={"as_of": "2020-01-01"})
    [(first, last)] = warehouse_rows("select min(usage_date), max(usage_date) from marts.fct_cost_daily")
    assert before.status_code == 404
    assert before.json() == {
        "error": f"no cost in the 60 days from 2019-11-03 to 2020-01-01: the warehouse covers usage from {first} to {last}",
        "coverage": {"first_usage_date": first.isoformat(), "last_usage_date": last.isoformat()},
    }


def test_report_says_what_the_warehouse_covers_and_prints_money_without_artefacts(built_target):
    result = invoke("report", "cost-by-team", "--as-of", "2020-01-01")
    [(first, last)] = warehouse_rows("select min(usage_date), max(usage_date) from marts.fct_cost_daily")

    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: no cost in the 60 days from 2019-11-03 to 2020-01-01: the warehouse covers usage from {first} to {last}"
    )
    rows = json.loads(invoke("report", "cost-by-team-monthly", "--format", "json", check=True).stdout)
    amounts = [Decimal(repr(r[c])) for r in rows for c in ("cost", "cost_prev_month", "mom_change")]
    assert amounts and all(a.as_tuple().exponent >= -6 for a in amounts)  # to a millionth, no 0.30000000000000004


def test_token_rule(duckdb_path, monkeypatch):
    from sibyl.errors import ConfigError
    from sibyl.serve import token_for

    monkeypatch.delenv("SIBYL_API_TOKEN", raising=False)
    assert token_for("127.0.0.1") is None and token_for("::1") is None and token_for("localhost") is None
    with pytest.raises(ConfigError, match=r"^--host 0.0.0.0 listens beyond this machine: set SIBYL_API_TOKEN"):
        token_for("0.0.0.0")
    refused = invoke("serve", "--host", "0.0.0.0")
    assert refused.exit_code == 2
    assert refused.output.startswith("error: --host 0.0.0.0 listens beyond this machine: set SIBYL_API_TOKEN")
    monkeypatch.setenv("SIBYL_API_TOKEN", "short")
    with pytest.raises(ConfigError, match="SIBYL_API_TOKEN is 5 characters long: use 16 or more"):
        token_for("0.0.0.0")
    monkeypatch.setenv("SIBYL_API_TOKEN", TOKEN)
    assert token_for("0.0.0.0") == TOKEN

    with client(token=TOKEN) as api:
        responses = [api.get("/api/v1/org", headers=h) for h in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN})]
        allowed = api.get("/api/v1/org", headers={"Authorization": f"Bearer {TOKEN}"})
        page, health = api.get("/"), api.get("/healthz")
    for denied in responses:
        assert denied.status_code == 401
        assert denied.json() == {"error": "missing or wrong bearer token: send the header `Authorization: Bearer <SIBYL_API_TOKEN>`"}
    # past the token, the empty warehouse answers what to run
    assert allowed.status_code == 503
    assert allowed.json()["error"].startswith(f"no DuckDB warehouse at {duckdb_path}: run `sibyl load cur <source>` and `sibyl build`")
    assert page.status_code == 200 and health.status_code == 503


def test_the_docs_page_and_its_files_come_from_the_server_not_a_cdn(duckdb_path):
    with client() as api:
        docs = api.get("/docs")
        files = {path: api.get(path) for path in ("/static/swagger-ui/swagger-ui-bundle.js", "/static/swagger-ui/swagger-ui.css")}
        schema = api.get("/openapi.json")

    assert docs.status_code == 200
    assert "https://" not in docs.text and "http://" not in docs.text
    assert all(path in docs.text for path in files)
    assert {path: response.status_code for path, response in files.items()} == dict.fromkeys(files, 200)
    assert "/api/v1/costs/by_team" in schema.json()["paths"]


def test_nothing_can_write(built_target, api):
    app = api.app

    methods = {m for route in app.routes for m in getattr(route, "methods", set())}
    assert methods <= {"GET", "HEAD"}
    assert api.post("/api/v1/org").status_code == 405 and api.delete("/api/v1/costs/by_team").status_code == 405

    with app.state.reader.borrow() as con:
        if built_target == "postgres":
            assert con.fetch("select current_user")[1] == [("sibyl_bi",)]
            with pytest.raises(Exception, match="cannot execute DELETE in a read-only transaction"):
                con.fetch("delete from marts.dim_teams returning team")
        else:
            with pytest.raises(Exception, match="read-only mode"):
                con.fetch("delete from marts.dim_teams returning team")
    assert warehouse_rows("select count(*) from marts.dim_teams")[0][0] > 0


def test_an_unbuilt_warehouse_answers_503_with_what_to_run(target):
    if target == "duckdb":
        import duckdb

        duckdb.connect(Settings.from_env().duckdb_path).close()  # loaded maybe, never built: nothing published
    with client() as api:
        response = api.get("/api/v1/costs/by_team")

    published = Settings.from_env().duckdb_path.with_suffix(".marts.duckdb")
    expected = {
        "duckdb": f"the marts are not published yet ({published}): run `sibyl build`",
        "postgres": "the marts are not built yet: run `sibyl build` first",
    }
    assert response.status_code == 503
    assert response.json()["error"] == expected[target]


def test_as_of_another_day_matches_the_report(built_target, api):
    as_of = (DEMO_END_DATE - dt.timedelta(days=20)).isoformat()
    view = api.get("/api/v1/costs/by_team", params={"as_of": as_of}).json()
    report = json.loads(invoke("report", "cost-by-team", "--as-of", as_of, "--format", "json", check=True).stdout)

    assert view["window_end"] == as_of
    assert [(r["team"], Decimal(r["cost_30d"])) for r in view["rows"]] == [(r["team"], Decimal(str(r["cost_30d"]))) for r in report]


def test_kept_answers_are_given_again_only_while_the_version_holds():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from sibyl.serve.cache import AnswerCache

    asked = []
    version = ["v1"]

    def answer(request):
        asked.append(request.url.path)
        return JSONResponse({"n": len(asked)})

    app = Starlette(routes=[Route("/api/v1/x", answer), Route("/other", answer)])
    app.add_middleware(AnswerCache, version=lambda: version[0])
    with TestClient(app) as api:
        first, again = api.get("/api/v1/x").json(), api.get("/api/v1/x").json()
        other_query = api.get("/api/v1/x?a=1").json()
        version[0] = "v2"  # a build replaced the marts
        after = api.get("/api/v1/x").json()
        not_api = [api.get("/other").json(), api.get("/other").json()]
        version[0] = None  # no version to trust: nothing kept
        unversioned = [api.get("/api/v1/x").json(), api.get("/api/v1/x").json()]

    assert (first, again, other_query, after) == ({"n": 1}, {"n": 1}, {"n": 2}, {"n": 3})
    assert not_api == [{"n": 4}, {"n": 5}] and unversioned == [{"n": 6}, {"n": 7}]


def test_the_postgres_version_of_the_marts_moves_with_every_write(postgres_db, monkeypatch):
    import adbc_driver_postgresql.dbapi as adbc

    from conftest import postgres_uri
    from sibyl.serve.readers import PostgresReader

    monkeypatch.setenv("SIBYL_TARGET", "postgres")
    reader = PostgresReader("postgres")  # the admin's own role: this database has no BI role grants
    versions = [reader.version()]
    with adbc.connect(postgres_uri(), autocommit=True) as con, con.cursor() as cur:
        for statements in (
            ["create schema marts"],
            ["create table marts.cost_by_team_30d (team text)"],
            ["insert into marts.cost_by_team_30d values ('a')"],  # an incremental build: same table, new rows
            ["drop table marts.cost_by_team_30d", "create table marts.cost_by_team_30d (team text)"],  # a rebuilt table
        ):
            for sql in statements:
                cur.execute(sql)
            cur.execute("select pg_stat_force_next_flush()")
            versions.append(reader.version())
    reader.close()

    assert versions[:2] == [None, None]  # no mart table yet: no version, nothing kept
    assert None not in versions[2:] and len(set(versions[2:])) == 3
