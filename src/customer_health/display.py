"""Terminal output of the health mart."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from customer_health.warehouse import Warehouse

TIER_STYLE = {"critical": "bold red", "at_risk": "yellow", "healthy": "green"}


def accounts_needing_attention(wh: Warehouse, limit: int = 10) -> pd.DataFrame:
    """The accounts with the lowest health score, largest ARR first among equals."""
    return wh.query_df(
        f"""
        select account_id, account_name, segment, arr_reporting, reporting_currency,
               health_score, health_tier, explanation
        from marts.mart_account_health
        where health_score is not null
        order by health_score asc, arr_reporting desc, account_id
        limit {int(limit)}
        """
    )


def print_accounts(frame: pd.DataFrame, console: Console | None = None) -> None:
    console = console or Console(width=160)
    table = Table(title="Accounts needing attention", show_lines=False)
    for col in ("account", "segment", "ARR", "score", "tier", "why"):
        table.add_column(col, overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(
            f"{row.account_name} ({row.account_id})",
            row.segment,
            f"{row.arr_reporting:,.0f} {row.reporting_currency}",
            f"{row.health_score:.0f}",
            f"[{TIER_STYLE.get(row.health_tier, '')}]{row.health_tier}[/]",
            row.explanation,
        )
    console.print(table)
