"""The expansion backtest: the expansion score judged the way the renewal backtest judges the
health score.

The unit is the case (calibration.rpt_expansion_backtest): an expansion that happened, or an
account on a reference date that did not expand within 90 days either side. For each horizon N,
ROC AUC is the chance that an expansion had a higher expansion score N days before it than a
case without one (ties count one half), with a bootstrap 95% interval; PR AUC against the
expansion share; the expansion share of the cases by tier (none / watch / ready, Wilson
intervals) and the top-decile lift. The alerts (marts.mart_expansion_alerts) are judged as the
risk alerts are: the share of expansions announced at least N days ahead by an alert in the
window before them, and the share of alerts an expansion followed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from customer_health.backtest import metrics
from customer_health.backtest.run import BacktestResult, OneClassOutcomes
from customer_health.warehouse import Warehouse

ROWS = "calibration.rpt_expansion_backtest"
ALERTS = "marts.mart_expansion_alerts"
DEFAULT_HORIZON = 60
TIERS = ("ready", "watch", "none")
#: an alert counts for an expansion that follows it within this many days (as the renewal
#: backtest's var backtest_alert_window_days)
ALERT_WINDOW_DAYS = 180


class NothingToRank(OneClassOutcomes):
    """The book has expansions and no case without one, or the reverse, at every horizon; the
    message says what is missing and what to do."""


@dataclass
class ExpansionBacktest:
    """Everything measured; ``to_dict()`` is plain JSON."""

    warehouse: str
    generated_at: str
    headline_horizon: int
    horizons: list[int]
    cases: dict[str, Any]
    by_horizon: dict[int, dict[str, Any]]
    alerts: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"

    @property
    def headline(self) -> dict[str, Any]:
        return self.by_horizon[self.headline_horizon]

    # plain JSON, written as the renewal backtest's
    to_dict = BacktestResult.to_dict
    write_json = BacktestResult.write_json


def load_rows(wh: Warehouse) -> pd.DataFrame:
    """rpt_expansion_backtest with the same dtypes and row order on every engine."""
    frame = wh.query_df(f"select * from {ROWS}")
    for column in ("is_expansion", "has_score"):
        frame[column] = frame[column].astype("boolean").fillna(False).astype(int)
    for column in ("expansion_score", "expansion_data_completeness", "arr_added_reporting"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in ("case_date", "cutoff_date", "score_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["horizon_days"] = pd.to_numeric(frame["horizon_days"]).astype(int)
    frame["segment"] = frame["segment"].fillna("unknown").astype(str)
    order = ["horizon_days", "case_date", "case_id"]
    frame = frame.sort_values(order, ascending=[False, True, True], kind="stable")
    return frame.reset_index(drop=True)


def load_alerts(wh: Warehouse) -> pd.DataFrame:
    frame = wh.query_df(f"select account_id, alert_id, alert_date, delivery_status from {ALERTS}")
    frame["alert_date"] = pd.to_datetime(frame["alert_date"])
    return frame.sort_values(["alert_date", "alert_id"], kind="stable").reset_index(drop=True)


def case_counts(rows: pd.DataFrame) -> dict[str, Any]:
    cases = rows.drop_duplicates("case_id")
    expansions = cases[cases["is_expansion"] == 1]
    return {
        "cases": len(cases),
        "expansions": len(expansions),
        "no_expansion": int((cases["is_expansion"] == 0).sum()),
        "accounts_expanding": int(expansions["account_id"].nunique()),
        "accounts": int(cases["account_id"].nunique()),
        "first_case": cases["case_date"].min() if len(cases) else None,
        "last_case": cases["case_date"].max() if len(cases) else None,
    }


def _rate(hits: int, total: int) -> dict[str, Any]:
    bounds = metrics.wilson_interval(hits, total)
    return {
        "cases": int(total),
        "expansions": int(hits),
        "expansion_share": hits / total if total else None,
        "ci_low": bounds[0] if bounds else None,
        "ci_high": bounds[1] if bounds else None,
    }


def by_tier(scored: pd.DataFrame) -> pd.DataFrame:
    """Expansion share of the scored cases in each tier, with Wilson 95% intervals."""
    rows = []
    for tier in TIERS:
        part = scored[scored["expansion_tier"] == tier]
        rows.append({"tier": tier, **_rate(int(part["is_expansion"].sum()), len(part))})
    return pd.DataFrame(rows)


def tiers_ordered(table: pd.DataFrame) -> bool | None:
    """ready > watch > none in expansion share (None when a tier has no case)."""
    shares = table.set_index("tier")["expansion_share"]
    if shares.isna().any():
        return None
    return bool(shares["ready"] > shares["watch"] > shares["none"])


def _counts(rows: pd.DataFrame) -> dict[str, int]:
    scored = rows["has_score"] == 1
    return {
        "cases": len(rows),
        "expansions": int(rows["is_expansion"].sum()),
        "scored": int(scored.sum()),
        "unscored": int((~scored).sum()),
        "scored_expansions": int(rows.loc[scored, "is_expansion"].sum()),
    }


def _ranking(scored: pd.DataFrame, replicates: int, seed: int) -> dict[str, Any]:
    y = scored["is_expansion"].to_numpy(dtype=float)
    score = scored["expansion_score"].to_numpy(dtype=float)
    out = metrics.ranking_metrics(y, score, replicates, seed)
    out["top_decile_lift"] = metrics.worst_decile_lift(y, score)
    return out


def horizon_metrics(rows: pd.DataFrame, replicates: int, seed: int) -> dict[str, Any]:
    """Overall, per segment and per tier, on one horizon's rows."""
    scored = rows[(rows["has_score"] == 1) & rows["expansion_score"].notna()]
    segments = {
        str(name): {
            **_counts(rows[rows["segment"] == name]),
            **_ranking(scored[scored["segment"] == name], replicates, seed),
        }
        for name in sorted(rows["segment"].unique())
    }
    tiers = by_tier(scored)
    return {
        "all": {**_counts(rows), **_ranking(scored, replicates, seed)},
        "segments": segments,
        "by_tier": tiers,
        "tiers_ordered": tiers_ordered(tiers),
    }


def alert_figures(rows: pd.DataFrame, alerts: pd.DataFrame, days_ahead: int) -> dict[str, Any]:
    """Expansions announced by an alert at least ``days_ahead`` days before (and within
    ALERT_WINDOW_DAYS), among those the alert history covers (scored ``days_ahead`` days
    before); alerts an expansion followed within ALERT_WINDOW_DAYS, among those with that many
    days of data after them."""
    at = rows[(rows["horizon_days"] == days_ahead) & (rows["has_score"] == 1)]
    expansions = at[at["is_expansion"] == 1][["case_id", "account_id", "case_date"]]
    pairs = expansions.merge(alerts, on="account_id", how="inner")
    lead = (pairs["case_date"] - pairs["alert_date"]).dt.days
    in_time = pairs[(lead >= days_ahead) & (lead <= ALERT_WINDOW_DAYS)]
    first_lead = (
        (in_time["case_date"] - in_time["alert_date"]).dt.days.groupby(in_time["case_id"]).max()
    )
    announced = expansions["case_id"].isin(first_lead.index)
    all_expansions = rows[rows["is_expansion"] == 1].drop_duplicates("case_id")
    last_day = rows["case_date"].max()
    judged = alerts[alerts["alert_date"] <= last_day - pd.Timedelta(days=ALERT_WINDOW_DAYS)]
    followed = judged.merge(all_expansions[["account_id", "case_date"]], on="account_id")
    gap = (followed["case_date"] - followed["alert_date"]).dt.days
    hit = followed.loc[(gap > 0) & (gap <= ALERT_WINDOW_DAYS), "alert_id"].unique()
    return {
        "days_ahead": days_ahead,
        "alerts": len(alerts),
        "alerts_delivered": int((alerts["delivery_status"] == "deliver").sum()),
        "expansions_covered": len(expansions),
        "expansions_announced": int(announced.sum()),
        "recall": float(announced.mean()) if len(expansions) else None,
        "median_lead_days": float(first_lead.median()) if len(first_lead) else None,
        "alerts_judged": len(judged),
        "alerts_followed": len(hit),
        "precision": len(hit) / len(judged) if len(judged) else None,
    }


def check_cases(rows: pd.DataFrame) -> None:
    counts = case_counts(rows)
    if counts["expansions"] == 0:
        raise NothingToRank(
            "No expansion in the data: the backtest needs won expansion opportunities "
            "(opportunity_type 'expansion'), renewals won above their previous amount, or "
            "billing upgrades and seat increases. Load them, then run `customer-health build`."
        )
    if counts["no_expansion"] == 0:
        raise NothingToRank(
            f"Every case is an expansion ({counts['expansions']}): there is no account-date "
            "without one to rank them against, so the history is too short for the quiet "
            "window. Load a longer history, then run `customer-health build --full-refresh`."
        )
    scored = rows[rows["has_score"] == 1]
    if not (scored.groupby("horizon_days")["is_expansion"].nunique() == 2).any():
        raise NothingToRank(
            "No horizon has both expansions and cases without one with a score: the expansion "
            "history does not reach back before the expansions. Build with a longer history."
        )


def _notes(result: ExpansionBacktest) -> list[str]:
    h = result.headline_horizon
    head = result.headline
    notes = []
    if head["all"]["unscored"]:
        notes.append(
            f"{head['all']['unscored']:,} of {head['all']['cases']:,} cases had no expansion "
            f"score {h} days before (the history did not reach back that far): they are left "
            "out of the AUCs and counted here."
        )
    if head["tiers_ordered"] is False:
        notes.append(f"Tiers are NOT ordered at R-{h}: ready > watch > none fails.")
    auc = head["all"]["roc_auc_ci"]
    if auc and auc[0] <= 0.5:
        notes.append(
            f"The 95% interval of the AUC at R-{h} reaches 0.5: on this book the expansion "
            "score does not rank expansions better than chance with confidence."
        )
    return notes


def run_expansion_backtest(
    wh: Warehouse,
    headline_horizon: int = DEFAULT_HORIZON,
    replicates: int = metrics.REPLICATES,
    seed: int = metrics.SEED,
    rows: pd.DataFrame | None = None,
) -> ExpansionBacktest:
    """The whole expansion backtest on the built warehouse (or on ``rows`` already read)."""
    rows = rows if rows is not None else load_rows(wh)
    horizons = sorted({int(h) for h in rows["horizon_days"].unique()}, reverse=True)
    if horizons and headline_horizon not in horizons:
        raise ValueError(
            f"horizon {headline_horizon} is not in the backtest; it has "
            f"{', '.join(map(str, horizons))} days (dbt var backtest_horizons_days)"
        )
    check_cases(rows)
    alerts = load_alerts(wh)
    by_horizon = {
        h: horizon_metrics(rows[rows["horizon_days"] == h], replicates, seed) for h in horizons
    }
    result = ExpansionBacktest(
        warehouse=wh.describe(),
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        headline_horizon=headline_horizon,
        horizons=horizons,
        cases=case_counts(rows),
        by_horizon=by_horizon,
        alerts=alert_figures(rows, alerts, headline_horizon),
        settings={
            "bootstrap_replicates": replicates,
            "seed": seed,
            "alert_window_days": ALERT_WINDOW_DAYS,
        },
    )
    result.notes = _notes(result)
    return result
