"""The out-of-time split of renewals, and the refusal when either side is too thin.

Renewals are ordered by renewal_date. The latest ~35% validate. Training takes the renewals
whose date is at least one horizon before the first validation renewal: a validation score is
read ``horizon_days`` before its renewal, so no training outcome is later than any validation
score. An account is on one side only: the training renewals of accounts that also renew in
validation are dropped (the validation side is the one that judges, it stays whole).

That rule drops mostly *kept* renewals (an account that renews again was kept; a lost one
rarely comes back), so the training renewals left over-represent lost ones. The fits weight
them back (:func:`training_weights`): per segment, lost and kept renewals count in the
proportion they had before the rule, which keeps the churn probability's intercept honest.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from customer_health.calibration.data import NotEnoughHistory

VALIDATION_SHARE = 0.35
MIN_LOST = 30
MIN_KEPT = 30


@dataclass(frozen=True)
class Split:
    """Row positions (in the renewals frame) of each side, and what was left out."""

    horizon_days: int
    train: np.ndarray
    validation: np.ndarray
    eligible: np.ndarray
    dropped_in_gap: int
    dropped_shared_accounts: int
    train_start: dt.date | None
    train_end: dt.date | None
    validation_start: dt.date | None
    validation_end: dt.date | None

    def to_dict(self, lost: np.ndarray) -> dict[str, Any]:
        gap = (
            (self.validation_start - self.train_end).days
            if self.train_end and self.validation_start
            else None
        )
        return {
            "unit": "renewal",
            "horizon_days": self.horizon_days,
            "train_start": _iso(self.train_start),
            "train_end": _iso(self.train_end),
            "validation_start": _iso(self.validation_start),
            "validation_end": _iso(self.validation_end),
            "gap_days": gap,
            "train_renewals": int(len(self.train)),
            "train_lost": int(lost[self.train].sum()),
            "validation_renewals": int(len(self.validation)),
            "validation_lost": int(lost[self.validation].sum()),
            "dropped_in_gap": self.dropped_in_gap,
            "dropped_shared_accounts": self.dropped_shared_accounts,
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def split_renewals(
    renewals: pd.DataFrame, horizon_days: int, validation_share: float = VALIDATION_SHARE
) -> Split:
    """Split renewals (ordered by renewal_date) out of time; see the module docstring.

    Ties on the first validation date all go to validation, so the cut is a date.
    """
    dates = pd.to_datetime(renewals["renewal_date"]).dt.date.to_numpy()
    n = len(dates)
    empty = np.array([], dtype=int)
    if n == 0:
        return Split(horizon_days, empty, empty, empty, 0, 0, None, None, None, None)
    order = np.argsort(dates, kind="stable")
    cut = min(n - 1, max(0, math.floor(n * (1 - validation_share))))
    validation_start = dates[order[cut]]
    validation = np.flatnonzero(dates >= validation_start)
    last_train_date = validation_start - dt.timedelta(days=horizon_days)
    before = np.flatnonzero(dates <= last_train_date)
    in_gap = int(n - len(validation) - len(before))
    shared = set(renewals["account_id"].iloc[validation])
    keep = ~renewals["account_id"].iloc[before].isin(shared).to_numpy()
    train = before[keep]
    return Split(
        horizon_days=horizon_days,
        train=train,
        validation=validation,
        eligible=before,
        dropped_in_gap=in_gap,
        dropped_shared_accounts=int((~keep).sum()),
        train_start=dates[train].min() if len(train) else None,
        train_end=dates[train].max() if len(train) else None,
        validation_start=validation_start,
        validation_end=dates[validation].max(),
    )


def training_weights(renewals: pd.DataFrame, split: Split) -> np.ndarray:
    """A weight per training renewal: within each segment, lost and kept renewals weigh
    (renewals before the gap) / (renewals kept in training) of their outcome, normalised to
    a mean of 1, so the training mix is the one before the account rule."""
    lost = renewals["lost"].to_numpy()
    segment = renewals["segment"].to_numpy()
    weights = np.ones(len(split.train))
    for name in np.unique(segment[split.train]):
        for outcome in (0, 1):
            eligible = int(
                ((segment[split.eligible] == name) & (lost[split.eligible] == outcome)).sum()
            )
            chosen = (segment[split.train] == name) & (lost[split.train] == outcome)
            if chosen.any():
                weights[chosen] = eligible / int(chosen.sum())
    return weights / weights.mean() if len(weights) else weights


def check_split(split: Split, lost: np.ndarray, total_renewals: int) -> None:
    """Refuse, saying what is missing and what to do, when a side is too thin to learn or judge."""
    problems = []
    for name, rows in (("training", split.train), ("validation", split.validation)):
        n_lost = int(lost[rows].sum())
        n_kept = int(len(rows) - n_lost)
        if n_lost < MIN_LOST or n_kept < MIN_KEPT:
            problems.append(
                f"the {name} part has {n_lost} lost and {n_kept} kept renewals "
                f"(at least {MIN_LOST} lost and {MIN_KEPT} kept are needed)"
            )
    if problems:
        raise NotEnoughHistory(refusal_message(problems, split.horizon_days, total_renewals))


def refusal_message(problems: list[str], horizon_days: int, total_renewals: int) -> str:
    return (
        f"Not enough renewal history to calibrate at R-{horizon_days}: "
        + "; ".join(problems)
        + f". Of {total_renewals} scored renewals with a known outcome, the latest "
        f"{VALIDATION_SHARE:.0%} judge the proposal, the renewals of the {horizon_days} days "
        "before them and the earlier renewals of the same accounts are left out of training. "
        "What to do: keep building (each renewal counts once its outcome is recorded), load "
        "more past history so the backtest covers more renewals, or try a shorter horizon "
        "(`customer-health calibrate --horizon 30`). The current weights stay in force."
    )
