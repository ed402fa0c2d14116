"""The calibration summary on the terminal: split, AUCs with the paired interval, weights,
the decision and why, the churn probability's reliability, and where the files went."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.markup import escape

from customer_health.calibration.data import FAMILIES
from customer_health.calibration.result import CalibrationResult

DECISION_STYLE = {"proposed": "bold green", "not_better": "bold yellow", "refused": "bold yellow"}


def _fmt(value: float | None, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def print_summary(result: CalibrationResult, console: Any | None = None) -> None:
    from rich.console import Console

    console = console or Console(width=120)
    split = result.split
    console.print(f"[bold]Calibration[/] on {result.warehouse}")
    console.print(
        f"History source: [bold]{result.history_source}[/] ("
        + ", ".join(f"{k}: {v:,}" for k, v in result.history_source_rows.items())
        + ")"
    )
    if split.get("train_renewals") is not None:
        console.print(
            f"Train {split['train_start']} .. {split['train_end']} "
            f"({split['train_renewals']:,} renewals, {split['train_lost']:,} lost)  |  "
            f"gap {split['gap_days']} days  |  validate {split['validation_start']} .. "
            f"{split['validation_end']} ({split['validation_renewals']:,} renewals, "
            f"{split['validation_lost']:,} lost)\n"
            f"Left out of training: {split['dropped_in_gap']:,} renewals in the gap, "
            f"{split['dropped_shared_accounts']:,} of accounts that also renew in validation"
        )
    if result.decision.get("auc_current") is not None:
        _print_auc(result, console)
        _print_weights(result, console)
    style = DECISION_STYLE.get(result.status, "bold")
    console.print(f"\n[{style}]Decision: {result.status}[/] - {escape(result.message)}")
    _print_probability(result, console)
    for note in result.notes:
        console.print(f"[dim]note:[/] {escape(note)}")


def _print_auc(result: CalibrationResult, console: Any) -> None:
    from rich.table import Table

    d = result.decision
    low, high = d["interval"]
    console.print(
        f"\nValidation ROC AUC: current [bold]{_fmt(d['auc_current'])}[/] -> proposed "
        f"[bold]{_fmt(d['auc_proposed'])}[/] (difference {_fmt(d['auc_difference'], signed=True)}, "
        f"95% paired bootstrap interval [{_fmt(low, signed=True)}, {_fmt(high, signed=True)}], "
        f"{d['replicates']} resamples; penalty {result.penalty.get('value', 0):g})"
    )
    table = Table(title="Validation renewals: current score -> proposed")
    for column in ("segment", "renewals", "lost", "ROC AUC", "PR AUC", "Brier", "lift top 10%"):
        table.add_column(column, justify="left" if column == "segment" else "right")
    for segment, m in result.metrics.items():
        cur, new = m["current"], m["proposed"]
        table.add_row(
            segment,
            f"{m['validation_rows']:,}",
            f"{m['validation_churned']:,}",
            f"{_fmt(cur['roc_auc'])} -> {_fmt(new['roc_auc'])}",
            f"{_fmt(cur['pr_auc'])} -> {_fmt(new['pr_auc'])}",
            f"{_fmt(cur['brier'], 4)} -> {_fmt(new['brier'], 4)}",
            f"{_fmt(cur['lift_top_decile'], 2)} -> {_fmt(new['lift_top_decile'], 2)}",
        )
    console.print(table)


def _print_weights(result: CalibrationResult, console: Any) -> None:
    from rich.table import Table

    label = "proposed" if result.status == "proposed" else "candidate (not written)"
    weights = Table(
        title=f"Family weights per segment: current -> {label} (prior strength "
        f"{result.prior_strength:g} lost renewals)"
    )
    weights.add_column("segment")
    for family in FAMILIES:
        weights.add_column(family, justify="right")
    weights.add_column("train renewals / lost", justify="right")
    weights.add_column("validation renewals / lost", justify="right")
    for segment, proposed in result.weights["proposed"].items():
        current = result.weights["current"].get(segment, {})
        info = result.segments.get(segment, {})
        weights.add_row(
            segment,
            *(f"{current.get(f, 0):.2f} -> [bold]{proposed[f]:.2f}[/]" for f in FAMILIES),
            f"{info.get('training_renewals', 0):,} / {info.get('training_lost', 0):,}",
            f"{info.get('validation_renewals', 0):,} / {info.get('validation_lost', 0):,}",
        )
    console.print(weights)
    factors = Table(title=f"Factor weights within their family: current -> {label}")
    factors.add_column("factor")
    factors.add_column("weight", justify="right")
    current, proposed = result.factor_weights["current"], result.factor_weights["proposed"]
    for name in proposed:
        factors.add_row(name, f"{current.get(name, 0):.2f} -> [bold]{proposed[name]:.2f}[/]")
    console.print(factors)


def _print_probability(result: CalibrationResult, console: Any) -> None:
    from rich.table import Table

    prob = result.probability
    if not prob.get("fitted"):
        reason = escape(prob.get("reason", "no renewals"))
        console.print(f"Churn probability: not fitted ({reason}).")
        return
    fits = {row["segment"]: row for row in prob["fits"]}
    console.print(
        f"\nChurn probability of the current score (Platt, fitted on renewals up to "
        f"{prob['fitted_on']}, {prob['replicates']} bootstrap replicates): "
        + ", ".join(
            f"{s} {row['intercept']:+.2f} + {row['slope']:.2f} x risk" for s, row in fits.items()
        )
    )
    if not prob.get("reliability"):
        console.print(f"[dim]{prob.get('note', '')}[/]")
        return
    console.print(
        f"Brier score on validation {_fmt(prob['brier'], 4)} (the base rate alone: "
        f"{_fmt(prob['brier_base_rate'], 4)})"
    )
    table = Table(title="Reliability on validation renewals (deciles of predicted probability)")
    for column in ("decile", "renewals", "lost", "mean predicted", "observed"):
        table.add_column(column, justify="right")
    for row in prob["reliability"]:
        table.add_row(
            str(row["decile"]),
            f"{row['renewals']:,}",
            f"{row['lost']:,}",
            f"{row['mean_predicted']:.1%}",
            f"{row['observed']:.1%}",
        )
    console.print(table)


@contextmanager
def progress_steps(total: int, enabled: bool) -> Iterator[Callable[[str], None]]:
    """Yield step(description): a rich progress bar when enabled, else a no-op."""
    if not enabled:
        yield lambda description: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]calibrate[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=total)
        state = {"started": False}

        def step(description: str) -> None:
            if state["started"]:
                bar.advance(task)
            state["started"] = True
            bar.update(task, description=description)

        yield step
        bar.update(task, completed=total)
