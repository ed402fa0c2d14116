"""The backtest in the terminal: a few rich tables a CS leader can read top to bottom."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from customer_health.backtest.agreement import verdict_sentence
from customer_health.backtest.alerts import ALL_RULES
from customer_health.backtest.run import BacktestResult

TIER_STYLE = {"critical": "bold red", "at_risk": "yellow", "healthy": "green"}


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def with_ci(value: float | None, ci: list[float] | None, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if not ci:
        return fmt(value, digits)
    return f"{fmt(value, digits)} [dim]({fmt(ci[0], digits)}-{fmt(ci[1], digits)})[/]"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table


def header(result: BacktestResult) -> str:
    r = result.renewals
    first, last = (str(r[k])[:10] for k in ("first_renewal", "last_renewal"))
    sources = ", ".join(f"{k} {v:,}" for k, v in r["by_source"].items())
    ranking = (
        "churn_probability (higher = riskier)"
        if result.ranking == "churn_probability"
        else "health score (lower = riskier)"
    )
    return (
        f"[bold]Renewal backtest[/] on {result.warehouse}\n"
        f"{r['renewals']:,} renewals with a known outcome, {first} .. {last}: "
        f"[red]{r['lost']:,} lost[/], [green]{r['kept']:,} kept[/] ({sources}); "
        f"{r['accounts']:,} accounts. Ranked by the {ranking}, read N days before each renewal."
    )


def horizon_table(result: BacktestResult) -> Table:
    columns = ["horizon", "renewals", "lost", "scored", "ROC AUC (95%)", "PR AUC (95%)"]
    columns += ["lost share", "worst-10% lift"]
    if result.oracle is not None:
        columns += ["oracle AUC", "share of oracle"]
    table = _table("How well the score ranked the renewals later lost", *columns)
    for h in result.horizons:
        m = result.by_horizon[h]["all"]
        cells = [
            f"[bold]R-{h}[/]" if h == result.headline_horizon else f"R-{h}",
            f"{m['renewals']:,}",
            f"{m['lost']:,}",
            f"{m['scored']:,}",
            with_ci(m["roc_auc"], m["roc_auc_ci"]),
            with_ci(m["pr_auc"], m["pr_auc_ci"]),
            pct(m["base_rate"], 1),
            f"{fmt(m['worst_decile_lift'], 2)}x",
        ]
        if result.oracle is not None:
            o = result.oracle.get(h)
            cells += [
                fmt(o["oracle_roc_auc"]) if o else "n/a",
                with_ci(o["share_of_oracle"], o["share_of_oracle_ci"], 2) if o else "n/a",
            ]
        table.add_row(*cells)
    return table


def segment_table(result: BacktestResult, key: str = "segments") -> Table:
    """Per segment (or, with ``key="orgs"``, per organisation) at the headline horizon."""
    h = result.headline_horizon
    label = "segment" if key == "segments" else "organisation"
    table = _table(
        f"Per {label} at R-{h}", label, "renewals", "lost", "scored", "ROC AUC", "PR AUC"
    )
    for name, m in result.headline[key].items():
        table.add_row(
            name,
            f"{m['renewals']:,}",
            f"{m['lost']:,}",
            f"{m['scored']:,}",
            with_ci(m["roc_auc"], m["roc_auc_ci"]),
            with_ci(m["pr_auc"], m["pr_auc_ci"]),
        )
    return table


def tier_table(result: BacktestResult) -> Table:
    h = result.headline_horizon
    table = _table(
        f"Churn by tier at R-{h} (scored renewals)", "tier", "renewals", "lost", "churn", "95%"
    )
    for row in result.headline["churn_by_tier"].itertuples(index=False):
        table.add_row(
            f"[{TIER_STYLE[row.tier]}]{row.tier}[/]",
            f"{row.renewals:,}",
            f"{row.lost:,}",
            pct(row.churn_rate, 1),
            f"{pct(row.ci_low, 1)}-{pct(row.ci_high, 1)}",
        )
    return table


def tier_verdict(order: dict[str, Any], plain: bool = False) -> str:
    """Whether the tiers rank churn in the right order, and whether that is more than noise."""

    def mark(text: str, style: str) -> str:
        return text if plain else f"[{style}]{text}[/]"

    if order["ordered"] is None:
        return "Tier order: unknown (a tier has no scored renewal)."
    if not order["ordered"]:
        broken = [p["pair"] for p in order["pairs"] if p["ordered"] is False]
        return f"{mark('Tiers NOT ordered', 'red')}: {', '.join(broken)} fails."
    if order["intervals_overlap"]:
        return (
            f"Tiers ordered (critical > at_risk > healthy), "
            f"{mark('but neighbouring intervals overlap', 'yellow')}."
        )
    return (
        f"{mark('Tiers ordered', 'green')} (critical > at_risk > healthy) and their 95% "
        "intervals apart."
    )


def difference_cell(difference: float, ci: list[float] | None) -> str:
    """Green when the score is surely better, red when surely worse."""
    if not ci:
        return f"{difference:+.3f}"
    style = "green" if ci[0] > 0 else "red" if ci[1] < 0 else "default"
    return f"[{style}]{difference:+.3f}[/] [dim]({ci[0]:+.3f}..{ci[1]:+.3f})[/]"


def baseline_table(result: BacktestResult) -> Table:
    table = _table(
        "Score vs a plain logistic baseline on the factors (out of time, same test renewals)",
        "horizon",
        "train",
        "test (lost)",
        "score AUC",
        "baseline AUC",
        "score - baseline (95%)",
    )
    for h in result.horizons:
        b = result.baseline[h]
        split = b.get("split") or {}
        if b["status"] != "ok":
            table.add_row(f"R-{h}", "", "", f"[dim]{b['reason']}[/]", "", "")
            continue
        table.add_row(
            f"R-{h}",
            f"{split['train_renewals']:,}",
            f"{split['test_renewals']:,} ({split['test_lost']:,})",
            fmt(b["score_roc_auc"]),
            fmt(b["baseline_roc_auc"]),
            difference_cell(b["difference"], b["difference_ci"]),
        )
    return table


def reliability_table(result: BacktestResult) -> Table | None:
    frame = result.headline.get("reliability")
    if frame is None or frame.empty:
        return None
    table = _table(
        f"Reliability at R-{result.headline_horizon}: predicted vs observed churn",
        "decile",
        "renewals",
        "predicted",
        "observed",
        "95%",
    )
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.bin),
            f"{row.renewals:,}",
            pct(row.predicted, 1),
            pct(row.churn_rate, 1),
            f"{pct(row.ci_low, 1)}-{pct(row.ci_high, 1)}",
        )
    return table


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def rule_verdict(uninformative: Any, ratio: Any) -> str:
    """How much likelier an alert is before a lost renewal than before a kept one."""
    if _missing(uninformative):
        return "no alert"
    if bool(uninformative):
        return f"[yellow]uninformative ({fmt(ratio, 2)}x)[/]"
    return "no false alarm" if _missing(ratio) else f"{fmt(ratio, 2)}x"


def alert_table(result: BacktestResult) -> Table:
    horizons = result.horizons
    table = _table(
        "Alert rules: lost renewals alerted (recall) / kept renewals alerted (false alarms), "
        "at least N days ahead",
        "rule",
        *(f"{h}+ days" for h in horizons),
        f"median lead ({result.headline_horizon}+)",
        "alerts/account/month",
        "verdict",
    )
    frame = result.alerts
    for rule, rows in frame.groupby("rule", sort=False):
        rows = rows.set_index("days_ahead")
        head = rows.loc[result.headline_horizon]
        cells = [
            f"{pct(rows.loc[h, 'recall'])} / {pct(rows.loc[h, 'false_alarm_rate'])}"
            for h in horizons
        ]
        lead = head["median_lead_days"]
        table.add_row(
            f"[bold]{rule}[/]" if rule == ALL_RULES else str(rule),
            *cells,
            "n/a" if lead is None or pd.isna(lead) else f"{lead:.0f} d",
            fmt(head["alerts_per_account_month"], 3),
            rule_verdict(head["uninformative"], head["ratio"]),
        )
    return table


def _rate_cells(row: Any) -> list[str]:
    return [
        f"{int(row.renewals):,}",
        f"{int(row.lost):,}",
        pct(row.churn_rate, 1),
        f"{pct(row.ci_low, 1)}-{pct(row.ci_high, 1)}" if row.renewals else "",
    ]


def agreement_tables(result: BacktestResult) -> list[Table]:
    """Churn by how many techniques flagged risk at the headline horizon, and the score's own
    flag split by whether the other techniques confirmed it (empty without the diagnosis)."""
    figures = (result.agreement or {}).get(result.headline_horizon)
    if figures is None:
        return []
    h = result.headline_horizon
    groups = _table(
        f"Techniques cross-checked at R-{h}: churn by how many techniques flagged risk",
        "techniques flagging risk",
        "renewals",
        "lost",
        "churn",
        "95%",
    )
    labels = {
        "agreed": "agreed (2+, at least half)",
        "several": "several (2+, under half)",
        "one": "only one",
        "none": "none",
    }
    for row in figures["groups"].itertuples(index=False):
        groups.add_row(labels[row.group], *_rate_cells(row))
    lone = _table(f"Only one flagged risk at R-{h}: which", "technique", "renewals", "lost")
    lone.add_column("churn", justify="right")
    lone.add_column("95%", justify="right")
    for row in figures["lone"].itertuples(index=False):
        if row.renewals:
            lone.add_row(row.technique, *_rate_cells(row))
    score = _table(f"The score's flag, cross-checked at R-{h}", "renewals where", "renewals")
    for column in ("lost", "churn", "95%"):
        score.add_column(column, justify="right")
    for row in figures["score"].itertuples(index=False):
        score.add_row(row.meaning, *_rate_cells(row))
    return [groups, lone, score]


def print_result(result: BacktestResult, console: Console | None = None) -> None:
    """The whole summary: ranking by horizon, segments, tiers, lift, baseline, alerts, notes."""
    console = console or Console(width=140)
    console.print(header(result))
    console.print(horizon_table(result))
    console.print(segment_table(result))
    if "orgs" in result.headline:
        console.print(segment_table(result, "orgs"))
    console.print(tier_table(result))
    console.print(tier_verdict(result.headline["tier_order"]))
    lift = result.headline["all"]["worst_decile_lift"]
    console.print(
        f"Worst-decile lift at R-{result.headline_horizon}: the 10% lowest scores lost "
        f"[bold]{fmt(lift, 2)}x[/] the average churn rate."
    )
    console.print(baseline_table(result))
    reliability = reliability_table(result)
    if reliability is not None:
        console.print(reliability)
    else:
        console.print("No churn probability yet: run `customer-health calibrate`.")
    console.print(alert_table(result))
    for table in agreement_tables(result):
        console.print(table)
    if result.agreement and result.headline_horizon in result.agreement:
        h = result.headline_horizon
        console.print(verdict_sentence(result.agreement[h], h))
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
