"""Judging a proposal out of time, and the refusal that protects the user.

On the validation renewals only: the ROC AUC of the current score (``-health_score`` as the
risk) and of the proposal's score (recomputed from the sub-scores with the proposed weights),
and a **paired bootstrap** of their difference: :data:`BOOTSTRAP_REPLICATES` resamples of the
validation renewals (fixed seed), the same resample for both scores. A proposal is written only
when the lower bound of the 95% interval of the difference is above 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, roc_curve

BOOTSTRAP_REPLICATES = 1000
BOOTSTRAP_SEED = 20240917
CONFIDENCE = 0.95


def auc(y: np.ndarray, risk: np.ndarray) -> float | None:
    """ROC AUC of ``risk`` for ``y`` (ties count half); None without both classes."""
    y = np.asarray(y)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(risk)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _auc_rows(y: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """AUC of each row of the (B, n) arrays; NaN for a row without both classes."""
    ranks = rankdata(risk, axis=1)
    n_pos = y.sum(axis=1).astype(float)
    n_neg = y.shape[1] - n_pos
    with np.errstate(invalid="ignore", divide="ignore"):
        value = ((ranks * y).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), value, np.nan)


def paired_bootstrap(
    y: np.ndarray,
    risk_current: np.ndarray,
    risk_proposed: np.ndarray,
    replicates: int = BOOTSTRAP_REPLICATES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """AUCs, their difference (proposed - current) and its percentile interval."""
    y = np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    current, proposed = auc(y, risk_current), auc(y, risk_proposed)
    diffs = []
    for start in range(0, replicates, 250):  # in blocks, to bound memory on large books
        idx = rng.integers(0, len(y), (min(250, replicates - start), len(y)))
        yb = y[idx]
        diffs.append(_auc_rows(yb, risk_proposed[idx]) - _auc_rows(yb, risk_current[idx]))
    diff = np.concatenate(diffs) if diffs else np.array([])
    diff = diff[~np.isnan(diff)]
    tail = (1 - CONFIDENCE) / 2
    low, high = (
        (float(np.quantile(diff, tail)), float(np.quantile(diff, 1 - tail)))
        if len(diff)
        else (None, None)
    )
    return {
        "auc_current": current,
        "auc_proposed": proposed,
        "auc_difference": None if current is None or proposed is None else proposed - current,
        "interval": [low, high],
        "confidence": CONFIDENCE,
        "replicates": int(len(diff)),
        "seed": seed,
    }


def decide(bootstrap: dict[str, Any]) -> tuple[bool, str]:
    """Propose only when the whole 95% interval of the AUC gain is above 0; say why."""
    low, high = bootstrap["interval"]
    cur, new, diff = (
        bootstrap["auc_current"],
        bootstrap["auc_proposed"],
        bootstrap["auc_difference"],
    )
    if low is None or diff is None:
        return False, "the AUC difference cannot be measured on the validation renewals"
    figures = (
        f"validation ROC AUC {cur:.3f} (current) -> {new:.3f} (proposed), difference "
        f"{diff:+.3f}, 95% interval [{low:+.3f}, {high:+.3f}] over {bootstrap['replicates']} "
        "paired bootstrap resamples"
    )
    if low > 0:
        return True, f"better out of time: {figures}; the whole interval is above 0"
    return False, (
        f"not better out of time: {figures}; the interval reaches {low:+.3f}, so a gain is not "
        "established and the current weights stay"
    )


def lift_top_decile(y: np.ndarray, risk: np.ndarray) -> float | None:
    """Lost rate of the riskiest 10% divided by the overall lost rate."""
    if len(y) == 0 or y.mean() == 0:
        return None
    top = max(1, math.ceil(0.1 * len(y)))
    order = np.argsort(-risk, kind="stable")
    return float(y[order[:top]].mean() / y.mean())


def score_metrics(y: np.ndarray, score: np.ndarray, prob: np.ndarray) -> dict[str, float | None]:
    """ROC AUC, PR AUC, Brier score and top-decile lift of a score (higher = healthier)."""
    both = len(set(y.tolist())) == 2
    return {
        "roc_auc": auc(y, -score),
        "pr_auc": float(average_precision_score(y, -score)) if both else None,
        "brier": float(np.mean((prob - y) ** 2)) if len(y) else None,
        "lift_top_decile": lift_top_decile(y, -score),
    }


def evaluate(
    validation: pd.DataFrame, segments: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Metrics per segment and overall on validation, and the curves for the report.

    ``validation`` carries lost, segment, current_score / proposed_score and their
    probabilities current_prob / proposed_prob.
    """
    metrics: dict[str, dict[str, Any]] = {}
    curves: dict[str, Any] = {"roc": {}, "distributions": {}}
    for segment in [*segments, "all"]:
        va = validation if segment == "all" else validation[validation["segment"] == segment]
        y = va["lost"].to_numpy()
        entry: dict[str, Any] = {
            "validation_rows": len(va),
            "validation_churned": int(y.sum()),
            "churn_rate": float(y.mean()) if len(y) else None,
        }
        for kind in ("current", "proposed"):
            score = va[f"{kind}_score"].to_numpy(dtype=float)
            entry[kind] = score_metrics(y, score, va[f"{kind}_prob"].to_numpy(dtype=float))
            if segment == "all" and len(set(y.tolist())) == 2:
                fpr, tpr, _ = roc_curve(y, -score)
                curves["roc"][kind] = _thin_curve(fpr, tpr)
        metrics[segment] = entry
    for kind in ("current", "proposed"):
        metrics["all"][kind]["roc_auc_within_segments"] = within_segments_auc(metrics, kind)
    bins = np.arange(0, 105, 5)
    for kind in ("current", "proposed"):
        curves["distributions"][kind] = {"bin_edges": bins.tolist()}
        for label, value in (("churned", 1), ("retained", 0)):
            values = validation.loc[validation["lost"] == value, f"{kind}_score"].dropna()
            counts, _ = np.histogram(values.clip(0, 100), bins=bins)
            total = max(int(counts.sum()), 1)
            curves["distributions"][kind][label] = (counts / total).tolist()
    return metrics, curves


def within_segments_auc(metrics: dict[str, dict[str, Any]], kind: str) -> float | None:
    """Mean of the per-segment ROC AUCs weighted by validation lost renewals: the ranking the
    per-segment weights control, without the segment mix."""
    pairs = [
        (m[kind]["roc_auc"], m["validation_churned"])
        for segment, m in metrics.items()
        if segment != "all" and m[kind]["roc_auc"] is not None
    ]
    total = sum(n for _, n in pairs)
    return sum(a * n for a, n in pairs) / total if total else None


def _thin_curve(fpr: np.ndarray, tpr: np.ndarray, points: int = 200) -> dict[str, list[float]]:
    if len(fpr) > points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, points).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return {"fpr": [float(v) for v in fpr], "tpr": [float(v) for v in tpr]}


def churn_by_tier(
    validation: pd.DataFrame, tiers_column: dict[str, str], labels: list[str], segments: list[str]
) -> list[dict[str, Any]]:
    """Validation lost rate per health tier, current vs proposed, per segment and overall."""
    out = []
    for segment in [*segments, "all"]:
        rows = validation if segment == "all" else validation[validation["segment"] == segment]
        for kind, column in tiers_column.items():
            for tier in labels:
                band = rows[rows[column] == tier]
                out.append(
                    {
                        "segment": segment,
                        "score": kind,
                        "tier": tier,
                        "renewals": len(band),
                        "churned": int(band["lost"].sum()),
                        "churn_rate": float(band["lost"].mean()) if len(band) else None,
                    }
                )
    return out


def warnings(metrics: dict[str, dict[str, Any]]) -> list[str]:
    """Say plainly where the candidate weights do not beat the current score out of time."""
    out = []
    overall = metrics["all"]
    for label, key in (("overall", "roc_auc"), ("within segments", "roc_auc_within_segments")):
        before, after = overall["current"][key], overall["proposed"][key]
        if before is not None and after is not None and after < before:
            if f"{after:.3f}" == f"{before:.3f}":
                out.append(
                    f"The proposal does not change how the score ranks churners {label} on "
                    f"the validation renewals (ROC AUC {before:.3f} before and after)."
                )
            else:
                out.append(
                    f"The proposal ranks churners worse than the current score {label} on the "
                    f"validation renewals (ROC AUC {before:.3f} -> {after:.3f})."
                )
    for segment, m in metrics.items():
        if segment != "all" and m["current"].get("roc_auc") is None:
            out.append(
                f"{segment}: no lost (or no kept) renewal in validation, so its AUC cannot be "
                "measured."
            )
    return out
