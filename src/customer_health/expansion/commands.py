"""`customer-health expansion` and `customer-health expansion-backtest`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from customer_health import dbt as dbt_runner
from customer_health.warehouse import ENGINES, Warehouse

TARGET = click.option(
    "--target",
    type=click.Choice(ENGINES),
    default=None,
    help="Warehouse to use (default: $CUSTOMER_HEALTH_TARGET or duckdb).",
)


def _fail(message: str, hint: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    click.echo(f"next: {hint}", err=True)
    sys.exit(2)


@click.command("expansion")
@click.option("--limit", default=10, show_default=True, help="How many accounts to show.")
@TARGET
def expansion_command(limit: int, target: str | None) -> None:
    """Print the accounts closest to buying more: tier, score, why, and the play."""
    from customer_health.expansion import render

    wh = Warehouse.from_env(target)
    try:
        frame = render.accounts_to_expand(wh, limit)
    except Exception as exc:
        _fail(
            f"could not read marts.mart_account_expansion: {exc}",
            "run `customer-health build` first (or `make demo`)",
        )
    render.print_accounts(frame)
    click.echo(f"\nWarehouse: {wh.describe()}  (table marts.mart_account_expansion)")


@click.command("expansion-backtest")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Machine-readable result (default: reports/expansion_backtest.json in the project).",
)
@click.option(
    "--horizon",
    default=60,
    show_default=True,
    type=int,
    help="Headline horizon (days before the expansion) for tiers, segments and alerts.",
)
@TARGET
def expansion_backtest_command(json_path: Path | None, horizon: int, target: str | None) -> None:
    """Judge the expansion score on what happened: AUC by horizon, expansion share by tier.

    Every expansion (won expansion opportunity, renewal upsell, upgrade or seat increase) and
    every account-date without one is scored as the account stood 90, 60, 30 and 7 days before
    (calibration.rpt_expansion_backtest). Exit codes: 0 done; 2 the model could not be read
    (run `customer-health build` first) or a bad --horizon; 3 nothing to rank (no expansion, or
    no case without one), recorded in the JSON as a refusal.
    """
    from customer_health import expansion
    from customer_health.backtest import write_refusal
    from customer_health.expansion.render import print_result

    wh = Warehouse.from_env(target)
    json_path = json_path or dbt_runner.project_dir() / "reports" / "expansion_backtest.json"
    click.echo(f"Backtesting the expansion score on {wh.describe()}")
    started = time.perf_counter()
    try:
        rows = expansion.load_rows(wh)
    except Exception as exc:
        _fail(
            f"could not read calibration.rpt_expansion_backtest: {exc}",
            "run `customer-health build` first",
        )
    try:
        result = expansion.run_expansion_backtest(wh, horizon, rows=rows)
    except expansion.NothingToRank as exc:
        click.secho(f"expansion backtest refused: {exc}", fg="yellow", err=True)
        click.echo(f"Refusal recorded in {write_refusal(json_path, exc)}", err=True)
        sys.exit(3)
    except ValueError as exc:
        _fail(str(exc), "pick one of the horizons listed with --horizon")
    print_result(result)
    result.write_json(json_path)
    click.echo(f"\nJSON written to {json_path} ({time.perf_counter() - started:.1f}s)")


def register(main: click.Group) -> None:
    main.add_command(expansion_command)
    main.add_command(expansion_backtest_command)
