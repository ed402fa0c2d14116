"""`make bench` / `make bench-l`: build the whole project on a large demo book and record what it
costs, as ratios to a floor measured in the same run.

For each engine, on a fresh warehouse in a temp dir:
- **floor**: one bare `group by` of the raw events to account-days (a `create table as`), the
  least any build that reads every event must do;
- **full build**: `dbt build --full-refresh` as of the day before the data's last day;
- **incremental run**: the next night's `dbt build`, which adds that last day, run as
  `customer-health run` runs it (`orchestrate.nightly_build`: the data tests of the large
  incremental tables on the rows it rewrote, unit tests left to CI);
- **peak RSS** of the process that runs the build (each stage runs in its own child process, so
  the generator's memory is not counted), with DuckDB's `memory_limit` set (3GB by default).

Sizes: M is 10,000 accounts over 2 years (about 38 M events), L is 100,000 accounts over 250
days (about 100 M events). Postgres runs on a
throwaway cluster the benchmark starts (`initdb`/`pg_ctl`), at M only unless asked.

Results are printed and added to BENCHMARKS.md with the machine's cores, and the slowest nodes
of the full build and of the incremental run (dbt's own timings) are printed. Not part of the
test suite: timing belongs here, not in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from customer_health import dbt as dbt_runner
from customer_health import generator, loader, orchestrate
from customer_health.warehouse import Warehouse

# accounts and days per size. The demo book has about 1,450 events per account-year, so L keeps
# 100,000 accounts and about 100 M events by covering 250 days rather than two years (two years
# would be 290 M events, and with the base tables' copy about 45 GB of warehouse).
SIZES = {"S": (1_000, 730), "M": (10_000, 730), "L": (100_000, 250)}

FLOOR_SQL = (
    "create table bench_floor as "
    "select account_id, cast(occurred_at as date) as event_date, count(*) as events "
    "from raw_product.events group by account_id, cast(occurred_at as date)"
)

HEADER = (
    "| date | size | engine | cores | accounts | events | floor s | full build s "
    "| full ÷ floor | incremental s | incremental ÷ full | peak RSS MB | memory_limit "
    "| warehouse MB | load avg |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
)


@dataclass
class Figures:
    size: str
    engine: str
    accounts: int
    events: int
    floor_s: float
    full_s: float
    incremental_s: float
    peak_rss_mb: float
    memory_limit: str
    warehouse_mb: float | None
    slowest: list[tuple[str, float]]  # the slowest nodes of the full build
    load_average: float = 0.0  # the machine's 15-minute load average when the run ended
    slowest_incremental: list[tuple[str, float]] = field(default_factory=list)
    by_kind: dict[str, dict[str, tuple[int, float]]] = field(default_factory=dict)  # by stage

    def row(self) -> str:
        warehouse = "" if self.warehouse_mb is None else f"{self.warehouse_mb:,.0f}"
        memory = self.memory_limit if self.engine == "duckdb" else "n/a"
        return (
            f"| {datetime.now(UTC):%Y-%m-%d} | {self.size} | {self.engine} | {os.cpu_count()} | "
            f"{self.accounts:,} | {self.events:,} | {self.floor_s:.1f} | {self.full_s:.1f} | "
            f"{self.full_s / self.floor_s:.1f}× | {self.incremental_s:.1f} | "
            f"{100 * self.incremental_s / self.full_s:.1f}% | {self.peak_rss_mb:,.0f} | "
            f"{memory} | {warehouse} | {self.load_average:.1f} |"
        )


# ------------------------------------------------------------------ stages (child processes)


def _stage(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Run one stage in this process and return its figures (seconds, peak RSS)."""
    wh = Warehouse.from_env()
    out: dict[str, Any] = {}
    started = time.perf_counter()
    if name == "load":
        counts = loader.generate_and_load(
            wh,
            accounts=options["accounts"],
            days=options["days"],
            seed=options["seed"],
            end_date=date.fromisoformat(options["end"]),
            progress=True,
        )
        out["events"] = counts.get("product.events", 0)
    elif name == "floor":
        wh.execute("drop table if exists bench_floor", FLOOR_SQL)
    elif name in ("full", "incremental"):
        dbt_vars: dict[str, Any] = {"as_of_date": options["as_of"]}
        if name == "full":
            args = ["build", "--full-refresh"]
        else:
            args, dbt_vars, _ = orchestrate.nightly_build(wh, dbt_vars)
        result = dbt_runner.run(args, wh, dbt_vars=dbt_vars, quiet=True)
        timings = [
            (r.node.unique_id, float(r.execution_time or 0))
            for r in getattr(result.result, "results", None) or []
        ]
        out["slowest"] = sorted(timings, key=lambda t: -t[1])[:10]
        out["by_kind"] = by_kind(timings)
    else:
        raise ValueError(f"unknown stage {name!r}")
    out["seconds"] = time.perf_counter() - started
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def by_kind(timings: list[tuple[str, float]]) -> dict[str, tuple[int, float]]:
    """Resource type (model, test, unit_test, seed, snapshot) -> (nodes, summed seconds of
    their execution). What the wall time holds beyond the sum is dbt's own work between nodes
    (and with several threads, the sum can exceed the wall time)."""
    out: dict[str, tuple[int, float]] = {}
    for unique_id, seconds in timings:
        kind = unique_id.split(".", 1)[0]
        count, total = out.get(kind, (0, 0.0))
        out[kind] = (count + 1, total + seconds)
    return out


def _run_stage(name: str, wh: Warehouse, options: dict[str, Any], memory_limit: str) -> dict:
    env = {**os.environ, **wh.env(), "CUSTOMER_HEALTH_DUCKDB_MEMORY_LIMIT": memory_limit}
    print(f"  {wh.engine}: {name} ...", flush=True)
    proc = subprocess.run(
        [sys.executable, "-m", "customer_health.bench", "--stage", name, json.dumps(options)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench stage {name} on {wh.describe()} failed (see the output above)")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {wh.engine}: {name} took {figures['seconds']:.1f} s", flush=True)
    return figures


# ------------------------------------------------------------------ one engine


def measure(
    wh: Warehouse, size: str, accounts: int, days: int, seed: int, memory_limit: str
) -> Figures:
    end = generator.DEFAULT_END_DATE
    base = {"accounts": accounts, "days": days, "seed": seed, "end": end.isoformat()}
    loaded = _run_stage("load", wh, base, memory_limit)
    floor = _run_stage("floor", wh, base, memory_limit)
    day_before = (end - timedelta(days=1)).isoformat()
    full = _run_stage("full", wh, {**base, "as_of": day_before}, memory_limit)
    incremental = _run_stage("incremental", wh, {**base, "as_of": end.isoformat()}, memory_limit)
    size_mb = None
    if wh.engine == "duckdb":
        size_mb = sum(p.stat().st_size for p in wh.duckdb_path.parent.glob("*.duckdb*")) / 1e6
    return Figures(
        size=size,
        engine=wh.engine,
        accounts=accounts,
        events=int(loaded["events"]),
        floor_s=floor["seconds"],
        full_s=full["seconds"],
        incremental_s=incremental["seconds"],
        peak_rss_mb=max(full["peak_rss_mb"], incremental["peak_rss_mb"]),
        memory_limit=memory_limit,
        warehouse_mb=size_mb,
        slowest=[(n, s) for n, s in full["slowest"]],
        load_average=os.getloadavg()[2],
        slowest_incremental=[(n, s) for n, s in incremental["slowest"]],
        by_kind={
            "full build": {k: tuple(v) for k, v in full["by_kind"].items()},
            "incremental run": {k: tuple(v) for k, v in incremental["by_kind"].items()},
        },
    )


def _measure_engine(
    engine: str,
    tmp: Path,
    size: str,
    accounts: int,
    days: int,
    seed: int,
    memory_limit: str,
) -> Figures:
    """Every stage on one engine: a DuckDB file under ``tmp``, or a throwaway Postgres
    cluster (in the temp directory too), stopped afterwards."""
    if engine == "duckdb":
        wh = replace(Warehouse.from_env("duckdb"), duckdb_path=tmp / "bench.duckdb")
        return measure(wh, size, accounts, days, seed, memory_limit)
    from customer_health.pgcluster import PgCluster

    cluster = PgCluster.start()
    try:
        cluster.create_database("bench")
        wh = Warehouse(
            engine="postgres",
            pg_host=cluster.host,
            pg_port=cluster.port,
            pg_user=cluster.user,
            pg_password="",
            pg_dbname="bench",
        )
        return measure(wh, size, accounts, days, seed, memory_limit)
    finally:
        cluster.stop()


def run(
    size: str,
    accounts: int,
    days: int,
    seed: int,
    engines: list[str],
    memory_limit: str,
    out: Path,
) -> list[Figures]:
    """Measure each engine; the rows of the engines measured are written even when another
    engine fails, and the run then fails saying which and what to check."""
    results: list[Figures] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="customer-health-bench-") as tmp:
        for engine in engines:
            try:
                results.append(
                    _measure_engine(engine, Path(tmp), size, accounts, days, seed, memory_limit)
                )
            except SystemExit as exc:  # a stage failed: its own output is above
                failures.append(f"{engine}: {exc}")
        free_gb = shutil.disk_usage(tmp).free / 1e9
    if results:
        _report(results, out)
    if failures:
        kept = ", ".join(f.engine for f in results)
        raise SystemExit(
            "\n".join(failures)
            + f"\n{free_gb:.1f} GB are free in {tempfile.gettempdir()}, where the warehouses "
            "and the Postgres cluster live: a build that runs out of disk fails there (set "
            "TMPDIR to a larger disk)." + (f" The rows of {kept} are in {out}." if results else "")
        )
    return results


def _report(results: list[Figures], out: Path) -> None:
    """Print the rows, with the slowest nodes and the time by kind, then add the rows to
    ``out``: a file that cannot be written loses no figure of a run that took an hour."""
    print(f"\n{platform.node()}, {os.cpu_count()} cores:\n{HEADER.splitlines()[0]}")
    for figures in results:
        print(figures.row())
    for figures in results:
        for stage, slowest in (
            ("full build", figures.slowest),
            ("incremental run", figures.slowest_incremental),
        ):
            print(f"\nslowest nodes of the {stage} on {figures.engine}:")
            for node, seconds in slowest:
                print(f"  {seconds:8.1f} s  {node}")
            kinds = figures.by_kind.get(stage, {})
            if kinds:
                print(f"time of the {stage} on {figures.engine} by kind of node (summed):")
                for kind, (count, seconds) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
                    print(f"  {seconds:8.1f} s  {count:5d} {kind} nodes")
    if len(results) == 2:
        duck, pg = results
        print(
            f"\npostgres ÷ duckdb: full build {pg.full_s / duck.full_s:.1f}×, "
            f"incremental {pg.incremental_s / duck.incremental_s:.1f}×, "
            f"floor {pg.floor_s / duck.floor_s:.1f}×"
        )
    try:
        text = out.read_text() if out.exists() else "# Benchmarks\n\n" + HEADER
        for figures in results:
            text = add_row(text, figures.row())
        out.write_text(text)
    except OSError as exc:
        raise SystemExit(
            f"could not add the rows to {out} ({exc}); they are printed above: copy them there"
        ) from exc
    print(f"\nadded to the table in {out}")


def check_out(out: Path) -> Path:
    """``out``, its folder created: refused before a run of many minutes rather than after."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SystemExit(
            f"--out {out}: cannot create its folder ({exc}); pick another path"
        ) from exc
    if out.is_dir() or not os.access(out if out.exists() else out.parent, os.W_OK):
        raise SystemExit(f"--out {out}: not a file this user can write; pick another path")
    return out


def add_row(text: str, row: str) -> str:
    """``text`` with ``row`` after the last row of its first table, so that notes written under
    the table stay under it."""
    lines = text.splitlines()
    last = None
    for i, line in enumerate(lines):
        if line.startswith("|"):
            last = i
        elif last is not None:
            break
    if last is None:
        return text.rstrip("\n") + "\n" + row + "\n"
    return "\n".join([*lines[: last + 1], row, *lines[last + 1 :]]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="M")
    parser.add_argument("--accounts", type=int, help="overrides the size's account count")
    parser.add_argument("--days", type=int, help="overrides the size's days of history")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--engines", default="duckdb", help="comma-separated: duckdb, postgres (default duckdb)"
    )
    parser.add_argument(
        "--memory-limit",
        default=os.environ.get("CUSTOMER_HEALTH_DUCKDB_MEMORY_LIMIT", "3GB"),
        help="DuckDB memory_limit for every stage (default 3GB)",
    )
    parser.add_argument("--out", type=Path, default=dbt_runner.project_dir() / "BENCHMARKS.md")
    parser.add_argument("--stage", nargs=2, metavar=("NAME", "OPTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        name, options = args.stage
        print(json.dumps(_stage(name, json.loads(options))))
        return
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for engine in engines:
        if engine not in ("duckdb", "postgres"):
            parser.error(f"unknown engine {engine!r}: use duckdb and/or postgres")
    accounts = args.accounts or SIZES[args.size][0]
    days = args.days or SIZES[args.size][1]
    size = args.size if (accounts, days) == SIZES[args.size] else f"{accounts:,} × {days} d"
    run(size, accounts, days, args.seed, engines, args.memory_limit, check_out(args.out))


if __name__ == "__main__":
    main()
