"""A plain baseline the score has to beat: logistic regression on the factors' raw values.

On the same renewals the score is judged on, at one horizon:

* **Features**: every factor's ``raw_value`` on the score date used (rpt_renewal_backtest_factors),
  one column per factor. A missing value takes the training median; nothing else is added (no
  missing-value flags, no interactions). Standardised with the training mean and deviation.
* **Model**: scikit-learn's ``LogisticRegression`` with its default L2 penalty.
* **Out of time**: the renewals are sorted by date; those on or after the split date (the
  earliest ~40% by default are kept for training) are the test set. Training renewals must be
  dated at least one horizon before the split date, so no training outcome was known after
  the first test score was read, and an account with a test renewal is dropped from training.
* **Judged** on the test renewals only: the baseline's ROC AUC, the score's ROC AUC on the very
  same renewals, and the paired bootstrap interval of their difference (score minus baseline).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from customer_health.backtest.metrics import (
    REPLICATES,
    SEED,
    bootstrap,
    interval,
    rank_auc,
    risk_of,
    scored_rows,
)

#: share of the scored renewals (earliest first) before the split date
TRAIN_SHARE = 0.6
#: each side needs this many lost and this many kept renewals
MIN_CLASS = 5


def factor_matrix(factors: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """One row per renewal, one column per factor (raw values; NaN = no evidence)."""
    part = factors[factors["horizon_days"] == horizon]
    wide = part.pivot_table(
        index="renewal_id", columns="factor_name", values="raw_value", aggfunc="first", dropna=False
    )
    return wide.reindex(columns=sorted(part["factor_name"].unique())).astype(float)


def split_out_of_time(
    renewals: pd.DataFrame, horizon: int, train_share: float = TRAIN_SHARE
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Train and test renewals: test from the split date on, training one horizon earlier,
    accounts with a test renewal removed from training."""
    dates = renewals["renewal_date"].sort_values().reset_index(drop=True)
    if dates.empty:
        return renewals, renewals, {}
    split_date = dates.iloc[min(len(dates) - 1, math.floor(train_share * len(dates)))]
    train_end = split_date - pd.Timedelta(days=horizon)
    test = renewals[renewals["renewal_date"] >= split_date]
    earlier = renewals[renewals["renewal_date"] < train_end]
    train = earlier[~earlier["account_id"].isin(set(test["account_id"]))]
    info = {
        "split_date": split_date.date().isoformat(),
        "train_before": train_end.date().isoformat(),
        "gap_days": horizon,
        "train_renewals": len(train),
        "train_lost": int(train["is_lost"].sum()),
        "train_dropped_shared_accounts": len(earlier) - len(train),
        "test_renewals": len(test),
        "test_lost": int(test["is_lost"].sum()),
    }
    return train, test, info


def fit_baseline(train_x: pd.DataFrame, train_y: np.ndarray) -> tuple[Any, pd.Series, Any]:
    """Median imputation, standardisation and a default logistic regression, on training only.

    A factor with no value at all in training is left out (it has no median)."""
    medians = train_x.median()
    medians = medians[medians.notna()]
    scaler = StandardScaler().fit(train_x[medians.index].fillna(medians))
    model = LogisticRegression(max_iter=1000)
    model.fit(scaler.transform(train_x[medians.index].fillna(medians)), train_y)
    return model, medians, scaler


def predict_baseline(model: Any, medians: pd.Series, scaler: Any, x: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(scaler.transform(x[medians.index].fillna(medians)))[:, 1]


def _refused(reason: str, info: dict[str, Any]) -> dict[str, Any]:
    return {"status": "insufficient", "reason": reason, "split": info}


def _too_few(part: pd.DataFrame) -> bool:
    lost = int(part["is_lost"].sum())
    return lost < MIN_CLASS or len(part) - lost < MIN_CLASS


def baseline_comparison(
    rows: pd.DataFrame,
    factors: pd.DataFrame,
    horizon: int,
    replicates: int = REPLICATES,
    seed: int = SEED,
    train_share: float = TRAIN_SHARE,
) -> dict[str, Any]:
    """The baseline against the score, out of time, on the same test renewals."""
    scored = scored_rows(rows[rows["horizon_days"] == horizon])
    wide = factor_matrix(factors, horizon)
    renewals = scored[scored["renewal_id"].isin(wide.index)]
    train, test, info = split_out_of_time(renewals, horizon, train_share)
    if wide.empty or not info:
        return _refused("no factor rows at this horizon", info)
    if _too_few(train) or _too_few(test):
        return _refused(
            f"each side needs at least {MIN_CLASS} lost and {MIN_CLASS} kept renewals "
            f"(training {info['train_lost']} lost of {info['train_renewals']}, test "
            f"{info['test_lost']} lost of {info['test_renewals']})",
            info,
        )
    model, medians, scaler = fit_baseline(
        wide.loc[train["renewal_id"]], train["is_lost"].to_numpy()
    )
    y = test["is_lost"].to_numpy(dtype=float)
    baseline_risk = predict_baseline(model, medians, scaler, wide.loc[test["renewal_id"]])
    score_risk = risk_of(test).to_numpy(dtype=float)
    boot, _ = bootstrap(y, [score_risk, baseline_risk], replicates, seed)
    score_auc, baseline_auc = rank_auc(y, score_risk), rank_auc(y, baseline_risk)
    coefficients = dict(zip(medians.index, model.coef_[0].tolist(), strict=True))
    return {
        "status": "ok",
        "split": info,
        "features": list(medians.index),
        "score_roc_auc": score_auc,
        "score_roc_auc_ci": interval(boot[0]),
        "baseline_roc_auc": baseline_auc,
        "baseline_roc_auc_ci": interval(boot[1]),
        "difference": (score_auc or 0.0) - (baseline_auc or 0.0),
        "difference_ci": interval(boot[0] - boot[1]),
        "coefficients": dict(sorted(coefficients.items(), key=lambda kv: -abs(kv[1]))),
    }
