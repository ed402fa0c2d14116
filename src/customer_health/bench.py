"""`make bench`: build the whole project on a large demo book (DuckDB) and record the figures.

Measures, on a fresh DuckDB file in a temp dir:
- demo data generation + load;
- a full `dbt build` (as of the day before the data's last day);
- an incremental `dbt build` that adds that last day;
- peak memory (max RSS of this process, which runs dbt in-process).

Results are printed and appended to BENCHMARKS.md with the machine's core count.
Not part of the test suite: timing belongs here, not in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from customer_health import dbt as dbt_runner
from customer_health import generator, loader
from customer_health.warehouse import Warehouse


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(accounts: int, days: int, seed: int, out: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="customer-health-bench-") as tmp:
        wh = replace(Warehouse.from_env("duckdb"), duckdb_path=Path(tmp) / "bench.duckdb")
        end = generator.DEFAULT_END_DATE
        started = time.perf_counter()
        counts = loader.generate_and_load(
            wh, accounts=accounts, days=days, seed=seed, end_date=end, progress=True
        )
        figures["generate_and_load_s"] = time.perf_counter() - started
        figures["raw_rows"] = float(sum(counts.values()))
        figures["events"] = float(counts.get("product.events", 0))

        day_before = (end - timedelta(days=1)).isoformat()
        started = time.perf_counter()
        dbt_runner.run(
            ["build", "--full-refresh"], wh, dbt_vars={"as_of_date": day_before}, quiet=True
        )
        figures["full_build_s"] = time.perf_counter() - started

        started = time.perf_counter()
        dbt_runner.run(["build"], wh, dbt_vars={"as_of_date": end.isoformat()}, quiet=True)
        figures["incremental_build_s"] = time.perf_counter() - started
        figures["peak_rss_mb"] = _peak_rss_mb()
        figures["warehouse_mb"] = (Path(tmp) / "bench.duckdb").stat().st_size / 1e6

    line = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {accounts:,} | {days} | {os.cpu_count()} | "
        f"{figures['events']:,.0f} | {figures['generate_and_load_s']:.1f} | "
        f"{figures['full_build_s']:.1f} | {figures['incremental_build_s']:.1f} | "
        f"{figures['peak_rss_mb']:,.0f} | {figures['warehouse_mb']:,.0f} |"
    )
    if not out.exists():
        out.write_text(
            "# Benchmarks\n\n"
            "`make bench` appends a row per run: DuckDB, on the machine named by its core count.\n"
            "Full build = `dbt build --full-refresh` as of the day before the data ends; "
            "incremental = the next `dbt build`, adding the last day. Peak memory is the max RSS "
            "of the process (dbt runs in-process).\n\n"
            "| date | accounts | days | cores | events | generate+load s | full build s | "
            "incremental build s | peak RSS MB | warehouse MB |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        )
    out.write_text(add_row(out.read_text(), line))
    print(f"\n{platform.node()}: {line}\nadded to the table in {out}")
    return figures


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
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=dbt_runner.project_dir() / "BENCHMARKS.md")
    args = parser.parse_args()
    run(args.accounts, args.days, args.seed, args.out)


if __name__ == "__main__":
    main()
