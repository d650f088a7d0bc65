"""Load on `sibyl serve`: N requests, C at a time, against 127.0.0.1; p50 / p95 / max latency and errors per endpoint.

    .venv/bin/python bench/serve.py [--requests 2000] [--concurrency 20] [--targets duckdb,postgres] [--workdir DIR] [--as-built]

For each target, the demo (`sibyl demo`: 3 months of CUR, an inventory scan, CloudWatch metrics) is built once in
--workdir (DuckDB) or in the database `sibyl_bench_serve` (PostgreSQL), then `sibyl serve` runs in a child process
and an asyncio client sends the requests over keep-alive connections (plain HTTP/1.1, the lightest client). It
shares the machine's cores with the server, as a BI tool on the same host would. `--as-built` serves the warehouse
the environment names instead, building nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

SIBYL = str(Path(sys.executable).with_name("sibyl"))
PATHS = ["/api/v1/costs/by_team", "/api/v1/costs/by_team/monthly?team=checkout", "/api/v1/compliance/untagged?limit=20"]
PG_DATABASE = "sibyl_bench_serve"


def prepare(target: str, workdir: Path) -> dict[str, str]:
    """The environment of a built demo warehouse for `target`, building it when absent."""
    env = {**os.environ, "SIBYL_TARGET": target, "DBT_TARGET_PATH": str(workdir / f"dbt-{target}")}
    if target == "duckdb":
        env["SIBYL_DUCKDB_PATH"] = str(workdir / "warehouse.duckdb")
        built = (workdir / "warehouse.marts.duckdb").exists()
    else:
        env["PGDATABASE"] = PG_DATABASE
        built = _postgres_has_marts()
    if not built:
        subprocess.run([SIBYL, "demo", "--data-dir", str(workdir / "demo-data")], env=env, check=True, capture_output=True)
    return env


def _postgres_has_marts() -> bool:
    import adbc_driver_postgresql.dbapi as adbc

    uri = f"postgresql://{os.environ.get('PGUSER', 'postgres')}@{os.environ.get('PGHOST', '127.0.0.1')}:{os.environ.get('PGPORT', '5432')}"
    with adbc.connect(f"{uri}/postgres", autocommit=True) as con, con.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = $1", [PG_DATABASE])
        if not cur.fetchall():
            cur.execute(f"create database {PG_DATABASE}")
            return False
    with adbc.connect(f"{uri}/{PG_DATABASE}") as con, con.cursor() as cur:
        cur.execute("select 1 from pg_class where relname = 'cost_by_team_30d'")
        return bool(cur.fetchall())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def hammer(port: int, path: str, requests: int, concurrency: int) -> tuple[list[float], int]:
    """Latencies in ms of `requests` GETs of `path`, `concurrency` in flight at a time (one keep-alive connection each);
    and how many were not 200. Plain HTTP/1.1 on asyncio streams: a client library would take more of the cores the
    server needs than the server itself."""
    latencies: list[float] = []
    errors = 0
    remaining = iter(range(requests))
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in remaining:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not head.startswith(b"HTTP/1.1 200 ")
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


def measure(target: str, env: dict[str, str], requests: int, concurrency: int) -> None:
    port = free_port()
    server = subprocess.Popen([SIBYL, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"sibyl serve did not answer on {base}: {server.stderr.read1().decode() if server.stderr else ''}")
        for path in PATHS:
            asyncio.run(hammer(port, path, 50, concurrency))  # warm: the first file open, the first answer
            started = time.perf_counter()
            latencies, errors = asyncio.run(hammer(port, path, requests, concurrency))
            seconds = time.perf_counter() - started
            q = statistics.quantiles(latencies, n=100)
            figures = f"{q[49]:>8.1f} {q[94]:>8.1f} {max(latencies):>8.1f} {requests / seconds:>8.0f}"
            print(f"{target:<9} {path:<48} {requests:>6,} {errors:>6} {figures}", flush=True)
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--targets", default="duckdb")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sibyl-bench-serve"))
    parser.add_argument("--as-built", action="store_true", help="Serve the warehouse the environment names (SIBYL_*, PG*): build nothing.")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{args.requests:,} requests per endpoint, {args.concurrency} at a time, on 127.0.0.1; latency in ms", flush=True)
    print(f"{'target':<9} {'endpoint':<48} {'requests':>6} {'errors':>6} {'p50':>8} {'p95':>8} {'max':>8} {'req/s':>8}", flush=True)
    for target in args.targets.split(","):
        env = {**os.environ, "SIBYL_TARGET": target} if args.as_built else prepare(target, args.workdir)
        measure(target, env, args.requests, args.concurrency)


if __name__ == "__main__":
    main()
