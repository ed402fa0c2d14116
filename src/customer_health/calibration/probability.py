"""The churn probability of the CURRENT score: Platt scaling, fitted out of time.

``p = 1 / (1 + exp(-(intercept + slope * (100 - health_score) / 100)))`` with ``slope >= 0``,
fitted on the training renewals: once over all segments (the row ``segment = 'all'``), and per
segment, each segment's own fit blended with the global one by its lost renewals
(``(lost * own + k * global) / (lost + k)``, as the weights). Replicate 0 is the fit;
replicates 1..:data:`BOOTSTRAP_REPLICATES` refit everything on resamples of the training
renewals (fixed seed), so whoever reads the seed can show an interval. Its reliability (ten
bins of predicted probability: mean predicted vs observed lost rate) and Brier score are
measured on the validation renewals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_health.calibration.fit import blend, fit_constrained_logistic, sigmoid

BOOTSTRAP_REPLICATES = 50
BOOTSTRAP_SEED = 7
#: A light ridge on the slope keeps a segment with few renewals finite.
PLATT_PENALTY = 0.01
MIN_BOOK_LOST = 30
COLUMNS = (
    "weights_version",
    "segment",
    "replicate",
    "intercept",
    "slope",
    "horizon_days",
    "renewals",
    "lost",
    "fitted_on",
)


def risk_of(score: pd.Series | np.ndarray) -> np.ndarray:
    return (100.0 - np.asarray(score, dtype=float)) / 100.0


def platt(risk: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    intercept, coef = fit_constrained_logistic(
        risk.reshape(-1, 1), y, PLATT_PENALTY, sample_weight=w
    )
    return intercept, float(coef[0])


def fit_platt_by_segment(
    risk: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    segment: np.ndarray,
    segments: list[str],
    k: float,
) -> dict[str, tuple[float, float, int, int]]:
    """segment -> (intercept, slope, renewals, lost), with 'all' the global fit."""
    g_intercept, g_slope = platt(risk, y, w)
    out = {"all": (g_intercept, g_slope, len(y), int(y.sum()))}
    for name in segments:
        rows = segment == name
        lost, n = int(y[rows].sum()), int(rows.sum())
        if lost == 0 or lost == n:
            out[name] = (g_intercept, g_slope, n, lost)
            continue
        own = np.array(platt(risk[rows], y[rows], w[rows]))
        intercept, slope = blend(own, np.array([g_intercept, g_slope]), lost, k)
        out[name] = (float(intercept), max(float(slope), 0.0), n, lost)
    return out


def fit_probability_model(
    train: pd.DataFrame,
    segments: list[str],
    prior_strength: float,
    weights_version: str | None,
    horizon_days: int,
    sample_weight: np.ndarray | None = None,
) -> pd.DataFrame:
    """The seed ``churn_probability_model``: one row per segment (and 'all') and replicate.

    ``sample_weight``: the training weights of :func:`~.split.training_weights`."""
    risk = risk_of(train["health_score"])
    w = np.ones(len(train)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    y = train["lost"].to_numpy(dtype=float)
    segment = train["segment"].to_numpy()
    fitted_on = max(train["renewal_date"]).isoformat()
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    for replicate in range(BOOTSTRAP_REPLICATES + 1):
        idx = np.arange(len(y)) if replicate == 0 else rng.integers(0, len(y), len(y))
        fits = fit_platt_by_segment(
            risk[idx], y[idx], w[idx], segment[idx], segments, prior_strength
        )
        for name in ["all", *segments]:
            intercept, slope, n, lost = fits[name]
            rows.append(
                {
                    "weights_version": weights_version or "",
                    "segment": name,
                    "replicate": replicate,
                    "intercept": round(intercept, 6),
                    "slope": round(slope, 6),
                    "horizon_days": int(horizon_days),
                    "renewals": int(n),
                    "lost": int(lost),
                    "fitted_on": fitted_on,
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def predict(model: pd.DataFrame, score: pd.Series, segment: pd.Series) -> np.ndarray:
    """P(lost) of each score with its segment's replicate-0 row ('all' for unknown segments)."""
    fit = model[model["replicate"] == 0].set_index("segment")
    names = segment.where(segment.isin(fit.index), "all")
    intercept = names.map(fit["intercept"]).to_numpy(dtype=float)
    slope = names.map(fit["slope"]).to_numpy(dtype=float)
    return sigmoid(intercept + slope * risk_of(score))


def platt_probabilities(
    train_score: pd.Series, train_y: pd.Series, score: pd.Series, w: np.ndarray | None = None
) -> np.ndarray:
    """P(lost | score) from one global Platt fit on the training renewals."""
    intercept, slope = platt(risk_of(train_score), train_y.to_numpy(dtype=float), w)
    return sigmoid(intercept + slope * risk_of(score))


def reliability(y: np.ndarray, prob: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Deciles of predicted probability: renewals, lost, mean predicted, observed lost rate."""
    if len(y) == 0:
        return []
    order = np.argsort(prob, kind="stable")
    out = []
    for decile, part in enumerate(np.array_split(order, min(bins, len(y))), start=1):
        out.append(
            {
                "decile": decile,
                "renewals": int(len(part)),
                "lost": int(y[part].sum()),
                "mean_predicted": float(prob[part].mean()),
                "observed": float(y[part].mean()),
            }
        )
    return out


def brier(y: np.ndarray, prob: np.ndarray) -> float | None:
    return float(np.mean((prob - y) ** 2)) if len(y) else None
