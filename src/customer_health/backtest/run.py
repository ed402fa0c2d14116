"""One backtest run: read the models, measure every horizon, compare, collect the verdicts."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from customer_health.backtest import agreement, baseline, metrics, oracle
from customer_health.backtest import alerts as alert_rules
from customer_health.backtest.load import BacktestData, load_backtest, load_oracle
from customer_health.warehouse import Warehouse

DEFAULT_HORIZON = 60


class OneClassOutcomes(RuntimeError):
    """The book has renewals of one outcome only (or none): nothing to rank. The message says
    what is missing and what to do."""


@dataclass
class BacktestResult:
    """Everything the backtest measured; ``to_dict()`` is plain JSON."""

    warehouse: str
    generated_at: str
    ranking: str
    headline_horizon: int
    horizons: list[int]
    renewals: dict[str, Any]
    by_horizon: dict[int, dict[str, Any]]
    baseline: dict[int, dict[str, Any]]
    alerts: pd.DataFrame
    oracle: dict[int, dict[str, Any]] | None = None
    # churn by how many techniques flagged risk (backtest.agreement), when the diagnosis was read
    agreement: dict[int, dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"

    @property
    def headline(self) -> dict[str, Any]:
        return self.by_horizon[self.headline_horizon]

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)

    def write_json(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")
        return path


def write_refusal(path: Path, reason: OneClassOutcomes) -> Path:
    """The JSON of a refused backtest: its status and why."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"status": "refused", "message": str(reason)}, indent=2) + "\n")
    return path


def jsonable(value: Any) -> Any:
    """Frames become lists of records; numpy, dates, Decimal and NaN become JSON types."""
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict(orient="records"))
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.datetime):  # pd.Timestamp is a datetime
        return value.isoformat()[:10] if _midnight(value) else value.isoformat()
    return value


def _midnight(value: dt.date | dt.datetime) -> bool:
    return not isinstance(value, dt.datetime) or value.time() == dt.time(0)


def renewal_counts(rows: pd.DataFrame) -> dict[str, Any]:
    """Distinct renewals by outcome and by how they were recorded."""
    renewals = rows.drop_duplicates("renewal_id")
    by_source = renewals.groupby(["recorded_by", "renewal_outcome"]).size()
    return {
        "renewals": len(renewals),
        "lost": int(renewals["is_lost"].sum()),
        "kept": int((renewals["is_lost"] == 0).sum()),
        "accounts": int(renewals["account_id"].nunique()),
        "first_renewal": renewals["renewal_date"].min() if len(renewals) else None,
        "last_renewal": renewals["renewal_date"].max() if len(renewals) else None,
        "by_source": {f"{a} {b}": int(n) for (a, b), n in by_source.items()},
    }


def check_outcomes(data: BacktestData) -> None:
    """Refuse a book with nothing to rank, saying what is missing and what to do."""
    counts = renewal_counts(data.rows)
    if counts["renewals"] == 0:
        raise OneClassOutcomes(
            "No renewal with a known outcome: the backtest needs renewal decisions dated on or "
            "before the score date. Load closed renewal opportunities (or wait for "
            "renewals to be decided), then run `customer-health build`."
        )
    if counts["kept"] == 0:
        raise OneClassOutcomes(
            f"No kept renewal recorded ({counts['lost']} lost, 0 kept): the book has no won "
            "renewal opportunities, only departures, so there is nothing to tell the lost "
            "renewals apart from. Load the CRM's renewal opportunities (opportunity_type "
            "'renewal', stage closed_won / closed_lost), then run `customer-health build`."
        )
    if counts["lost"] == 0:
        raise OneClassOutcomes(
            f"No lost renewal recorded ({counts['kept']} kept, 0 lost): nothing to catch yet. "
            "Load the lost renewal opportunities and ended contracts, then run "
            "`customer-health build`."
        )
    scored = metrics.scored_rows(data.rows)
    both = scored.groupby("horizon_days")["is_lost"].nunique()
    if not (both == 2).any():
        raise OneClassOutcomes(
            f"No horizon has both lost and kept renewals with a score ({len(scored)} scored "
            "rows): the score history does not reach back before the renewals. Build with a "
            "longer history (`customer-health build --full-refresh` after loading more days)."
        )


def _notes(result: BacktestResult) -> list[str]:
    notes = []
    head = result.headline
    h = result.headline_horizon
    overall = head["all"]
    if "orgs" in head:
        notes.append(
            f"The renewals belong to {len(head['orgs'])} organisations: the figures pool them "
            "(each tenant's score is computed within its own organisation); each is judged on "
            f"its own renewals in the per-organisation table (by_horizon.{h}.orgs in the JSON)."
        )
    if overall["unscored"]:
        notes.append(
            f"{overall['unscored']:,} of {overall['renewals']:,} renewals had no score {h} days "
            "before (the history did not reach back that far): they are left out of the AUCs "
            "and tiers, and counted here."
        )
    order = head["tier_order"]
    if order["ordered"] is False:
        notes.append(
            f"Tiers are NOT ordered by churn rate at R-{h}: critical > at_risk > healthy fails."
        )
    elif order["intervals_overlap"]:
        notes.append(f"Tiers are ordered at R-{h}, but neighbouring tiers' 95% intervals overlap.")
    comparison = result.baseline.get(h, {})
    ci = comparison.get("difference_ci")
    if comparison.get("status") == "ok" and ci and ci[1] < 0:
        notes.append(
            f"The plain logistic baseline ranks the test renewals better than the score at R-{h} "
            "(the whole interval of the difference is below 0)."
        )
    flagged = result.alerts[
        (result.alerts["days_ahead"] == h)
        & (result.alerts["uninformative"] == True)  # noqa: E712 (None stays out)
        & (result.alerts["rule"] != alert_rules.ALL_RULES)
    ]
    if len(flagged):
        notes.append(
            f"Alert rules that fire before kept renewals about as often as before lost ones, or "
            f"more often (ratio below {alert_rules.UNINFORMATIVE_RATIO}, {h}+ days ahead): "
            f"{', '.join(flagged['rule'])}."
        )
    return notes


def run_backtest(
    wh: Warehouse,
    headline_horizon: int = DEFAULT_HORIZON,
    oracle_path: Path | None = None,
    replicates: int = metrics.REPLICATES,
    seed: int = metrics.SEED,
    data: BacktestData | None = None,
) -> BacktestResult:
    """The whole backtest on the built warehouse (or on ``data`` already read)."""
    data = data if data is not None else load_backtest(wh)
    horizons = data.horizons
    if horizons and headline_horizon not in horizons:
        raise ValueError(
            f"horizon {headline_horizon} is not in the backtest; it has "
            f"{', '.join(map(str, horizons))} days (dbt var backtest_horizons_days)"
        )
    check_outcomes(data)
    oracle_frame = load_oracle(oracle_path, horizons) if oracle_path is not None else None
    rows = data.rows
    by_horizon = {}
    comparisons = {}
    ceilings: dict[int, dict[str, Any]] = {}
    for h in horizons:
        at = rows[rows["horizon_days"] == h]
        by_horizon[h] = metrics.horizon_metrics(at, replicates, seed)
        comparisons[h] = baseline.baseline_comparison(rows, data.factors, h, replicates, seed)
        if oracle_frame is not None:
            found = oracle.oracle_comparison(rows, oracle_frame, h, replicates, seed)
            if found is not None:
                ceilings[h] = found
    result = BacktestResult(
        warehouse=wh.describe(),
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ranking=metrics.risk_column(rows),
        headline_horizon=headline_horizon,
        horizons=horizons,
        renewals=renewal_counts(rows),
        by_horizon=by_horizon,
        baseline=comparisons,
        alerts=alert_rules.alert_stats(rows, data.alerts, horizons),
        oracle=ceilings if oracle_frame is not None else None,
        agreement=agreement.agreement_stats(data.diagnosis, horizons)
        if data.diagnosis is not None
        else None,
        settings={
            "bootstrap_replicates": replicates,
            "seed": seed,
            "baseline_train_share": baseline.TRAIN_SHARE,
            "uninformative_alert_ratio": alert_rules.UNINFORMATIVE_RATIO,
            "oracle_file": str(oracle_path) if oracle_path is not None else None,
        },
    )
    result.notes = _notes(result)
    return result
