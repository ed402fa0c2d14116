"""`customer-health doctor`: read the raw tables, before any build, and say what to fix first.

It only reads (through :class:`~customer_health.warehouse.Warehouse`, on DuckDB or Postgres)
and needs no dbt. It reports the contract tables and columns it found (empty tables, missing
columns, wrong types, extra columns), how many accounts are live today under the lifecycle
rules (episodes, reactivations, conflicts between sources), which factors and families each
live account will have data for, and an ordered list of problems, each with its next step.
Exit code 0 when a build can proceed, 10 when a problem blocks it, 2 when the warehouse cannot
be reached.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from customer_health.doctor.diagnose import (
    EXIT_BLOCKING,
    EXIT_CANNOT_START,
    EXIT_OK,
    Findings,
    Problem,
    diagnose,
)

__all__ = [
    "EXIT_BLOCKING",
    "EXIT_CANNOT_START",
    "EXIT_OK",
    "Findings",
    "Problem",
    "diagnose",
    "doctor_command",
    "run_doctor",
]


def run_doctor(
    wh: object,
    as_of_date: datetime | None = None,
    json_path: Path | None = None,
    progress: bool = True,
    console: object = None,
) -> Findings:
    """Diagnose, print, and write the JSON (when asked). Returns the findings."""
    from rich.console import Console
    from rich.progress import Progress

    from customer_health import dbt as dbt_runner
    from customer_health.doctor.render import print_findings
    from customer_health.warehouse import Warehouse

    assert isinstance(wh, Warehouse)
    day = as_of_date.date() if isinstance(as_of_date, datetime) else as_of_date
    with Progress(console=Console(stderr=True), transient=True, disable=not progress) as bar:
        task = bar.add_task("Reading the raw tables", total=17)

        def step(what: str) -> None:
            bar.update(task, advance=1, description=f"Checking {what}")

        findings = diagnose(wh, dbt_runner.project_dir(), day, step=step)
    print_findings(findings, console)  # type: ignore[arg-type]
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(findings.to_dict(), indent=2, default=str) + "\n")
    return findings


@click.command("doctor")
@click.option(
    "--target",
    type=click.Choice(("duckdb", "postgres")),
    default=None,
    help="Warehouse to read (default: $CUSTOMER_HEALTH_TARGET or duckdb).",
)
@click.option(
    "--as-of-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Score date (default: the latest activity date in the data, as the build).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the findings as JSON to this file.",
)
def doctor_command(target: str | None, as_of_date: datetime | None, json_path: Path | None) -> None:
    """Check the raw data before a build: tables, columns, live accounts, what to fix first.

    Read-only; no dbt needed. Exit codes: 0 a build can proceed, 10 a blocking problem (listed
    first, each with its next step), 2 the warehouse cannot be reached.
    """
    from customer_health.warehouse import Warehouse

    try:
        wh = Warehouse.from_env(target)
    except ValueError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(EXIT_CANNOT_START)
    if wh.engine == "duckdb" and not Path(str(wh.duckdb_path)).exists():
        click.secho(f"error: no DuckDB file at {wh.duckdb_path}", fg="red", err=True)
        click.echo(
            "next: land your data first, or point CUSTOMER_HEALTH_DUCKDB_PATH at it", err=True
        )
        sys.exit(EXIT_CANNOT_START)
    findings = run_doctor(wh, as_of_date, json_path)
    if json_path is not None:
        click.echo(f"Findings written to {json_path}")
    sys.exit(findings.exit_code)
