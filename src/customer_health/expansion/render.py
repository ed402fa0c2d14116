"""The expansion list and the expansion backtest in the terminal."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from customer_health.backtest.render import _table, fmt, pct, with_ci
from customer_health.expansion.backtest import ExpansionBacktest
from customer_health.warehouse import Warehouse

TIER_STYLE = {"ready": "bold green", "watch": "yellow", "none": "dim"}


def accounts_to_expand(wh: Warehouse, limit: int = 10) -> pd.DataFrame:
    """The top of the expansion list: ready first, then watch, each by expansion priority (the
    order of expansion_rank, which restarts at 1 in every organisation)."""
    return wh.query_df(
        f"""
        select account_id, account_name, segment, arr_reporting, reporting_currency,
               expansion_score, expansion_tier, health_final_tier, expansion_reason,
               expansion_action
        from marts.mart_account_expansion
        where expansion_score is not null
        order by case expansion_tier when 'ready' then 1 when 'watch' then 2 else 3 end,
                 expansion_priority desc, account_id
        limit {int(limit)}
        """
    )


def print_accounts(frame: pd.DataFrame, console: Console | None = None) -> None:
    console = console or Console(width=160)
    table = Table(title="Accounts ready to expand", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("account", overflow="fold", max_width=24)
    table.add_column("ARR", justify="right")
    table.add_column("score", justify="right")
    table.add_column("tier / health")
    table.add_column("why", overflow="fold", ratio=3)
    table.add_column("play", overflow="fold", ratio=2)
    for rank, row in enumerate(frame.itertuples(index=False), start=1):
        tier = str(row.expansion_tier)
        table.add_row(
            str(rank),
            f"{row.account_name}\n{row.account_id} · {row.segment}",
            f"{row.arr_reporting:,.0f} {row.reporting_currency}",
            f"{row.expansion_score:.0f}",
            f"[{TIER_STYLE.get(tier, '')}]{tier}[/]\n{row.health_final_tier}",
            row.expansion_reason,
            row.expansion_action,
        )
    console.print(table)


def header(result: ExpansionBacktest) -> str:
    c = result.cases
    first, last = (str(c[k])[:10] for k in ("first_case", "last_case"))
    return (
        f"[bold]Expansion backtest[/] on {result.warehouse}\n"
        f"{c['expansions']:,} expansions ({c['accounts_expanding']:,} accounts) and "
        f"{c['no_expansion']:,} account-dates without one (no expansion within 90 days either "
        f"side), {first} .. {last}. Ranked by the expansion score (higher = readier), read N "
        "days before each case."
    )


def horizon_table(result: ExpansionBacktest) -> Table:
    table = _table(
        "How well the expansion score ranked the expansions that happened",
        "horizon",
        "cases",
        "expansions",
        "scored",
        "ROC AUC (95%)",
        "PR AUC (95%)",
        "expansion share",
        "top-10% lift",
    )
    for h in result.horizons:
        m = result.by_horizon[h]["all"]
        table.add_row(
            f"[bold]E-{h}[/]" if h == result.headline_horizon else f"E-{h}",
            f"{m['cases']:,}",
            f"{m['expansions']:,}",
            f"{m['scored']:,}",
            with_ci(m["roc_auc"], m["roc_auc_ci"]),
            with_ci(m["pr_auc"], m["pr_auc_ci"]),
            pct(m["base_rate"], 1),
            f"{fmt(m['top_decile_lift'], 2)}x",
        )
    return table


def segment_table(result: ExpansionBacktest) -> Table:
    h = result.headline_horizon
    table = _table(f"Per segment at E-{h}", "segment", "cases", "expansions", "ROC AUC")
    for name, m in result.headline["segments"].items():
        table.add_row(
            name,
            f"{m['cases']:,}",
            f"{m['expansions']:,}",
            with_ci(m["roc_auc"], m["roc_auc_ci"]),
        )
    return table


def tier_table(result: ExpansionBacktest) -> Table:
    h = result.headline_horizon
    table = _table(
        f"Expansion share by tier at E-{h} (scored cases)", "tier", "cases", "expansions", "share"
    )
    for row in result.headline["by_tier"].itertuples(index=False):
        table.add_row(
            f"[{TIER_STYLE[row.tier]}]{row.tier}[/]",
            f"{row.cases:,}",
            f"{row.expansions:,}",
            f"{pct(row.expansion_share, 1)} [dim]({pct(row.ci_low, 1)}-{pct(row.ci_high, 1)})[/]",
        )
    return table


def alert_line(result: ExpansionBacktest) -> str:
    a = result.alerts
    lead = a["median_lead_days"]
    return (
        f"Expansion alerts (entered ready): {a['alerts']:,} fired, {a['alerts_delivered']:,} "
        f"within the budget. {pct(a['recall'])} of {a['expansions_covered']:,} expansions had "
        f"one {a['days_ahead']}+ days ahead (median lead "
        f"{'n/a' if lead is None else f'{lead:.0f} days'}); {pct(a['precision'])} of "
        f"{a['alerts_judged']:,} alerts with {result.settings['alert_window_days']} days behind "
        "them were followed by an expansion."
    )


def print_result(result: ExpansionBacktest, console: Console | None = None) -> None:
    console = console or Console(width=140)
    console.print(header(result))
    console.print(horizon_table(result))
    console.print(segment_table(result))
    console.print(tier_table(result))
    ordered = result.headline["tiers_ordered"]
    verdict = {True: "ordered (ready > watch > none)", False: "NOT ordered", None: "unknown"}
    console.print(f"Tiers: {verdict[ordered]}.")
    console.print(alert_line(result))
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
