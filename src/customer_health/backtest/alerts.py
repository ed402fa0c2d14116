"""The alert rules judged on renewals: how many losses they flag in time, and at what cost.

For each rule (and for all rules together) and each horizon N, on the renewals the system was
already scoring N days before (``has_score`` at that horizon, so the alert history covers them):

* **recall**: share of the lost renewals with an alert at least N days ahead;
* **false-alarm rate**: share of the kept renewals with such an alert;
* **median lead time**: days before the renewal of the first alert, over the lost renewals
  alerted at least N days ahead;
* **ratio**: recall / false-alarm rate; a rule that fires about as often before kept renewals
  as before lost ones (ratio below :data:`UNINFORMATIVE_RATIO`) is flagged ``uninformative``;
* **alerts per account per month**: the rule's distinct alerts (those within the alert window
  before a renewal) over the scored accounts and the months of history the backtest covers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

ALL_RULES = "all"
UNINFORMATIVE_RATIO = 1.3
DAYS_PER_MONTH = 365.25 / 12


def first_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    """Per renewal and rule, the first alert's days_before_renewal (the earliest warning);
    the rule ``all`` takes the earliest alert of any rule."""
    per_rule = alerts.groupby(["renewal_id", "alert_type"], as_index=False)[
        "days_before_renewal"
    ].max()
    overall = (
        alerts.groupby("renewal_id", as_index=False)["days_before_renewal"]
        .max()
        .assign(alert_type=ALL_RULES)
    )
    return pd.concat([per_rule, overall], ignore_index=True).rename(
        columns={"days_before_renewal": "first_alert_days"}
    )


def exposure_months(rows: pd.DataFrame) -> float:
    """Months from the first score date of the backtest to its last renewal."""
    scored = rows[rows["has_score"].astype(bool)]
    if scored.empty:
        return 0.0
    days = (scored["renewal_date"].max() - scored["score_date"].min()).days
    return max(days, 1) / DAYS_PER_MONTH


def _ratio(recall: float | None, false_alarms: float | None) -> float | None:
    if recall is None or not false_alarms:
        return None
    return recall / false_alarms


def _uninformative(recall: float | None, false_alarms: float | None) -> bool | None:
    if recall is None or false_alarms is None or (recall == 0 and false_alarms == 0):
        return None
    if false_alarms == 0:
        return False
    return recall / false_alarms < UNINFORMATIVE_RATIO


def _share(flags: pd.Series) -> float | None:
    return float(flags.mean()) if len(flags) else None


def rule_row(eligible: pd.DataFrame, first: pd.Series, days_ahead: int) -> dict[str, Any]:
    """Recall, false alarms and lead time of one rule at ``days_ahead``.

    ``first`` maps renewal_id to the rule's first alert (days before the renewal)."""
    lead = eligible["renewal_id"].map(first)
    alerted = lead >= days_ahead
    lost = eligible["is_lost"] == 1
    recall = _share(alerted[lost])
    false_alarms = _share(alerted[~lost])
    median_lead = lead[lost & alerted].median()
    return {
        "days_ahead": int(days_ahead),
        "lost_renewals": int(lost.sum()),
        "kept_renewals": int((~lost).sum()),
        "lost_alerted": int((alerted & lost).sum()),
        "kept_alerted": int((alerted & ~lost).sum()),
        "recall": recall,
        "false_alarm_rate": false_alarms,
        "ratio": _ratio(recall, false_alarms),
        "uninformative": _uninformative(recall, false_alarms),
        "median_lead_days": None if np.isnan(median_lead) else float(median_lead),
    }


def alert_stats(rows: pd.DataFrame, alerts: pd.DataFrame, horizons: list[int]) -> pd.DataFrame:
    """One row per rule (``all`` last) and horizon."""
    firsts = first_alerts(alerts) if not alerts.empty else pd.DataFrame()
    rules = sorted(alerts["alert_type"].dropna().unique()) if not alerts.empty else []
    scored_accounts = rows.loc[rows["has_score"].astype(bool), "account_id"].nunique()
    account_months = scored_accounts * exposure_months(rows)
    severity = alerts.groupby("alert_type")["severity"].agg(
        lambda s: s.mode().iloc[0] if s.notna().any() else None
    )
    out = []
    for rule in [*rules, ALL_RULES]:
        if firsts.empty:
            first = pd.Series(dtype=float)
        else:
            first = firsts[firsts["alert_type"] == rule].set_index("renewal_id")
            first = first["first_alert_days"]
        fired = alerts if rule == ALL_RULES else alerts[alerts["alert_type"] == rule]
        distinct = fired["alert_id"].nunique() if not fired.empty else 0
        for horizon in horizons:
            at = rows[(rows["horizon_days"] == horizon) & rows["has_score"].astype(bool)]
            out.append(
                {
                    "rule": rule,
                    "severity": severity.get(rule) if rule != ALL_RULES else None,
                    **rule_row(at, first, horizon),
                    "alerts": int(distinct),
                    "alerts_per_account_month": distinct / account_months
                    if account_months
                    else None,
                }
            )
    return pd.DataFrame(out)
