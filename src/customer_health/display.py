"""Terminal output of the health mart."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from customer_health.diagnosis import mark_of
from customer_health.warehouse import Warehouse

TIER_STYLE = {"critical": "bold red", "at_risk": "yellow", "healthy": "green"}


def accounts_needing_attention(wh: Warehouse, limit: int = 10) -> pd.DataFrame:
    """The top of the priority list: risk (with trend and rule flags) x ARR x renewal. Ordered
    by priority_score, the order of priority_rank, which restarts at 1 in every organisation."""
    return wh.query_df(
        f"""
        select account_id, account_name, segment, arr_reporting, reporting_currency,
               health_score, final_tier as health_tier, trend_direction, explanation,
               recommended_action
        from marts.mart_account_health
        where health_score is not null
        order by priority_score desc, account_id
        limit {int(limit)}
        """
    )


def print_accounts(frame: pd.DataFrame, console: Console | None = None) -> None:
    console = console or Console(width=160)
    table = Table(title="Accounts needing attention today", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("account", overflow="fold", max_width=24)
    table.add_column("ARR", justify="right")
    table.add_column("score", justify="right")
    table.add_column("tier / trend")
    table.add_column("why", overflow="fold", ratio=3)
    table.add_column("what to do", overflow="fold", ratio=2)
    for rank, row in enumerate(frame.itertuples(index=False), start=1):
        mark = mark_of(row)  # the techniques disagree (customer_health.diagnosis)
        table.add_row(
            str(rank),
            f"{row.account_name}\n{row.account_id} · {row.segment}",
            f"{row.arr_reporting:,.0f} {row.reporting_currency}",
            f"{row.health_score:.0f}",
            f"[{TIER_STYLE.get(row.health_tier, '')}]{row.health_tier}[/]\n{row.trend_direction}"
            + (f"\n[magenta]{mark}[/]" if mark else ""),
            row.explanation,
            row.recommended_action,
        )
    console.print(table)
