"""Does agreement matter? The churn rate of renewals by how many techniques flagged risk.

Six techniques diagnose every account on every score date (models/intermediate/diagnosis):
the scorecard, the trend, the anomaly against the account's own baseline, the cohort benchmark,
the rule flags and the churn probability band. A technique *flags risk* when its verdict is
at_risk or critical. For each renewal read N days before it (``rpt_renewal_backtest_diagnosis``,
the same history date as the score's backtest), the renewal falls in one group:

* ``agreed``: two or more techniques flagged risk, and at least half of those with a verdict;
* ``several``: two or more flagged it, but fewer than half;
* ``one``: exactly one flagged it (``lone`` says which, and how often that alone was right);
* ``none``: no technique flagged risk.

If agreement matters, ``agreed`` churns clearly more than ``one``. The score's own flag is
also split by whether another technique confirmed it, and the risk the score did not flag by
whether two or more techniques saw it (``score``). Rates come with Wilson 95% intervals.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from customer_health.backtest.metrics import rate_row

GROUPS = ("agreed", "several", "one", "none")
VERDICTS = ("critical", "at_risk", "watch", "healthy")
TECHNIQUES = ("scorecard", "trend", "anomaly", "cohort", "rule_flags", "churn_probability")
RISK = ("at_risk", "critical")

#: The splits of the score's own verdict: (name, what it means).
SCORE_SPLITS = (
    ("score_flagged_confirmed", "the score flagged risk and at least one other technique agreed"),
    ("score_flagged_alone", "the score flagged risk and no other technique did"),
    ("score_missed_seen_by_two", "the score did not flag risk, two or more other techniques did"),
    ("score_missed_seen_by_one", "the score did not flag risk, exactly one other technique did"),
    ("nothing_flagged", "no technique flagged risk"),
)


def _rates(frame: pd.DataFrame, mask: pd.Series) -> dict[str, Any]:
    part = frame[mask]
    return rate_row(int(part["is_lost"].sum()), len(part))


def _table(frame: pd.DataFrame, column: str, labels: tuple[str, ...], key: str) -> pd.DataFrame:
    return pd.DataFrame([{key: label, **_rates(frame, frame[column] == label)} for label in labels])


def _apart(high: dict[str, Any], low: dict[str, Any]) -> bool | None:
    """True when ``high``'s interval lies wholly above ``low``'s; None without both."""
    if not high["renewals"] or not low["renewals"]:
        return None
    return bool(high["ci_low"] > low["ci_high"])


def horizon_agreement(rows: pd.DataFrame) -> dict[str, Any]:
    """The agreement figures of one horizon's rows of rpt_renewal_backtest_diagnosis."""
    groups = _table(rows, "risk_agreement", GROUPS, "group")
    lone = rows[rows["risk_agreement"] == "one"]
    by_lone = _table(lone, "lone_flagging_technique", TECHNIQUES, "technique")
    score_flags = rows["scorecard_verdict"].isin(RISK)
    others = rows["techniques_flagging_risk"] - score_flags.astype(int)
    masks = {
        "score_flagged_confirmed": score_flags & (others >= 1),
        "score_flagged_alone": score_flags & (others == 0),
        "score_missed_seen_by_two": ~score_flags & (others >= 2),
        "score_missed_seen_by_one": ~score_flags & (others == 1),
        "nothing_flagged": rows["techniques_flagging_risk"] == 0,
    }
    score = pd.DataFrame(
        [
            {"split": name, "meaning": meaning, **_rates(rows, masks[name])}
            for name, meaning in SCORE_SPLITS
        ]
    )
    table = groups.set_index("group")
    agreed, one = table.loc["agreed"].to_dict(), table.loc["one"].to_dict()
    ratio = (
        agreed["churn_rate"] / one["churn_rate"]
        if agreed["churn_rate"] is not None and one["churn_rate"]
        else None
    )
    return {
        "renewals": len(rows),
        "lost": int(rows["is_lost"].sum()),
        "groups": groups,
        "lone": by_lone,
        "score": score,
        "by_verdict": _table(rows, "diagnosis_verdict", VERDICTS, "verdict"),
        "by_confidence": _table(rows, "diagnosis_confidence", ("high", "medium", "low"), "level"),
        "agreed_over_one": ratio,
        "agreed_above_one": _apart(agreed, one),
    }


def agreement_stats(diagnosis: pd.DataFrame, horizons: list[int]) -> dict[int, dict[str, Any]]:
    """The agreement figures per horizon (the horizons the diagnosis rows have)."""
    return {
        h: horizon_agreement(diagnosis[diagnosis["horizon_days"] == h])
        for h in horizons
        if (diagnosis["horizon_days"] == h).any()
    }


def verdict_sentence(figures: dict[str, Any], horizon: int) -> str:
    """Whether agreement mattered at this horizon, in one sentence with the rates."""
    table = figures["groups"].set_index("group")
    agreed, one, none = (table.loc[g] for g in ("agreed", "one", "none"))

    def rate(row: pd.Series) -> str:
        if not row["renewals"]:
            return "(no renewal)"
        return f"({row['churn_rate']:.1%} of {int(row['renewals']):,} renewals lost)"

    head = (
        f"At R-{horizon}: techniques agreed on risk {rate(agreed)}; only one flagged it "
        f"{rate(one)}; none flagged it {rate(none)}."
    )
    apart = figures["agreed_above_one"]
    if apart is None:
        return head + " Not enough renewals in a group to compare."
    if apart:
        return (
            head + f" Agreement matters: {figures['agreed_over_one']:.1f}x the churn of a lone "
            "flag, with the 95% intervals apart."
        )
    if figures["agreed_over_one"] and figures["agreed_over_one"] > 1:
        return head + " Agreed risk churned more, but the 95% intervals overlap."
    return head + " Agreement did NOT mean more churn than a lone flag here."
